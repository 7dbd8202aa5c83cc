import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, signIn, signOut, type Session } from './api.js';
import { ErrorNote, messageOf } from './components.js';
import { html } from './html.js';
import { ImagePage } from './pages/image.js';
import { RepositoriesPage } from './pages/repositories.js';
import { RepositoryPage } from './pages/repository.js';
import { StoragePage } from './pages/storage.js';
import './styles.css';

/** The page the hash names: `#/`, `#/repository?name=…`, `#/image?repository=…&digest=…`, `#/storage`. */
function route(hash: string) {
  const [page = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(query);
  if (page === 'repository' && params.get('name')) return { title: params.get('name')!, view: html`<${RepositoryPage} name=${params.get('name')!} />` };
  if (page === 'image' && params.get('repository') && params.get('digest')) {
    return { title: `Image in ${params.get('repository')!}`, view: html`<${ImagePage} repository=${params.get('repository')!} digest=${params.get('digest')!} />` };
  }
  if (page === 'storage') return { title: 'Storage', view: html`<${StoragePage} />` };
  return { title: 'Repositories', view: html`<${RepositoriesPage} />` };
}

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

/**
 * Signs in with the code of a one-time link (`#sign-in=…`, never sent to a
 * server by the browser), removes it from the address bar, or finds the session the cookie holds.
 */
async function startSession(): Promise<Session | undefined> {
  const code = /^#sign-in=(.+)$/.exec(location.hash)?.[1];
  if (code === undefined) return currentSession();
  history.replaceState(null, '', `${location.pathname}#/`);
  return signIn(code);
}

function App() {
  const [state, setState] = useState<{ session?: Session; error?: unknown; ready: boolean }>({ ready: false });
  const hash = useHash();
  useEffect(() => {
    startSession().then((session) => setState({ ready: true, ...(session ? { session } : {}) }), (error: unknown) => setState({ ready: true, error }));
  }, []);
  const { title, view } = route(hash);
  useEffect(() => {
    document.title = `${title} · Berth console`;
  }, [title]);
  if (!state.ready) return html`<main><h1>Berth console</h1><p role="status">Signing in…</p></main>`;
  if (!state.session) {
    return html`<main><h1>Berth console</h1>
      <${ErrorNote} error=${state.error} />
      <p>Sign in with a one-time link: run <code>berth console</code> (or <code>npm start</code> for the local registry) and open the link it prints.</p>
    </main>`;
  }
  const session = state.session;
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header>
      <span class="brand">Berth</span>
      <nav aria-label="Console">
        <a href="#/" aria-current=${title === 'Repositories' ? 'page' : undefined}>Repositories</a>
        <a href="#/storage" aria-current=${title === 'Storage' ? 'page' : undefined}>Storage</a>
      </nav>
      <span class="who">Signed in as <code>${session.principalArn}</code></span>
      <button type="button" onClick=${() => signOut().then(() => setState({ ready: true }), (error: unknown) => alert(messageOf(error)))}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${view}</main>`;
}

render(html`<${App} />`, document.getElementById('app')!);
