import { ecr, imageConfig } from '../api.js';
import { ErrorNote, Loading, Section, useLoad } from '../components.js';
import { manifests, type ImageDetail, type Manifest } from '../data.js';
import { formatBytes, formatTime, href, shortDigest } from '../format.js';
import { html } from '../html.js';

interface ImageConfig {
  created?: string;
  architecture?: string;
  os?: string;
  config?: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; Labels?: Record<string, string>; WorkingDir?: string; User?: string };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
}

interface LoadedImage {
  detail?: ImageDetail;
  manifest: Manifest;
  config?: ImageConfig;
}

const IMAGE_CONFIG_TYPES = ['application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json'];

async function loadImage(repositoryName: string, digest: string): Promise<LoadedImage> {
  const [described, found] = await Promise.all([
    ecr<{ imageDetails: ImageDetail[] }>('DescribeImages', { repositoryName, imageIds: [{ imageDigest: digest }] }),
    manifests(repositoryName, [digest]),
  ]);
  const manifest = found.get(digest);
  if (!manifest) throw new Error(`image ${digest} is not in ${repositoryName}`);
  const config = manifest.config && IMAGE_CONFIG_TYPES.includes(manifest.config.mediaType)
    ? (await imageConfig(repositoryName, manifest.config.digest)) as ImageConfig
    : undefined;
  return { detail: described.imageDetails[0], manifest, ...(config ? { config } : {}) };
}

/** One image: its layers, its config (entrypoint, env, labels, history), or an index's platforms; and the manifest. */
export function ImagePage({ repository, digest }: { repository: string; digest: string }) {
  const loaded = useLoad(() => loadImage(repository, digest), [repository, digest]);
  const image = loaded.data;
  return html`
    <p class="crumbs"><a href="#/">Repositories</a> / <a href=${href('repository', { name: repository })}>${repository}</a> /
      <span aria-current="page">${shortDigest(digest)}</span></p>
    <h1>Image ${shortDigest(digest)} in ${repository}</h1>
    <${ErrorNote} error=${loaded.error} />
    ${image === undefined && loaded.error === undefined ? html`<${Loading} what="the image" />` : null}
    ${image && html`
      <dl class="facts">
        <dt>Digest</dt><dd><code>${digest}</code></dd>
        <dt>Tags</dt><dd>${image.detail?.imageTags?.join(', ') || 'untagged'}</dd>
        <dt>Pushed at</dt><dd>${formatTime(image.detail?.imagePushedAt)}</dd>
        <dt>Size</dt><dd>${formatBytes(image.detail?.imageSizeInBytes)}</dd>
        <dt>Media type</dt><dd>${image.manifest.mediaType ?? image.detail?.imageManifestMediaType ?? '—'}</dd>
        ${image.manifest.artifactType ? html`<dt>Artifact type</dt><dd>${image.manifest.artifactType}</dd>` : null}
        ${image.manifest.subject ? html`<dt>Refers to</dt><dd><a href=${href('image', { repository, digest: image.manifest.subject.digest })}>
          ${shortDigest(image.manifest.subject.digest)}</a></dd>` : null}
      </dl>
      ${image.manifest.manifests ? html`<${Platforms} repository=${repository} manifest=${image.manifest} />` : null}
      ${image.manifest.layers ? html`<${Layers} manifest=${image.manifest} />` : null}
      ${image.config ? html`<${Config} config=${image.config} />` : null}
      <${Section} title="Manifest"><pre class="json" tabindex="0" aria-label="Manifest JSON">${JSON.stringify(image.manifest, null, 2)}</pre><//>`}
  `;
}

function Platforms({ repository, manifest }: { repository: string; manifest: Manifest }) {
  return html`<${Section} title="Platforms">
    <table><caption class="visually-hidden">Manifests of the index</caption>
      <thead><tr><th scope="col">Platform</th><th scope="col">Manifest</th><th scope="col" class="number">Size</th></tr></thead>
      <tbody>${manifest.manifests!.map((entry) => html`<tr key=${entry.digest}>
        <th scope="row">${entry.platform ? [entry.platform.os, entry.platform.architecture, entry.platform.variant].filter(Boolean).join('/') : '—'}</th>
        <td><a href=${href('image', { repository, digest: entry.digest })}><code>${shortDigest(entry.digest)}</code></a></td>
        <td class="number">${formatBytes(entry.size)}</td></tr>`)}</tbody>
    </table>
  <//>`;
}

function Layers({ manifest }: { manifest: Manifest }) {
  const total = manifest.layers!.reduce((sum, layer) => sum + layer.size, 0);
  return html`<${Section} title="Layers">
    <table><caption class="visually-hidden">Layers, base first</caption>
      <thead><tr><th scope="col">#</th><th scope="col">Digest</th><th scope="col">Media type</th><th scope="col" class="number">Size</th></tr></thead>
      <tbody>${manifest.layers!.map((layer, index) => html`<tr key=${`${index}-${layer.digest}`}>
        <th scope="row">${index + 1}</th><td><code>${shortDigest(layer.digest)}</code></td><td>${layer.mediaType}</td>
        <td class="number">${formatBytes(layer.size)}</td></tr>`)}</tbody>
      <tfoot><tr><th scope="row" colspan="3">Total</th><td class="number">${formatBytes(total)}</td></tr></tfoot>
    </table>
  <//>`;
}

function Config({ config }: { config: ImageConfig }) {
  const settings = config.config ?? {};
  const labels = Object.entries(settings.Labels ?? {});
  return html`<${Section} title="Config">
    <dl class="facts">
      <dt>Created</dt><dd>${config.created ?? '—'}</dd>
      <dt>Platform</dt><dd>${[config.os, config.architecture].filter(Boolean).join('/') || '—'}</dd>
      <dt>Entrypoint</dt><dd><code>${settings.Entrypoint ? JSON.stringify(settings.Entrypoint) : '—'}</code></dd>
      <dt>Command</dt><dd><code>${settings.Cmd ? JSON.stringify(settings.Cmd) : '—'}</code></dd>
      ${settings.WorkingDir ? html`<dt>Working directory</dt><dd><code>${settings.WorkingDir}</code></dd>` : null}
      ${settings.User ? html`<dt>User</dt><dd><code>${settings.User}</code></dd>` : null}
    </dl>
    <h3>Environment</h3>
    ${(settings.Env ?? []).length === 0 ? html`<p>None.</p>` : html`<ul class="mono">${settings.Env!.map((line) => html`<li key=${line}>${line}</li>`)}</ul>`}
    <h3>Labels</h3>
    ${labels.length === 0 ? html`<p>None.</p>` : html`<dl class="facts">${labels.map(([key, value]) => html`<dt key=${`k-${key}`}>${key}</dt><dd key=${`v-${key}`}>${value}</dd>`)}</dl>`}
    <h3>History</h3>
    ${(config.history ?? []).length === 0 ? html`<p>None recorded.</p>` : html`<table><caption class="visually-hidden">Build history</caption>
      <thead><tr><th scope="col">Created</th><th scope="col">Created by</th><th scope="col">Layer</th></tr></thead>
      <tbody>${config.history!.map((step, index) => html`<tr key=${index}><td>${step.created ?? '—'}</td>
        <td><code>${step.created_by ?? step.comment ?? '—'}</code></td><td>${step.empty_layer ? 'none' : 'yes'}</td></tr>`)}</tbody>
    </table>`}
  <//>`;
}
