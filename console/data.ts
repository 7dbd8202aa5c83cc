import { allPages, ecr } from './api.js';

/** What the pages show, gathered from ECR's actions only: the console has no data path of its own. */

export interface Repository {
  repositoryName: string;
  repositoryArn: string;
  repositoryUri: string;
  createdAt: number;
  imageTagMutability: string;
}

export interface ImageDetail {
  imageDigest: string;
  imageTags?: string[];
  imageSizeInBytes?: number;
  imagePushedAt?: number;
  imageManifestMediaType?: string;
  artifactMediaType?: string;
  subjectManifestDigest?: string;
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface RepositorySummary extends Repository {
  imageCount: number;
  totalSize: number;
  lastPush?: number;
  /** Undefined when the principal may not list them (ListTagsForResource refused). */
  tags?: Tag[];
}

/** Runs `work` over `items`, a few at a time. */
async function mapLimited<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function describeImages(repositoryName: string): Promise<ImageDetail[]> {
  return allPages<ImageDetail>('DescribeImages', { repositoryName, maxResults: 1000 }, 'imageDetails');
}

export async function resourceTags(repositoryArn: string): Promise<Tag[]> {
  return ((await ecr('ListTagsForResource', { resourceArn: repositoryArn })).tags as Tag[] | undefined) ?? [];
}

/** Each repository the caller may see, with its image count, size, last push and resource tags. */
export async function repositorySummaries(): Promise<RepositorySummary[]> {
  const repositories = await allPages<Repository>('DescribeRepositories', { maxResults: 1000 }, 'repositories');
  return mapLimited(repositories, 4, async (repository) => {
    // A principal may see a repository's images but not its tags: the row says so rather than the page failing.
    const [images, tags] = await Promise.all([describeImages(repository.repositoryName), resourceTags(repository.repositoryArn).catch(() => undefined)]);
    const pushes = images.map((image) => image.imagePushedAt ?? 0);
    return {
      ...repository,
      imageCount: images.length,
      totalSize: images.reduce((sum, image) => sum + (image.imageSizeInBytes ?? 0), 0),
      ...(pushes.length > 0 ? { lastPush: Math.max(...pushes) } : {}),
      ...(tags ? { tags } : {}),
    };
  });
}

export interface Manifest {
  mediaType?: string;
  artifactType?: string;
  config?: { digest: string; size: number; mediaType: string };
  layers?: { digest: string; size: number; mediaType: string }[];
  manifests?: { digest: string; size: number; mediaType: string; platform?: { os: string; architecture: string; variant?: string } }[];
  subject?: { digest: string };
  annotations?: Record<string, string>;
}

/** The manifests of the given digests, by digest, through BatchGetImage (100 at a time, as ECR allows). */
export async function manifests(repositoryName: string, digests: string[]): Promise<Map<string, Manifest>> {
  const found = new Map<string, Manifest>();
  for (let start = 0; start < digests.length; start += 100) {
    const imageIds = digests.slice(start, start + 100).map((imageDigest) => ({ imageDigest }));
    const answer = await ecr<{ images?: { imageId: { imageDigest: string }; imageManifest: string }[] }>('BatchGetImage', {
      repositoryName,
      imageIds,
      acceptedMediaTypes: [
        'application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json', 'application/vnd.docker.distribution.manifest.list.v2+json',
      ],
    });
    for (const image of answer.images ?? []) found.set(image.imageId.imageDigest, JSON.parse(image.imageManifest) as Manifest);
  }
  return found;
}

export function platformsOf(manifest: Manifest | undefined): string[] {
  return (manifest?.manifests ?? [])
    .filter((entry) => entry.platform && entry.platform.os !== 'unknown')
    .map(({ platform }) => [platform!.os, platform!.architecture, platform!.variant].filter(Boolean).join('/'));
}

/** What a referrer is, for people: a signature, an SBOM, or its artifact type. */
export function referrerKind(image: ImageDetail, manifest: Manifest | undefined): string {
  const type = manifest?.artifactType ?? image.artifactMediaType ?? image.imageManifestMediaType ?? 'artifact';
  if (/cosign|notary|signature/i.test(type)) return `signature (${type})`;
  if (/spdx|cyclonedx|sbom/i.test(type)) return `SBOM (${type})`;
  return type;
}
