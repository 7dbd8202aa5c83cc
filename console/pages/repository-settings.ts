import { useEffect, useState } from 'preact/hooks';
import { ecr, lifecyclePreview, type PreviewResult } from '../api.js';
import { ErrorNote, Loading, Section, useAction, useLoad } from '../components.js';
import { resourceTags, type Repository } from '../data.js';
import { html } from '../html.js';
import { PolicyEditor } from './policy-editor.js';
import { LifecyclePreview } from './lifecycle-preview.js';

/** The repository's resource tags: each removable, and a form to add or change one. */
export function ResourceTags({ repository }: { repository: Repository }) {
  const loaded = useLoad(() => resourceTags(repository.repositoryArn), [repository.repositoryArn]);
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const action = useAction(loaded.reload);
  return html`<${Section} title="Resource tags">
    <${ErrorNote} error=${loaded.error} />
    ${loaded.data === undefined && loaded.error === undefined ? html`<${Loading} what="resource tags" />` : null}
    ${loaded.data && (loaded.data.length === 0 ? html`<p>No resource tags.</p>` : html`<ul class="tag-list">
      ${loaded.data.map((tag) => html`<li key=${tag.Key}><span>${tag.Key}=${tag.Value}</span>
        <button type="button" aria-label=${`Remove resource tag ${tag.Key}`} disabled=${action.busy}
          onClick=${() => void action.run(() => ecr('UntagResource', { resourceArn: repository.repositoryArn, tagKeys: [tag.Key] }))}>Remove</button></li>`)}
    </ul>`)}
    <form class="inline" onSubmit=${(event: Event) => {
      event.preventDefault();
      void action.run(async () => {
        await ecr('TagResource', { resourceArn: repository.repositoryArn, tags: [{ Key: key, Value: value }] });
        setKey('');
        setValue('');
      });
    }}>
      <label for="resource-tag-key">Key</label>
      <input id="resource-tag-key" value=${key} required onInput=${(event: Event) => setKey((event.target as HTMLInputElement).value)} />
      <label for="resource-tag-value">Value</label>
      <input id="resource-tag-value" value=${value} onInput=${(event: Event) => setValue((event.target as HTMLInputElement).value)} />
      <button type="submit" disabled=${action.busy}>Set resource tag</button>
    </form>
    <${ErrorNote} error=${action.error} />
  <//>`;
}

/** Tag mutability: MUTABLE or IMMUTABLE, saved through PutImageTagMutability. */
export function TagMutability({ repository, onSaved }: { repository: Repository; onSaved: () => void }) {
  const [choice, setChoice] = useState(repository.imageTagMutability);
  const action = useAction(onSaved);
  return html`<${Section} title="Tag mutability">
    <form class="inline" onSubmit=${(event: Event) => {
      event.preventDefault();
      void action.run(() => ecr('PutImageTagMutability', { repositoryName: repository.repositoryName, imageTagMutability: choice }));
    }}>
      <label for="tag-mutability">Tags may be moved</label>
      <select id="tag-mutability" value=${choice} onChange=${(event: Event) => setChoice((event.target as HTMLSelectElement).value)}>
        <option value="MUTABLE">MUTABLE: a push may move a tag</option>
        <option value="IMMUTABLE">IMMUTABLE: a tag, once pushed, stays</option>
      </select>
      <button type="submit" disabled=${action.busy}>Save tag mutability</button>
    </form>
    <${ErrorNote} error=${action.error} />
  <//>`;
}

const REPOSITORY_POLICY = {
  id: 'repository-policy', label: 'Repository policy', get: 'GetRepositoryPolicy', put: 'SetRepositoryPolicy',
  remove: 'DeleteRepositoryPolicy', field: 'policyText', notFound: 'RepositoryPolicyNotFoundException',
};
const LIFECYCLE_POLICY = {
  id: 'lifecycle-policy', label: 'Lifecycle policy', get: 'GetLifecyclePolicy', put: 'PutLifecyclePolicy',
  remove: 'DeleteLifecyclePolicy', field: 'lifecyclePolicyText', notFound: 'LifecyclePolicyNotFoundException',
};

export function Policies({ repository }: { repository: Repository }) {
  const name = repository.repositoryName;
  const [results, setResults] = useState<PreviewResult[] | undefined>(undefined);
  // A preview belongs to its repository, and to the text it was asked for: a save or delete clears it too.
  useEffect(() => setResults(undefined), [name]);
  const preview = {
    label: 'Preview what this policy would expire',
    // An empty editor previews the saved policy, or gets the API's answer that there is none.
    run: async (text: string) => setResults(await lifecyclePreview(name, text.trim() === '' ? undefined : text)),
  };
  return html`
    <${Section} title="Repository policy"><${PolicyEditor} repositoryName=${name} kind=${REPOSITORY_POLICY} /><//>
    <${Section} title="Lifecycle policy">
      <${PolicyEditor} repositoryName=${name} kind=${LIFECYCLE_POLICY} onSaved=${() => setResults(undefined)} extra=${preview} />
      <${LifecyclePreview} repositoryName=${name} results=${results} />
    <//>`;
}
