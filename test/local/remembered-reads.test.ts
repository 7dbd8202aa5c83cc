import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { BatchGetCommand, DeleteCommand, DynamoDocuments, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '../../lambdas/aws/dynamodb.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { ensureTable } from '../../local/provision.js';
import { RememberingDynamoDocuments } from '../../local/remembered-reads.js';
import { ociImage } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';

/**
 * npm start's DynamoDB client remembers the answers to item reads until it sends anything that may
 * write (local/remembered-reads.ts). What it remembers shows when the table is changed behind its
 * back, by a second client: a remembered answer does not see that change, and one not remembered does.
 */

const options = { region: LOCAL_REGION, endpoint: inject('dynamoEndpoint'), credentials: LOCAL_CREDENTIALS };
const TableName = `remembered-${randomUUID().slice(0, 8)}`;
const behind = new DynamoDocuments(options);

beforeAll(() => ensureTable(behind, TableName));
afterAll(() => behind.service.send('DeleteTable', { TableName }));

/** A new item, written behind the remembering client's back, and its key. */
async function item(value: string): Promise<{ pk: string; sk: string }> {
  const Key = { pk: `item-${randomUUID()}`, sk: 'v' };
  await behind.send(new PutCommand({ TableName, Item: { ...Key, value } }));
  return Key;
}

const changeBehind = (Key: { pk: string; sk: string }, value: string) => behind.send(new PutCommand({ TableName, Item: { ...Key, value } }));
const valueOf = async (client: DynamoDocuments, Key: { pk: string; sk: string }) => (await client.send(new GetCommand({ TableName, Key }))).Item?.value;

describe('remembered reads', () => {
  it('answer a GetItem and a BatchGetItem again from memory', async () => {
    const client = new RememberingDynamoDocuments(options);
    const [a, b] = [await item('a1'), await item('b1')];
    const calls: string[] = [];
    client.service.onCall((operation) => calls.push(operation));
    const batch = () => client.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: [a, b] } } }));
    expect(await valueOf(client, a)).toBe('a1');
    expect((await batch()).Responses![TableName]).toHaveLength(2);
    await changeBehind(a, 'a2');
    expect(await valueOf(client, a)).toBe('a1');
    expect((await batch()).Responses![TableName]!.map((found) => found.value).sort()).toEqual(['a1', 'b1']);
    expect(calls).toEqual(['GetItem', 'BatchGetItem']);
  });

  it('forget everything once the client writes, whatever it wrote and whether its write succeeded', async () => {
    const client = new RememberingDynamoDocuments(options);
    const writes = [
      (key: { pk: string; sk: string }) => client.send(new PutCommand({ TableName, Item: { pk: 'other', sk: randomUUID() } })).then(() => key),
      (key: { pk: string; sk: string }) => client.send(new UpdateCommand({ TableName, Key: { pk: 'other', sk: 'x' }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': 1 } })).then(() => key),
      (key: { pk: string; sk: string }) => client.send(new DeleteCommand({ TableName, Key: { pk: 'other', sk: 'none' } })).then(() => key),
      // A conditional write that fails.
      (key: { pk: string; sk: string }) => client.send(new PutCommand({ TableName, Item: key, ConditionExpression: 'attribute_not_exists(pk)' })).catch(() => key),
    ];
    for (const write of writes) {
      const key = await item('before');
      expect(await valueOf(client, key)).toBe('before');
      await changeBehind(key, 'after');
      await write(key);
      expect(await valueOf(client, key)).toBe('after');
    }
  });

  it('do not remember an answer that was on its way while a write completed', async () => {
    const client = new RememberingDynamoDocuments(options);
    const key = await item('old');
    // The read's answer is held back until the write has completed.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => { release = resolve; });
    const send = client.service.send.bind(client.service);
    vi.spyOn(client.service, 'send').mockImplementation(async (operation: string, input: object) => {
      const answer = await send(operation, input);
      if (operation === 'GetItem') await held;
      return answer;
    });
    const reading = valueOf(client, key);
    await client.send(new PutCommand({ TableName, Item: { ...key, value: 'new' } }));
    release();
    expect(await reading).toBe('old');
    vi.restoreAllMocks();
    expect(await valueOf(client, key)).toBe('new');
  });

  it('give each caller items of its own', async () => {
    const client = new RememberingDynamoDocuments(options);
    const key = await item('mine');
    const first = (await client.send(new GetCommand({ TableName, Key: key }))).Item!;
    first.value = 'changed by a caller';
    expect(await valueOf(client, key)).toBe('mine');
  });

  it('never remember a query, and keep at most as many answers as they may', async () => {
    const client = new RememberingDynamoDocuments(options, 2);
    const [a, b, c] = [await item('a'), await item('b'), await item('c')];
    for (const key of [a, b, c]) await valueOf(client, key);
    for (const key of [a, b, c]) await changeBehind(key, 'changed');
    // The oldest answer went when the third came.
    expect([await valueOf(client, c), await valueOf(client, b), await valueOf(client, a)]).toEqual(['c', 'b', 'changed']);
    const query = () => client.send(new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': a.pk } }));
    expect((await query()).Items![0]!.value).toBe('changed');
    await changeBehind(a, 'again');
    expect((await query()).Items![0]!.value).toBe('again');
  });
});

describe('npm start with remembered reads', () => {
  const registry = useRegistry({}, { rememberReads: true });
  const manifestOf = async (repository: string, reference: string) => {
    const response = await clientOf(registry()).request('GET', `/v2/${repository}/manifests/${reference}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    return { status: response.status, digest: response.headers.get('docker-content-digest') };
  };

  it('serves a moved tag, a deleted image and a deleted repository as they are now', async () => {
    const repository = `remembered/app-${randomUUID().slice(0, 8)}`;
    const [first, second] = [ociImage({ layerSizes: [300] }), ociImage({ layerSizes: [400] })];
    await clientOf(registry()).pushImage(repository, 'v1', first);
    expect(await manifestOf(repository, 'v1')).toEqual({ status: 200, digest: first.manifest.digest });
    await clientOf(registry()).pushImage(repository, 'v1', second);
    expect(await manifestOf(repository, 'v1')).toEqual({ status: 200, digest: second.manifest.digest });
    const untag = await send(await signedManagementRequest(registry(), 'AmazonEC2ContainerRegistry_V20150921.BatchDeleteImage', { repositoryName: repository, imageIds: [{ imageTag: 'v1' }] }));
    expect(((await untag.json()) as { failures: unknown[] }).failures).toEqual([]);
    expect((await manifestOf(repository, 'v1')).status).toBe(404);
    expect((await manifestOf(repository, first.manifest.digest)).status).toBe(200);
    const deleted = await send(await signedManagementRequest(registry(), 'AmazonEC2ContainerRegistry_V20150921.DeleteRepository', { repositoryName: repository, force: true }));
    expect(deleted.status).toBe(200);
    expect((await manifestOf(repository, first.manifest.digest)).status).toBe(404);
  });

  it('serves what the background jobs changed: an image a lifecycle policy expired is gone', async () => {
    const repository = `remembered/jobs-${randomUUID().slice(0, 8)}`;
    const [old, current] = [ociImage({ layerSizes: [500] }), ociImage({ layerSizes: [600] })];
    await clientOf(registry()).pushImage(repository, 'old', old);
    await clientOf(registry()).pushImage(repository, 'v1', current);
    await clientOf(registry()).request('DELETE', `/v2/${repository}/manifests/old`);
    expect((await manifestOf(repository, old.manifest.digest)).status).toBe(200);
    const policy = { rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: { type: 'expire' } }] };
    const put = await send(await signedManagementRequest(registry(), 'AmazonEC2ContainerRegistry_V20150921.PutLifecyclePolicy', { repositoryName: repository, lifecyclePolicyText: JSON.stringify(policy) }));
    expect(put.status).toBe(200);
    // Read again after the policy write, so that what the job changes is all that could be stale.
    expect((await manifestOf(repository, old.manifest.digest)).status).toBe(200);
    await registry().runLifecyclePolicies(new Date(Date.now() + 3 * 24 * 3600 * 1000));
    expect((await manifestOf(repository, old.manifest.digest)).status).toBe(404);
    expect(await manifestOf(repository, 'v1')).toEqual({ status: 200, digest: current.manifest.digest });
  });
});
