import { useEffect, useState } from 'preact/hooks';
import { lifecyclePreview, type PreviewResult } from '../api.js';
import { ErrorNote, useAction } from '../components.js';
import { formatTime, href, shortDigest } from '../format.js';
import { html } from '../html.js';

/** On request, the images the saved lifecycle policy would expire now. */
export function LifecyclePreview({ repositoryName, round }: { repositoryName: string; round: number }) {
  const [results, setResults] = useState<PreviewResult[] | undefined>(undefined);
  const action = useAction();
  // A policy saved or deleted since makes an earlier preview stale.
  useEffect(() => setResults(undefined), [repositoryName, round]);
  return html`<div class="preview">
    <button type="button" disabled=${action.busy} onClick=${() => void action.run(async () => setResults(await lifecyclePreview(repositoryName)))}>
      Preview what the saved lifecycle policy would expire
    </button>
    <${ErrorNote} error=${action.error} />
    ${results && (results.length === 0
      ? html`<p role="status">The saved policy would expire no image now.</p>`
      : html`<p role="status">The saved policy would expire ${results.length} image${results.length === 1 ? '' : 's'} now:</p>
        <ul class="expiring">${results.map((result) => html`<li key=${result.imageDigest}>
          <a href=${href('image', { repository: repositoryName, digest: result.imageDigest })}>${shortDigest(result.imageDigest)}</a>
          ${result.imageTags.length > 0 ? ` (${result.imageTags.join(', ')})` : ' (untagged)'}, pushed ${formatTime(result.imagePushedAt)}
        </li>`)}</ul>`)}
  </div>`;
}
