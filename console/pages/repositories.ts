import { useState } from 'preact/hooks';
import { ErrorNote, Loading, useLoad } from '../components.js';
import { repositorySummaries } from '../data.js';
import { formatBytes, formatTime, href } from '../format.js';
import { html } from '../html.js';

/** Every repository the principal may see, searchable by name or resource tag. */
export function RepositoriesPage() {
  const loaded = useLoad(repositorySummaries, []);
  const [search, setSearch] = useState('');
  const term = search.trim().toLowerCase();
  const shown = (loaded.data ?? []).filter((repository) => term === ''
    || repository.repositoryName.toLowerCase().includes(term)
    || (repository.tags ?? []).some((tag) => `${tag.Key}=${tag.Value}`.toLowerCase().includes(term)));
  return html`
    <h1>Repositories</h1>
    <div class="toolbar">
      <label for="repository-search">Search repositories</label>
      <input id="repository-search" type="search" value=${search} placeholder="name or tag key=value"
        onInput=${(event: Event) => setSearch((event.target as HTMLInputElement).value)} />
    </div>
    <${ErrorNote} error=${loaded.error} />
    ${loaded.data === undefined && loaded.error === undefined ? html`<${Loading} what="repositories" />` : null}
    ${loaded.data && html`
      <p role="status">${shown.length} of ${loaded.data.length} repositories</p>
      <table>
        <caption class="visually-hidden">Repositories</caption>
        <thead><tr>
          <th scope="col">Name</th><th scope="col" class="number">Images</th><th scope="col" class="number">Total size</th>
          <th scope="col">Last push</th><th scope="col">Tag mutability</th><th scope="col">Resource tags</th>
        </tr></thead>
        <tbody>
          ${shown.map((repository) => html`<tr key=${repository.repositoryName}>
            <th scope="row"><a href=${href('repository', { name: repository.repositoryName })}>${repository.repositoryName}</a></th>
            <td class="number">${repository.imageCount}</td>
            <td class="number">${formatBytes(repository.totalSize)}</td>
            <td>${formatTime(repository.lastPush)}</td>
            <td>${repository.imageTagMutability}</td>
            <td>${repository.tags === undefined ? html`<span class="muted">not shown to you</span>`
              : repository.tags.length === 0 ? '—' : html`<ul class="chips">${repository.tags.map((tag) => html`<li key=${tag.Key}>${tag.Key}=${tag.Value}</li>`)}</ul>`}</td>
          </tr>`)}
        </tbody>
      </table>`}
  `;
}
