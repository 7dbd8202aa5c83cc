import { describe, expect, it } from 'vitest';
import { sessionCookie } from '../../lambdas/console/cookies.js';
import { useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';
import { consoleEcr, pullOnlyKey, signedIn, signInLink, signInLinkFor } from './support.js';

const getRegistry = useRegistry();

async function adminSession() {
  const registry = getRegistry();
  return signedIn(registry, await signInLink(registry));
}

describe('console API', () => {
  it('refuses a change without the session\'s CSRF token, or with another', async () => {
    const registry = getRegistry();
    const session = await adminSession();
    for (const csrfToken of ['', 'not-the-token']) {
      const response = await consoleEcr(registry, { ...session, csrfToken }, 'CreateRepository', { repositoryName: 'csrf/refused' });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { __type: string }).__type).toBe('CsrfTokenInvalid');
    }
    // Nothing was created by the refused requests.
    const described = await consoleEcr(registry, session, 'DescribeRepositories', { repositoryNames: ['csrf/refused'] });
    expect(((await described.json()) as { __type: string }).__type).toBe('RepositoryNotFoundException');
  });

  it('refuses what a cross-site form could send: no JSON content type', async () => {
    const registry = getRegistry();
    const session = await adminSession();
    const response = await fetch(`${registry.url}/console/api/ecr`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', cookie: session.cookie, 'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.CreateRepository' },
      body: JSON.stringify({ repositoryName: 'csrf/form' }),
    });
    expect(response.status).toBe(415);
  });

  it('acts as the signed-in principal: a pull-only key reads, and is refused a change in the API\'s words', async () => {
    const registry = getRegistry();
    const admin = await adminSession();
    expect((await consoleEcr(registry, admin, 'CreateRepository', { repositoryName: 'refusals/app' })).status).toBe(200);

    const key = await pullOnlyKey(registry, 'reader');
    const reader = await signedIn(registry, await signInLinkFor(registry, key));
    expect(reader.principalArn).toMatch(/:user\/berth\/reader$/);
    expect((await consoleEcr(registry, reader, 'DescribeRepositories', { repositoryNames: ['refusals/app'] })).status).toBe(200);

    const refused = await consoleEcr(registry, reader, 'DeleteRepository', { repositoryName: 'refusals/app' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      __type: 'AccessDeniedException',
      message: expect.stringMatching(/^User: .*:user\/berth\/reader is not authorized to perform: ecr:DeleteRepository on resource: .*repository\/refusals\/app$/),
    });
  });

  it('ends a session whose issued key is deleted', async () => {
    const registry = getRegistry();
    const key = await pullOnlyKey(registry, 'leaver');
    const session = await signedIn(registry, await signInLinkFor(registry, key));
    expect((await consoleEcr(registry, session, 'DescribeRepositories', {})).status).toBe(200);
    const deleted = await send(await signedManagementRequest(registry, 'Berth_V1.DeleteAccessKey', { accessKeyId: key.accessKeyId }, { service: 'execute-api', path: '/iam' }));
    expect(deleted.status).toBe(200);
    expect((await consoleEcr(registry, session, 'DescribeRepositories', {})).status).toBe(401);
  });

  it('forwards ECR actions only, and never hands out a registry token', async () => {
    const registry = getRegistry();
    const session = await adminSession();
    const token = await consoleEcr(registry, session, 'GetAuthorizationToken', {});
    expect(token.status).toBe(400);
    expect(((await token.json()) as { __type: string }).__type).toBe('ActionNotForwarded');
    const berthAction = await fetch(`${registry.url}/console/api/ecr`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrfToken, 'x-amz-target': 'Berth_V1.CreateAccessKey' },
      body: JSON.stringify({ principalName: 'minted' }),
    });
    expect(berthAction.status).toBe(400);
  });

  it('serves the page with a strict content security policy, and answers unknown paths in its own format', async () => {
    const registry = getRegistry();
    const bare = await fetch(`${registry.url}/console`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/console/');
    const page = await fetch(`${registry.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="assets/app.js">');
    expect((await fetch(`${registry.url}/console/assets/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const missing = await fetch(`${registry.url}/console/assets/nothing.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { __type: string }).__type).toBe('NotFound');
    expect((await fetch(`${registry.url}/console/api/ecr`)).status).toBe(405);
  });

  it('marks the session cookie Secure, with the __Host- prefix, when the registry is served over HTTPS', () => {
    const cookie = sessionCookie(true, 'value', 60);
    expect(cookie.startsWith('__Host-berth-console=value;')).toBe(true);
    expect(cookie.split('; ')).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Strict', 'Path=/']));
  });
});
