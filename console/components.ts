import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import { html } from './html.js';

export function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

/** A refusal or failure, in the API's words, announced to screen readers. */
export function ErrorNote({ error, id }: { error: unknown; id?: string }) {
  if (error === undefined) return null;
  return html`<p class="error" role="alert" id=${id}>${messageOf(error)}</p>`;
}

export interface Loaded<T> {
  data?: T;
  error?: unknown;
  reload: () => void;
}

/** Data loaded when the page opens and again on reload(); a failure is kept to show. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown }>({});
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    load().then((data) => live && setState({ data }), (error: unknown) => live && setState({ error }));
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { ...state, reload: useCallback(() => setRound((value) => value + 1), []) };
}

export function Loading({ what }: { what: string }) {
  return html`<p role="status">Loading ${what}…</p>`;
}

/**
 * Runs an action from a form or button: shows it busy, then its error in
 * place, or calls done() (or the run's own `after`) once it succeeded.
 */
export function useAction(done: () => void = () => undefined) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async (action: () => Promise<unknown>, after: () => void = done) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      after();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

/** A button that asks again before it acts: the second button says what will happen. */
export function ConfirmButton({ label, confirm, onConfirm, busy }: { label: string; confirm: string; onConfirm: () => void; busy?: boolean }) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const askRef = useRef<HTMLButtonElement>(null);
  const answered = useRef(false);
  // The focus follows the question, as soon as it is drawn: to the confirmation, and back to the button after a cancel.
  useLayoutEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (answered.current) askRef.current?.focus();
  }, [asking]);
  const close = () => {
    answered.current = true;
    setAsking(false);
  };
  if (!asking) return html`<button type="button" class="danger" ref=${askRef} onClick=${() => setAsking(true)}>${label}</button>`;
  return html`<span class="confirm" role="group" aria-label=${confirm}>
    <span>${confirm}</span>
    <button type="button" class="danger" ref=${confirmRef} disabled=${busy} onClick=${() => { close(); onConfirm(); }}>Yes, ${label.toLowerCase()}</button>
    <button type="button" onClick=${close}>Cancel</button>
  </span>`;
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`;
  return html`<section aria-labelledby=${headingId}><h2 id=${headingId}>${title}</h2>${children}</section>`;
}
