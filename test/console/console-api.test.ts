import { describe, expect, it } from 'vitest';
import { sessionCookie } from '../../lambdas/console/cookies.js';
import { blob, descriptor, type Image } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';
import { consoleEcr, pullOnlyKey, signedIn, signInLink, signInLinkFor } from './support.js';

const getRegistry = useRegistry();

/** An image whose config is `configBytes` long. */
function imageWithConfig(configBytes: number): Image {
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', padding: 'x'.repeat(configBytes) }), 'application/vnd.oci.image.config.v1+json');
  const layer = blob('layer', 'application/vnd.oci.image.layer.v1.tar');
  const manifest = blob(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor(config), layers: [descriptor(layer)],
  }), 'application/vnd.oci.image.manifest.v1+json');
  return { config, layers: [layer], manifest };
}

function consolePost(path: string, session: { cookie: string; csrfToken: string }, body: unknown): Promise<Response> {
  return fetch(`${getRegistry().url}/console/api/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: session.cookie, 'x-csrf-token': session.csrfToken },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function errorOf(response: Response): Promise<{ status: number; type: string; message: string }> {
  const body = (await response.json()) as { __type: string; message: string };
  return { status: response.status, type: body.__type, message: body.message };
}

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

  it('reads an image config through the API, and refuses one larger than it shows', async () => {
    const registry = getRegistry();
    const session = await adminSession();
    const small = imageWithConfig(100);
    const large = imageWithConfig(1024 * 1024 + 1);
    await clientOf(registry).pushImage('configs/app', 'small', small);
    await clientOf(registry).pushImage('configs/app', 'large', large);
    const read = await consolePost('image-config', session, { repositoryName: 'configs/app', digest: small.config.digest });
    expect(read.status).toBe(200);
    expect(Buffer.from(await read.arrayBuffer()).equals(small.config.bytes)).toBe(true);
    expect(await errorOf(await consolePost('image-config', session, { repositoryName: 'configs/app', digest: large.config.digest })))
      .toMatchObject({ status: 413, type: 'DocumentTooLarge' });
    // A digest the repository does not hold: the API's own answer.
    expect((await errorOf(await consolePost('image-config', session, { repositoryName: 'configs/app', digest: `sha256:${'0'.repeat(64)}` }))).type)
      .toBe('LayersNotFoundException');
  });

  it('answers a config whose bytes are gone with a 500 that says nothing of why', async () => {
    const registry = getRegistry();
    const session = await adminSession();
    const image = imageWithConfig(50);
    await clientOf(registry).pushImage('configs/lost', 'v1', image);
    // Where the registry stored the config's bytes: deleted behind its back.
    await registry.blobs.delete((await registry.store.getBlob(image.config.digest))!.objectKey);
    expect(await errorOf(await consolePost('image-config', session, { repositoryName: 'configs/lost', digest: image.config.digest }))).toEqual({
      status: 500, type: 'ServerException', message: 'internal server error; the request was not completed and may be retried',
    });
  });

  it('previews lifecycle policy text through ECR\'s preview actions as the principal, and keeps no preview path of its own', async () => {
    const registry = getRegistry();
    const session = await adminSession();
    await clientOf(registry).pushImage('preview/app', 'old', imageWithConfig(10));
    await clientOf(registry).pushImage('preview/app', 'new', imageWithConfig(20));
    const lifecyclePolicyText = JSON.stringify({
      rules: [{ rulePriority: 1, description: 'keep the newest', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
    });
    const started = await consoleEcr(registry, session, 'StartLifecyclePolicyPreview', { repositoryName: 'preview/app', lifecyclePolicyText });
    expect(started.status).toBe(200);
    const preview = (await (await consoleEcr(registry, session, 'GetLifecyclePolicyPreview', { repositoryName: 'preview/app' })).json()) as { previewResults: { imageTags: string[] }[] };
    expect(preview.previewResults.map((result) => result.imageTags)).toEqual([['old']]);
    // Nothing was expired, nor saved: it is a preview.
    const listed = (await (await consoleEcr(registry, session, 'ListImages', { repositoryName: 'preview/app' })).json()) as { imageIds: unknown[] };
    expect(listed.imageIds).toHaveLength(2);
    expect((await errorOf(await consoleEcr(registry, session, 'GetLifecyclePolicy', { repositoryName: 'preview/app' }))).type).toBe('LifecyclePolicyNotFoundException');
    expect((await errorOf(await consolePost('lifecycle-preview', session, { repositoryName: 'preview/app' }))).status).toBe(404);

    // A principal who may read the policy and the images but not preview is refused, in the API's words.
    const viewer = await signedIn(registry, await signInLinkFor(registry, await pullOnlyKey(registry, 'preview-viewer')));
    expect(await errorOf(await consoleEcr(registry, viewer, 'StartLifecyclePolicyPreview', { repositoryName: 'preview/app', lifecyclePolicyText })))
      .toMatchObject({ status: 403, type: 'AccessDeniedException', message: expect.stringContaining('ecr:StartLifecyclePolicyPreview') });
  });

  it('refuses malformed calls: a body that is not a JSON object, an ECR call without its action', async () => {
    const registry = getRegistry();
    const session = await adminSession();
    expect(await errorOf(await consolePost('image-config', session, '[1, 2]'))).toMatchObject({ status: 400, type: 'InvalidParameterException' });
    expect(await errorOf(await consolePost('ecr', session, {}))).toMatchObject({ status: 400, message: 'name the ECR action in an X-Amz-Target header' });
    const notJson = await fetch(`${registry.url}/console/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'nope' });
    expect(await errorOf(notJson)).toMatchObject({ status: 400, type: 'InvalidParameterException' });
  });

  it('marks the session cookie Secure, with the __Host- prefix, when the registry is served over HTTPS', () => {
    const cookie = sessionCookie(true, 'value', 60);
    expect(cookie.startsWith('__Host-berth-console=value;')).toBe(true);
    expect(cookie.split('; ')).toEqual(expect.arrayContaining(['Secure', 'HttpOnly', 'SameSite=Strict', 'Path=/']));
  });
});
