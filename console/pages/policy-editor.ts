import { useEffect, useState } from 'preact/hooks';
import { ApiError, ecr } from '../api.js';
import { ConfirmButton, ErrorNote, useAction } from '../components.js';
import { html } from '../html.js';

export interface PolicyKind {
  /** For ids and labels, e.g. "repository-policy". */
  id: string;
  label: string;
  get: string;
  put: string;
  remove: string;
  /** The input field that carries the text, e.g. policyText. */
  field: string;
  /** The error type that means "none set", shown as an empty editor. */
  notFound: string;
}

/** A button beside Save that acts on the text as it stands in the editor, unsaved. */
export interface EditorAction {
  label: string;
  run: (text: string) => Promise<void>;
}

/**
 * A policy as JSON in a text area: saved through the API, whose validation
 * error is shown under the text, in place; so is the error of `extra`'s action.
 */
export function PolicyEditor({ repositoryName, kind, onSaved, extra }: { repositoryName: string; kind: PolicyKind; onSaved?: () => void; extra?: EditorAction }) {
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<string | undefined>(undefined);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [notice, setNotice] = useState('');
  const load = () => {
    ecr(kind.get, { repositoryName }).then(
      (answer) => {
        const value = String(answer[kind.field] ?? '');
        setSaved(value);
        setText(pretty(value));
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.type === kind.notFound) {
          setSaved('');
          setText('');
        } else setLoadError(error);
      },
    );
  };
  useEffect(load, [repositoryName, kind.id]);
  const action = useAction(() => {
    load();
    onSaved?.();
  });
  const errorId = `${kind.id}-error`;
  return html`<form class="policy" onSubmit=${(event: Event) => {
    event.preventDefault();
    setNotice('');
    void action.run(async () => {
      await ecr(kind.put, { repositoryName, [kind.field]: text });
      setNotice(`${kind.label} saved.`);
    });
  }}>
    <${ErrorNote} error=${loadError} />
    <label for=${`${kind.id}-text`}>${kind.label} (JSON)</label>
    <textarea id=${`${kind.id}-text`} rows="12" spellcheck=${false} value=${text}
      aria-invalid=${action.error ? 'true' : 'false'} aria-describedby=${action.error ? errorId : undefined}
      onInput=${(event: Event) => setText((event.target as HTMLTextAreaElement).value)}></textarea>
    <${ErrorNote} error=${action.error} id=${errorId} />
    <div class="actions">
      <button type="submit" disabled=${action.busy}>Save ${kind.label.toLowerCase()}</button>
      ${extra ? html`<button type="button" disabled=${action.busy} onClick=${() => {
        setNotice('');
        // Nothing was saved: the editor keeps its text.
        void action.run(() => extra.run(text), () => undefined);
      }}>${extra.label}</button>` : null}
      ${saved ? html`<${ConfirmButton} label=${`Delete ${kind.label.toLowerCase()}`} confirm=${`Delete the ${kind.label.toLowerCase()}?`} busy=${action.busy}
        onConfirm=${() => void action.run(async () => {
          await ecr(kind.remove, { repositoryName });
          setNotice(`${kind.label} deleted.`);
        })} />` : null}
      <span role="status">${notice}</span>
    </div>
  </form>`;
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
