import type { PreviewResult } from '../api.js';
import { formatTime, href, shortDigest } from '../format.js';
import { html } from '../html.js';

/** The images a lifecycle policy preview would expire now, each with the rule that would. */
export function LifecyclePreview({ repositoryName, results }: { repositoryName: string; results: PreviewResult[] | undefined }) {
  if (!results) return null;
  if (results.length === 0) return html`<p role="status">The policy would expire no image now.</p>`;
  return html`<div class="preview">
    <p role="status">The policy would expire ${results.length} image${results.length === 1 ? '' : 's'} now:</p>
    <ul class="expiring">${results.map((result) => html`<li key=${result.imageDigest}>
      <a href=${href('image', { repository: repositoryName, digest: result.imageDigest })}>${shortDigest(result.imageDigest)}</a>
      ${result.imageTags?.length ? ` (${result.imageTags.join(', ')})` : ' (untagged)'}, pushed ${formatTime(result.imagePushedAt)}, by rule ${result.appliedRulePriority}
    </li>`)}</ul>
  </div>`;
}
