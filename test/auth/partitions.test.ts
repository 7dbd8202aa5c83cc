import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RegistryTokens } from '../../lambdas/auth/registry-tokens.js';
import { AccessKeys, issuedPrincipalArn } from '../../lambdas/management/auth/access-keys.js';
import { EcrError } from '../../lambdas/management/errors.js';
import { repositoryArn, repositoryFromArn, type RegistryIdentity } from '../../lambdas/management/identifiers.js';
import { AccessControl } from '../../lambdas/registry/access-control.js';
import { partitionOf } from '../../lambdas/shared/arns.js';
import { Sealer } from '../../lambdas/shared/crypto/sealer.js';
import { freshStores } from '../support/backends.js';

const ACCOUNT = '123456789012';
const china: RegistryIdentity = { accountId: ACCOUNT, region: 'cn-north-1', registryHost: 'registry.example.cn', proxyEndpoint: 'https://registry.example.cn' };

describe('the partition of the registry\'s ARNs', () => {
  it.each([
    ['eu-west-1', 'aws'], ['us-east-1', 'aws'], ['il-central-1', 'aws'], ['cn-north-1', 'aws-cn'], ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'], ['us-iso-east-1', 'aws-iso'], ['us-isob-east-1', 'aws-iso-b'], ['eu-isoe-west-1', 'aws-iso-e'],
    ['us-isof-south-1', 'aws-iso-f'], ['eusc-de-east-1', 'aws-eusc'],
  ])('follows the region: %s is in %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });

  it('names repositories of a registry in China as ECR there does, and reads them back', () => {
    const arn = repositoryArn(china, 'team/app');
    expect(arn).toBe(`arn:aws-cn:ecr:cn-north-1:${ACCOUNT}:repository/team/app`);
    expect(repositoryFromArn(china, arn)).toBe('team/app');
  });

  it('refuses an ARN of another partition with ECR\'s InvalidParameterException, naming the expected form', () => {
    const refusal = (() => {
      try {
        repositoryFromArn(china, `arn:aws:ecr:cn-north-1:${ACCOUNT}:repository/team/app`);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(EcrError);
    expect((refusal as EcrError).type).toBe('InvalidParameterException');
    expect((refusal as EcrError).message).toContain(`expected arn:aws-cn:ecr:cn-north-1:${ACCOUNT}:repository/<repository name>`);
  });

  it('gives issued access keys principal ARNs of the registry\'s partition', async () => {
    const govCloud = { accountId: ACCOUNT, region: 'us-gov-west-1' };
    expect(issuedPrincipalArn(govCloud, 'ci')).toBe(`arn:aws-us-gov:iam::${ACCOUNT}:user/berth/ci`);
    const { accessKeys: keyStore } = await freshStores();
    const keys = new AccessKeys(keyStore, new Sealer(randomBytes(32)), govCloud, () => new Date());
    const key = await keys.create('ci', undefined);
    const known = await keys.resolve(key.accessKeyId);
    expect(known?.principal.arn).toBe(`arn:aws-us-gov:iam::${ACCOUNT}:user/berth/ci`);
  });

  it('lets a key policy written with the partition\'s ARNs select repositories on the registry API', async () => {
    const { store, accessKeys } = await freshStores();
    const tokens = new RegistryTokens(async () => ({ current: { kid: 'k', secret: randomBytes(32) }, previous: [] }), 'registry', () => new Date());
    const access = new AccessControl({
      tokens, accountId: ACCOUNT, region: 'cn-north-1', realm: 'https://registry.example.cn', policyCacheSeconds: 0,
      accessKeyCacheSeconds: 0, policyCacheEntries: 10,
    }, { repositories: store, accessKeys }, () => new Date());
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ecr:BatchGetImage', Resource: `arn:aws-cn:ecr:cn-north-1:${ACCOUNT}:repository/team/*` }],
    });
    const caller = { kind: 'principal' as const, arn: `arn:aws-cn:iam::${ACCOUNT}:user/berth/ci`, accountId: ACCOUNT, identityPolicyText: policy };
    expect(await access.mayPerform({ caller }, 'ecr:BatchGetImage', 'team/app')).toBe(true);
    expect(await access.mayPerform({ caller }, 'ecr:BatchGetImage', 'other/app')).toBe(false);
  });
});
