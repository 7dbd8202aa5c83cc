import {
  BatchDeleteImageCommand, DescribeImagesCommand, ListImagesCommand,
  type DescribeImagesCommandOutput, type ImageDetail, type ImageIdentifier, type ListImagesCommandOutput,
} from '@aws-sdk/client-ecr';
import { flagOption, stringsOption, type Command, type CommandInput } from '../command.js';
import { UsageError } from '../errors.js';
import { allPages } from '../pages.js';
import { formatDate, formatImageSize, table, withoutMetadata } from '../output.js';

/** berth images list|describe|delete: ListImages, DescribeImages, BatchDeleteImage. */

const IMAGE_OPTIONS = {
  tag: { type: 'string', multiple: true, value: 'TAG', description: 'the image with this tag' },
  digest: { type: 'string', multiple: true, value: 'DIGEST', description: 'the image with this digest (sha256:...)' },
} as const;

/** The images named by --tag and --digest, in ECR's ImageIdentifier form. */
function imageIdsOf(input: CommandInput): ImageIdentifier[] {
  return [
    ...stringsOption(input, 'tag').map((imageTag) => ({ imageTag })),
    ...stringsOption(input, 'digest').map((imageDigest) => ({ imageDigest })),
  ];
}

/** Config media types that make an image an image; ECR reports them as its artifactMediaType. */
const IMAGE_CONFIG_TYPES = new Set(['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json']);

/** What an image is: an artifact's type (a signature, an SBOM, ...), or for a container image its manifest's media type. */
function imageType(image: ImageDetail): string | undefined {
  const artifact = image.artifactMediaType;
  return artifact && !IMAGE_CONFIG_TYPES.has(artifact) ? artifact : image.imageManifestMediaType;
}

function describeId(id: ImageIdentifier | undefined): string {
  return [id?.imageTag && `tag ${id.imageTag}`, id?.imageDigest && `digest ${id.imageDigest}`].filter(Boolean).join(', ') || 'image';
}

const list: Command = {
  name: ['images', 'list'],
  args: ['NAME'],
  synopsis: '[--tagged | --untagged]',
  summary: 'Lists a repository\'s images by tag and digest.',
  options: {
    tagged: { type: 'boolean', description: 'only tagged images' },
    untagged: { type: 'boolean', description: 'only untagged images' },
  },
  async run(input, { ecr }) {
    const [repositoryName] = input.positionals as [string];
    if (flagOption(input, 'tagged') && flagOption(input, 'untagged')) throw new UsageError('give --tagged or --untagged, not both');
    const tagStatus = flagOption(input, 'tagged') ? 'TAGGED' : flagOption(input, 'untagged') ? 'UNTAGGED' : undefined;
    const imageIds: ImageIdentifier[] = await allPages(async (nextToken) => {
      const page: ListImagesCommandOutput = await ecr().send(new ListImagesCommand({
        repositoryName, ...(tagStatus ? { filter: { tagStatus } } : {}), ...(nextToken ? { nextToken } : {}),
      }));
      return { items: page.imageIds, nextToken: page.nextToken };
    });
    return { data: { imageIds }, text: () => table(['Tag', 'Digest'], imageIds.map((id) => [id.imageTag, id.imageDigest])) };
  },
};

const describe: Command = {
  name: ['images', 'describe'],
  args: ['NAME'],
  synopsis: '[--tag TAG | --digest DIGEST]',
  summary: 'Shows the tags, size and push time of a repository\'s images, or of the one given.',
  options: IMAGE_OPTIONS,
  async run(input, { ecr }) {
    const [repositoryName] = input.positionals as [string];
    const imageIds = imageIdsOf(input);
    const imageDetails: ImageDetail[] = await allPages(async (nextToken) => {
      const page: DescribeImagesCommandOutput = await ecr().send(new DescribeImagesCommand({
        repositoryName, ...(imageIds.length > 0 ? { imageIds } : {}), ...(nextToken ? { nextToken } : {}),
      }));
      return { items: page.imageDetails, nextToken: page.nextToken };
    });
    return {
      data: { imageDetails },
      text: () => table(['Tags', 'Digest', 'Size', 'Pushed', 'Type'], imageDetails.map((image) => [
        image.imageTags?.join(','), image.imageDigest, formatImageSize(image.imageSizeInBytes), formatDate(image.imagePushedAt), imageType(image),
      ])),
    };
  },
};

const remove: Command = {
  name: ['images', 'delete'],
  args: ['NAME'],
  synopsis: '(--tag TAG | --digest DIGEST)...',
  summary: 'Deletes images: by tag, the tag (and the image with its last tag); by digest, the image and its tags.',
  options: IMAGE_OPTIONS,
  async run(input, { ecr }) {
    const [repositoryName] = input.positionals as [string];
    const imageIds = imageIdsOf(input);
    if (imageIds.length === 0) throw new UsageError('name the images to delete with --tag or --digest');
    const response = await ecr().send(new BatchDeleteImageCommand({ repositoryName, imageIds }));
    const deleted = response.imageIds ?? [];
    return {
      data: withoutMetadata(response),
      text: () => table(['Deleted tag', 'Digest'], deleted.map((id) => [id.imageTag, id.imageDigest])),
      problems: (response.failures ?? []).map((failure) => `${failure.failureCode ?? 'Failure'}: ${failure.failureReason ?? 'not deleted'} (${describeId(failure.imageId)})`),
    };
  },
};

export const IMAGE_COMMANDS: readonly Command[] = [list, describe, remove];
