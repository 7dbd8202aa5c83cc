import { ErrorNote, Loading, useLoad } from '../components.js';
import { repositorySummaries } from '../data.js';
import { formatBytes, href } from '../format.js';
import { html } from '../html.js';

const BAR_HEIGHT = 28;
const LABEL_WIDTH = 220;
const CHART_WIDTH = 720;

/** Storage by repository, largest first: a bar chart, and the same figures as a table. */
export function StoragePage() {
  const loaded = useLoad(repositorySummaries, []);
  const rows = [...(loaded.data ?? [])].sort((a, b) => b.totalSize - a.totalSize);
  const largest = Math.max(1, ...rows.map((row) => row.totalSize));
  const total = rows.reduce((sum, row) => sum + row.totalSize, 0);
  const barSpace = CHART_WIDTH - LABEL_WIDTH - 110;
  return html`
    <h1>Storage by repository</h1>
    <${ErrorNote} error=${loaded.error} />
    ${loaded.data === undefined && loaded.error === undefined ? html`<${Loading} what="storage" />` : null}
    ${loaded.data && html`
      <p>${formatBytes(total)} in ${rows.length} repositories (the sum of their images' sizes; layers shared between images count once per image).</p>
      <figure>
        <svg class="chart" role="img" aria-labelledby="storage-chart-title" viewBox=${`0 0 ${CHART_WIDTH} ${Math.max(1, rows.length) * BAR_HEIGHT}`}
          width=${CHART_WIDTH} height=${Math.max(1, rows.length) * BAR_HEIGHT}>
          <title id="storage-chart-title">Bar chart of storage by repository</title>
          ${rows.map((row, index) => html`<g key=${row.repositoryName} transform=${`translate(0 ${index * BAR_HEIGHT})`}>
            <text x=${LABEL_WIDTH - 8} y=${BAR_HEIGHT / 2 + 5} text-anchor="end">${row.repositoryName}</text>
            <rect x=${LABEL_WIDTH} y="4" height=${BAR_HEIGHT - 8} width=${Math.max(2, (row.totalSize / largest) * barSpace)} />
            <text x=${LABEL_WIDTH + Math.max(2, (row.totalSize / largest) * barSpace) + 6} y=${BAR_HEIGHT / 2 + 5}>${formatBytes(row.totalSize)}</text>
          </g>`)}
        </svg>
        <figcaption>Storage by repository, largest first</figcaption>
      </figure>
      <table>
        <caption>Storage by repository</caption>
        <thead><tr><th scope="col">Repository</th><th scope="col" class="number">Images</th><th scope="col" class="number">Size</th></tr></thead>
        <tbody>${rows.map((row) => html`<tr key=${row.repositoryName}>
          <th scope="row"><a href=${href('repository', { name: row.repositoryName })}>${row.repositoryName}</a></th>
          <td class="number">${row.imageCount}</td><td class="number">${formatBytes(row.totalSize)}</td>
        </tr>`)}</tbody>
      </table>`}
  `;
}
