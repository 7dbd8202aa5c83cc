import { useState } from 'preact/hooks';
import { ecr } from '../api.js';
import { ConfirmButton, ErrorNote, Loading, Section, useAction, useLoad } from '../components.js';
import { describeImages, manifests, platformsOf, referrerKind, type ImageDetail, type Manifest, type Repository } from '../data.js';
import { formatBytes, formatTime, href, shortDigest } from '../format.js';
import { html } from '../html.js';
import { Policies, ResourceTags, TagMutability } from './repository-settings.js';

interface Images {
  images: ImageDetail[];
  manifests: Map<string, Manifest>;
}

async function loadRepository(name: string): Promise<Repository> {
  const answer = await ecr<{ repositories: Repository[] }>('DescribeRepositories', { repositoryNames: [name] });
  return answer.repositories[0]!;
}

async function loadImages(name: string): Promise<Images> {
  const images = await describeImages(name);
  images.sort((a, b) => (b.imagePushedAt ?? 0) - (a.imagePushedAt ?? 0));
  return { images, manifests: await manifests(name, images.map((image) => image.imageDigest)) };
}

/** One repository: its images, and its settings. */
export function RepositoryPage({ name }: { name: string }) {
  const repository = useLoad(() => loadRepository(name), [name]);
  return html`
    <p class="crumbs"><a href="#/">Repositories</a> / <span aria-current="page">${name}</span></p>
    <h1>${name}</h1>
    <${ErrorNote} error=${repository.error} />
    ${repository.data === undefined && repository.error === undefined ? html`<${Loading} what="the repository" />` : null}
    ${repository.data && html`
      <p>URI: <code>${repository.data.repositoryUri}</code></p>
      <${ImagesSection} repository=${repository.data} />
      <${ResourceTags} repository=${repository.data} />
      <${TagMutability} repository=${repository.data} onSaved=${repository.reload} />
      <${Policies} repository=${repository.data} />`}
  `;
}

function ImagesSection({ repository }: { repository: Repository }) {
  const loaded = useLoad(() => loadImages(repository.repositoryName), [repository.repositoryName]);
  const [notice, setNotice] = useState('');
  const action = useAction(loaded.reload);
  const images = loaded.data?.images ?? [];
  // Referrers (signatures, SBOMs) are listed under the image they refer to.
  const referrers = new Map<string, ImageDetail[]>();
  for (const image of images) {
    if (image.subjectManifestDigest) referrers.set(image.subjectManifestDigest, [...(referrers.get(image.subjectManifestDigest) ?? []), image]);
  }
  const remove = (image: ImageDetail, imageId: Record<string, string>, what: string) => void action.run(async () => {
    const answer = await ecr<{ failures?: { failureReason: string }[] }>('BatchDeleteImage', { repositoryName: repository.repositoryName, imageIds: [imageId] });
    // BatchDeleteImage answers 200 and lists what it could not delete.
    if (answer.failures?.length) throw new Error(answer.failures.map((failure) => failure.failureReason).join('; '));
    setNotice(`Deleted ${what} of ${shortDigest(image.imageDigest)}.`);
  });
  return html`<${Section} title="Images">
    <${ErrorNote} error=${loaded.error} />
    <${ErrorNote} error=${action.error} />
    <p role="status">${notice}</p>
    ${loaded.data === undefined && loaded.error === undefined ? html`<${Loading} what="images" />` : null}
    ${loaded.data && (images.length === 0 ? html`<p>No images.</p>` : html`<table class="images">
      <caption class="visually-hidden">Images in ${repository.repositoryName}</caption>
      <thead><tr>
        <th scope="col">Digest</th><th scope="col">Tags</th><th scope="col" class="number">Size</th><th scope="col">Pushed at</th>
        <th scope="col">Platforms and referrers</th><th scope="col">Pull command</th><th scope="col">Actions</th>
      </tr></thead>
      <tbody>${images.filter((image) => !image.subjectManifestDigest).map((image) => html`<${ImageRow}
        key=${image.imageDigest} repository=${repository} image=${image} manifests=${loaded.data!.manifests}
        referrers=${referrers.get(image.imageDigest) ?? []} busy=${action.busy}
        onDelete=${() => remove(image, { imageDigest: image.imageDigest }, 'the image')}
        onUntag=${(tag: string) => remove(image, { imageTag: tag }, `tag ${tag}`)}
        onTag=${(tag: string) => action.run(async () => {
          const manifest = await ecr<{ images: { imageManifest: string; imageManifestMediaType?: string }[]; failures?: { failureReason: string }[] }>(
            'BatchGetImage', { repositoryName: repository.repositoryName, imageIds: [{ imageDigest: image.imageDigest }] });
          const found = manifest.images[0];
          if (!found) throw new Error(manifest.failures?.[0]?.failureReason ?? 'the image is gone');
          await ecr('PutImage', {
            repositoryName: repository.repositoryName, imageManifest: found.imageManifest, imageTag: tag, imageDigest: image.imageDigest,
            ...(found.imageManifestMediaType ? { imageManifestMediaType: found.imageManifestMediaType } : {}),
          });
          setNotice(`Tagged ${shortDigest(image.imageDigest)} as ${tag}.`);
        })} />`)}
      </tbody>
    </table>`)}
  <//>`;
}

