import { describe, expect, it } from 'vitest';
import { administratorArn, useRegistry } from '../support/registry.js';
import { codeOf, consoleEcr, exchange, signedIn, signInLink } from './support.js';

/** A clock the registry reads, moved forward by tests to pass a lifetime without waiting. */
let offsetMs = 0;
const getRegistry = useRegistry({}, { now: () => new Date(Date.now() + offsetMs) });

describe('console sign-in', () => {
  it('signs the administrator in once per link, with an HttpOnly SameSite=Strict session cookie', async () => {
    const registry = getRegistry();
    const link = await signInLink(registry);
    expect(link.startsWith(`${registry.url}/console/#sign-in=`)).toBe(true);

    const session = await signedIn(registry, link);
    expect(session.principalArn).toBe(administratorArn(registry));
    const flags = session.setCookie.split(';').map((part) => part.trim());
    expect(flags).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=3600']));
    // Served over plain HTTP here: a Secure cookie would never come back.
    expect(flags).not.toContain('Secure');

    const again = await exchange(registry, codeOf(link));
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ __type: 'SignInLinkInvalid', message: expect.stringContaining('already used') });
  });

  it('refuses a link past its lifetime', async () => {
    const registry = getRegistry();
    const link = await signInLink(registry);
    offsetMs = 301_000;
    try {
      const response = await exchange(registry, codeOf(link));
      expect(response.status).toBe(401);
      expect(((await response.json()) as { __type: string }).__type).toBe('SignInLinkInvalid');
    } finally {
      offsetMs = 0;
    }
  });

  it('refuses a made-up code and a body that is not JSON', async () => {
    const registry = getRegistry();
    expect((await exchange(registry, 'A'.repeat(43))).status).toBe(401);
    const form = await fetch(`${registry.url}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'code=x' });
    expect(form.status).toBe(415);
  });

  it('ends the session after its lifetime', async () => {
    const registry = getRegistry();
    const session = await signedIn(registry, await signInLink(registry));
    expect((await consoleEcr(registry, session, 'DescribeRepositories', {})).status).toBe(200);
    offsetMs = 3601_000;
    try {
      const response = await consoleEcr(registry, session, 'DescribeRepositories', {});
      expect(response.status).toBe(401);
      expect(((await response.json()) as { __type: string }).__type).toBe('NotSignedIn');
    } finally {
      offsetMs = 0;
    }
  });

  it('tells the session apart from none', async () => {
    const registry = getRegistry();
    const session = await signedIn(registry, await signInLink(registry));
    const current = await fetch(`${registry.url}/console/api/session`, { headers: { cookie: session.cookie } });
    expect(await current.json()).toMatchObject({ principalArn: administratorArn(registry), csrfToken: session.csrfToken });
    expect((await fetch(`${registry.url}/console/api/session`)).status).toBe(401);
    expect((await fetch(`${registry.url}/console/api/session`, { headers: { cookie: 'berth-console=forged.token.here' } })).status).toBe(401);
  });

  it('signs out: the cookie is removed', async () => {
    const registry = getRegistry();
    const session = await signedIn(registry, await signInLink(registry));
    const response = await fetch(`${registry.url}/console/api/sign-out`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrfToken }, body: '{}',
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('set-cookie')).toMatch(/^berth-console=; .*Max-Age=0/);
  });
});
