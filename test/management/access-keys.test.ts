import { DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { BERTH_TARGET_PREFIX, ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';
import { keys } from '../../lambdas/store/keys.js';
import { awsCli, ecrCli } from '../support/aws-cli.js';
import { useRegistry } from '../support/registry.js';
import { errorType, send, signedManagementRequest } from '../support/signed.js';
import { itWith } from '../support/tools.js';

const registry = useRegistry();
interface IssuedKey {
  accessKeyId: string;
  secretAccessKey: string;
  principalArn: string;
}

async function berth(action: string, body: unknown, credentials = registry().adminKey): Promise<Response> {
  return send(await signedManagementRequest(registry(), `${BERTH_TARGET_PREFIX}${action}`, body, { credentials }));
}

async function ecr(action: string, body: unknown, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<Response> {
  return send(await signedManagementRequest(registry(), `${ECR_TARGET_PREFIX}${action}`, body, { credentials }));
}

async function createKey(principalName: string, policy?: unknown): Promise<IssuedKey> {
  const response = await berth('CreateAccessKey', { principalName, ...(policy === undefined ? {} : { policyText: JSON.stringify(policy) }) });
  expect(response.status).toBe(200);
  return ((await response.json()) as { accessKey: IssuedKey }).accessKey;
}

function dynamo(): DynamoDBClient {
  return new DynamoDBClient({ region: LOCAL_REGION, endpoint: inject('dynamoEndpoint'), credentials: LOCAL_CREDENTIALS });
}

const repositoryArn = (name: string) => `arn:aws:ecr:${registry().identity.region}:${registry().identity.accountId}:repository/${name}`;

describe('access keys for unmodified ECR tooling', () => {
  it('issues a key bound to a principal, listed without its secret', async () => {
    const key = await createKey('ci-bot');
    expect(key.accessKeyId).toMatch(/^BKIA[A-Z0-9]{16}$/);
    expect(key.principalArn).toBe(`arn:aws:iam::${registry().identity.accountId}:user/berth/ci-bot`);
    const listed = (await (await berth('ListAccessKeys', {})).json()) as { accessKeys: Record<string, unknown>[] };
    const entry = listed.accessKeys.find((item) => item.accessKeyId === key.accessKeyId);
    expect(entry).toMatchObject({ principalName: 'ci-bot' });
    expect(entry).not.toHaveProperty('secretAccessKey');
  });

  it('keeps the secret sealed in the table', async () => {
    const key = await createKey('sealed');
    const { pk, sk } = keys.accessKey(key.accessKeyId);
    const item = await dynamo().send(new GetItemCommand({ TableName: registry().table, Key: { pk: { S: pk }, sk: { S: sk } } }));
    expect(item.Item?.sealedSecret).toBeDefined();
    expect(JSON.stringify(item.Item)).not.toContain(key.secretAccessKey);
  });

  it('refuses invalid principal names and policies that are not IAM documents', async () => {
    expect(await errorType(await berth('CreateAccessKey', { principalName: 'has space' }))).toBe('ValidationException');
    expect(await errorType(await berth('CreateAccessKey', { principalName: 'p', policyText: '{"no":"statement"}' }))).toBe('InvalidParameterException');
  });

  it('refuses a policy with elements it would read more broadly than written, naming them', async () => {
    const refusals: [unknown, string][] = [
      [{ Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] }, 'Statement[0].Condition is not supported'],
      [{ Statement: [{ Effect: 'Allow', Action: 'ecr:*' }] }, 'Statement[0] needs exactly one of Resource and NotResource'],
    ];
    for (const [policy, reason] of refusals) {
      const response = await berth('CreateAccessKey', { principalName: 'too-broad', policyText: JSON.stringify(policy) });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { __type: string; message: string };
      expect(body.__type).toBe('InvalidParameterException');
      expect(body.message).toContain(`Invalid parameter at 'policyText' failed to satisfy constraint: '${reason}`);
    }
    const keys = (await (await berth('ListAccessKeys', {})).json()) as { accessKeys: { principalName: string }[] };
    expect(keys.accessKeys.map((key) => key.principalName)).not.toContain('too-broad');
  });

  it('keeps a key with NotResource away from the repositories it names', async () => {
    const key = await createKey('not-prod', { Statement: [{ Effect: 'Allow', Action: 'ecr:*', NotResource: repositoryArn('prod/*') }] });
    expect((await ecr('CreateRepository', { repositoryName: 'team/app' }, key)).status).toBe(200);
    const refused = await ecr('CreateRepository', { repositoryName: 'prod/app' }, key);
    expect(refused.status).toBe(403);
    expect(await errorType(refused)).toBe('AccessDeniedException');
    expect((await ecr('CreateRepository', { repositoryName: 'prod/app' }, registry().adminKey)).status).toBe(200);
    expect(await errorType(await ecr('DeleteRepository', { repositoryName: 'prod/app' }, key))).toBe('AccessDeniedException');
    expect(await errorType(await ecr('SetRepositoryPolicy', { repositoryName: 'prod/app', policyText: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: '*', Action: 'ecr:*' }] }) }, key))).toBe('AccessDeniedException');
  });

  it('grants nothing by a stored policy it would refuse today', async () => {
    const key = await createKey('stored-early', { Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] });
    // As if written before CreateAccessKey refused conditions: read broadly, this would allow everything.
    const conditional = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] });
    await dynamo().send(new UpdateItemCommand({
      TableName: registry().table,
      Key: { pk: { S: keys.accessKey(key.accessKeyId).pk }, sk: { S: keys.accessKey(key.accessKeyId).sk } },
      UpdateExpression: 'SET policyText = :policy',
      ExpressionAttributeValues: { ':policy': { S: conditional } },
    }));
    const refused = await ecr('CreateRepository', { repositoryName: 'early/app' }, key);
    expect(refused.status).toBe(403);
    expect(await errorType(refused)).toBe('AccessDeniedException');
  });

  it('lets a repository policy\'s Deny refuse a key its own policy allows, on that repository only', async () => {
    const key = await createKey('denied-reader', { Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] });
    for (const repositoryName of ['deny/app', 'deny/other']) expect((await ecr('CreateRepository', { repositoryName }, key)).status).toBe(200);
    const policyText = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Sid: 'no-reads', Effect: 'Deny', Principal: { AWS: key.principalArn }, Action: ['ecr:DescribeImages', 'ecr:ListImages'] }],
    });
    expect((await ecr('SetRepositoryPolicy', { repositoryName: 'deny/app', policyText }, registry().adminKey)).status).toBe(200);

    for (const action of ['ListImages', 'DescribeImages']) {
      const refused = await ecr(action, { repositoryName: 'deny/app' }, key);
      expect(refused.status, action).toBe(403);
      expect(await errorType(refused), action).toBe('AccessDeniedException');
      expect((await ecr(action, { repositoryName: 'deny/other' }, key)).status, action).toBe(200);
      // The Deny names the key's principal, not the administrator.
      expect((await ecr(action, { repositoryName: 'deny/app' }, registry().adminKey)).status, action).toBe(200);
    }
    // Actions the Deny does not name stay allowed.
    expect((await ecr('GetRepositoryPolicy', { repositoryName: 'deny/app' }, key)).status).toBe(200);
  });

  it('does not let an issued key manage keys', async () => {
    const key = await createKey('limited');
    const response = await berth('CreateAccessKey', { principalName: 'escalated' }, key);
    expect(response.status).toBe(403);
    expect(await errorType(response)).toBe('AccessDeniedException');
  });

  it('answers AccessKeyNotFoundException when deleting an unknown key', async () => {
    expect(await errorType(await berth('DeleteAccessKey', { accessKeyId: 'BKIA0000000000000000' }))).toBe('AccessKeyNotFoundException');
  });

  itWith([awsCli], 'works with the AWS CLI until deleted', async () => {
    const key = await createKey('cli-user');
    const aws = ecrCli({ ...registry(), adminKey: key });
    const created = await aws('create-repository', '--repository-name', 'keys/app');
    expect(created.code, created.stderr).toBe(0);
    expect((await berth('DeleteAccessKey', { accessKeyId: key.accessKeyId })).status).toBe(200);
    const refused = await aws('describe-repositories');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('UnrecognizedClientException');
  });
});