interface RowProps {
  repository: Repository;
  image: ImageDetail;
  manifests: Map<string, Manifest>;
  referrers: ImageDetail[];
  busy: boolean;
  onDelete: () => void;
  onUntag: (tag: string) => void;
  onTag: (tag: string) => Promise<void>;
}

function ImageRow({ repository, image, manifests: known, referrers, busy, onDelete, onUntag, onTag }: RowProps) {
  const [newTag, setNewTag] = useState('');
  const tags = image.imageTags ?? [];
  const short = shortDigest(image.imageDigest);
  const pull = `docker pull ${repository.repositoryUri}${tags[0] ? `:${tags[0]}` : `@${image.imageDigest}`}`;
  const platforms = platformsOf(known.get(image.imageDigest));
  const inputId = `new-tag-${short}`;
  return html`<tr>
    <th scope="row"><a href=${href('image', { repository: repository.repositoryName, digest: image.imageDigest })}
      aria-label=${`Image ${short}`}><code>${short}</code></a></th>
    <td>${tags.length === 0 ? html`<span class="muted">untagged</span>` : html`<ul class="chips">${tags.map((tag) => html`<li key=${tag}>${tag}
      <button type="button" class="small" aria-label=${`Remove tag ${tag}`} disabled=${busy} onClick=${() => onUntag(tag)}>×</button></li>`)}</ul>`}
    </td>
    <td class="number">${formatBytes(image.imageSizeInBytes)}</td>
    <td>${formatTime(image.imagePushedAt)}</td>
    <td>
      ${platforms.length > 0 ? html`<div>Platforms: ${platforms.join(', ')}</div>` : null}
      ${referrers.map((referrer) => html`<div key=${referrer.imageDigest}>Referrer: <a href=${href('image', { repository: repository.repositoryName, digest: referrer.imageDigest })}>
        ${referrerKind(referrer, known.get(referrer.imageDigest))}</a></div>`)}
      ${platforms.length === 0 && referrers.length === 0 ? '—' : null}
    </td>
    <td><code class="pull">${pull}</code>
      <button type="button" class="small" aria-label=${`Copy pull command for ${short}`}
        onClick=${() => void navigator.clipboard?.writeText(pull)}>Copy</button></td>
    <td class="row-actions">
      <form class="inline" onSubmit=${(event: Event) => {
        event.preventDefault();
        void onTag(newTag.trim()).then(() => setNewTag(''));
      }}>
        <label class="visually-hidden" for=${inputId}>New tag for ${short}</label>
        <input id=${inputId} size="10" placeholder="new tag" required value=${newTag} onInput=${(event: Event) => setNewTag((event.target as HTMLInputElement).value)} />
        <button type="submit" disabled=${busy}>Add tag</button>
      </form>
      <${ConfirmButton} label="Delete" confirm=${`Delete image ${short} and its tags?`} busy=${busy} onConfirm=${onDelete} />
    </td>
  </tr>`;
}
