import { describe, expect, it } from 'vitest';
import { errorCodes, errorList } from '../support/client.js';
import { manifestChecks } from '../support/manifests.js';
import { ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';

/** Repository names: create-on-push off, the name grammar, nested names. */

const registry = useRegistry();
/** A second registry where pushing to a missing repository is refused, as ECR without CREATE_ON_PUSH. */
const closedRegistry = useRegistry({ createOnPush: false });
const client = () => clientOf(registry());
const { expectManifest, expectManifestUnknown, tagsOf } = manifestChecks(client);

describe('repository names', () => {
  it('answers NAME_UNKNOWN for a push to a missing repository when create-on-push is off', async () => {
    const closed = clientOf(closedRegistry());
    const image = ociImage();
    const response = await closed.pushManifest('closed/app', 'v1', image.manifest);
    expect(response.status).toBe(404);
    const errors = await errorList(response);
    expect(errors.map((error) => error.code)).toEqual(['NAME_UNKNOWN']);
    expect(errors[0]!.detail).toEqual({ name: 'closed/app' });
    const catalog = await closed.request('GET', '/v2/_catalog');
    expect(((await catalog.json()) as { repositories: string[] }).repositories).not.toContain('closed/app');
  });

  it('answers NAME_INVALID for a name outside the grammar', async () => {
    const image = ociImage();
    for (const name of ['Upper/app', 'team/App', 'team//app', 'team/app-', '-team/app']) {
      const put = await client().pushManifest(name, 'v1', image.manifest);
      expect(put.status).toBe(400);
      expect(await errorCodes(put)).toEqual(['NAME_INVALID']);
    }
    const get = await client().request('GET', '/v2/Upper/app/manifests/v1');
    expect(get.status).toBe(400);
    expect(await errorCodes(get)).toEqual(['NAME_INVALID']);
  });

  it('serves nested names such as team/app/api', async () => {
    const image = ociImage();
    await client().pushBlobs('team/app/api', image);
    const response = await client().pushManifest('team/app/api', 'v1', image.manifest);
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toBe(`/v2/team/app/api/manifests/${image.manifest.digest}`);
    await expectManifest('team/app/api', 'v1', image.manifest);
    await expectManifest('team/app/api', image.manifest.digest, image.manifest);
    // team/app is a repository of its own, which nothing created.
    const parent = await client().request('GET', `/v2/team/app/manifests/${image.manifest.digest}`);
    expect(parent.status).toBe(404);
    expect(await errorCodes(parent)).toEqual(['NAME_UNKNOWN']);
  });

  it('serves a repository with a manifests component in its name', async () => {
    for (const name of ['team/manifests/app', 'team/manifests']) {
      const image = ociImage();
      await client().pushBlobs(name, image);
      const response = await client().pushManifest(name, 'manifests', image.manifest);
      expect(response.status).toBe(201);
      expect(response.headers.get('location')).toBe(`/v2/${name}/manifests/${image.manifest.digest}`);
      await expectManifest(name, 'manifests', image.manifest);
      await expectManifest(name, image.manifest.digest, image.manifest);
      expect(await tagsOf(name)).toEqual(['manifests']);
      expect((await client().request('DELETE', `/v2/${name}/manifests/manifests`)).status).toBe(202);
      await expectManifestUnknown(name, 'manifests');
    }
  });
});
