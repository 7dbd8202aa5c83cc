import { describe, expect, it } from 'vitest';
import { ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { RegistryClient } from '../support/client.js';
import { ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';

/**
 * Local mode remembers repository policies (BERTH_POLICY_CACHE_SECONDS, 10 s by
 * default) and forgets them after each request that may have changed one, so a
 * change made through the registry applies at once, on a clock that never moves.
 */
describe('policies remembered by local mode', () => {
  const registry = useRegistry({}, { policyCacheSeconds: 3600, forgetPoliciesOnChange: true });

  async function management(action: string, body: Record<string, unknown>): Promise<void> {
    const response = await send(await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}${action}`, body));
    expect(response.status, await response.clone().text()).toBe(200);
  }

  it('apply a policy set, deleted, or gone with its repository at once, both ways', async () => {
    const image = ociImage();
    await clientOf(registry()).pushImage('remembered/app', 'v1', image);
    const anonymous = new RegistryClient(registry().url);
    const pull = async () => (await anonymous.request('GET', '/v2/remembered/app/manifests/v1', { headers: { accept: image.manifest.mediaType } })).status;
    expect(await pull()).toBe(401);

    const publicPull = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:BatchGetImage' }] });
    await management('SetRepositoryPolicy', { repositoryName: 'remembered/app', policyText: publicPull });
    expect(await pull()).toBe(200);

    await management('DeleteRepositoryPolicy', { repositoryName: 'remembered/app' });
    expect(await pull()).toBe(401);

    await management('SetRepositoryPolicy', { repositoryName: 'remembered/app', policyText: publicPull });
    expect(await pull()).toBe(200);
    await management('DeleteRepository', { repositoryName: 'remembered/app', force: true });
    // Pushed again, the repository is new and has no policy.
    await clientOf(registry()).pushImage('remembered/app', 'v1', image);
    expect(await pull()).toBe(401);
  });
});
