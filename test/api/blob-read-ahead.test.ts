import { beforeEach, describe, expect, inject, it } from 'vitest';
import { DeleteCommand, DynamoDocuments } from '../../lambdas/aws/dynamodb.js';
import { keys } from '../../lambdas/store/keys.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import { ociImage, type Image } from '../support/oci.js';
import { clientOf, useRegistry } from '../support/registry.js';
import { send, signedManagementRequest } from '../support/signed.js';

/**
 * A manifest GET reads the links of the image's blobs in one batch, and the blob GETs of the pull
 * that follows use them rather than read their own (lambdas/registry/blobs/read-ahead-links.ts).
 * What that changes is seen by deleting a link behind the registry's back, straight in the table.
 */

const READ_AHEAD_SECONDS = 30;
let clock = Date.now();
const operations: string[] = [];
// Policies remembered as npm start remembers them, so a blob GET's authorization reads nothing either.
const registry = useRegistry({ readAheadSeconds: READ_AHEAD_SECONDS }, {
  policyCacheSeconds: 10,
  forgetPoliciesOnChange: true,
  now: () => new Date(clock),
  instrument: ({ dynamo }) => dynamo.service.onCall((operation) => operations.push(operation)),
});
const table = () => new DynamoDocuments({ region: LOCAL_REGION, endpoint: inject('dynamoEndpoint'), credentials: LOCAL_CREDENTIALS });

let image: Image;
let repository: string;
beforeEach(async () => {
  repository = `read-ahead/app-${Math.random().toString(36).slice(2, 8)}`;
  image = ociImage({ layerSizes: [1024, 2048] });
  await clientOf(registry()).pushImage(repository, 'v1', image);
});

const digest = () => image.layers[0]!.digest;
const pullManifest = (running: RunningRegistry) => clientOf(running).request('GET', `/v2/${repository}/manifests/v1`, { headers: { accept: image.manifest.mediaType } });
const blobRequest = (method: 'GET' | 'HEAD') => clientOf(registry()).request(method, `/v2/${repository}/blobs/${digest()}`);
const unlinkBehindTheRegistry = () => table().send(new DeleteCommand({ TableName: registry().table, Key: keys.blobLink(repository, digest()) }));

describe('blob links read ahead by a manifest GET', () => {
  it('serve the blob GETs of the pull, which read nothing from DynamoDB', async () => {
    expect((await pullManifest(registry())).status).toBe(200);
    operations.length = 0;
    for (const layer of image.layers) {
      const response = await clientOf(registry()).request('GET', `/v2/${repository}/blobs/${layer.digest}`);
      expect(response.status).toBe(307);
      expect(Buffer.from(await (await fetch(response.headers.get('location')!)).arrayBuffer())).toEqual(Buffer.from(layer.bytes));
    }
    expect(operations).toEqual([]);
  });

  it('are used by GET only: a HEAD, which a push relies on, reads the link and finds it gone', async () => {
    await pullManifest(registry());
    await unlinkBehindTheRegistry();
    expect((await blobRequest('GET')).status).toBe(307);
    expect((await blobRequest('HEAD')).status).toBe(404);
  });

  it('are kept for the read-ahead time only', async () => {
    await pullManifest(registry());
    await unlinkBehindTheRegistry();
    clock += READ_AHEAD_SECONDS * 1000;
    const response = await blobRequest('GET');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ errors: [{ code: 'BLOB_UNKNOWN' }] });
  });

  it('are forgotten when the blob is deleted from the repository', async () => {
    await pullManifest(registry());
    expect((await blobRequest('GET')).status).toBe(307);
    expect((await clientOf(registry()).request('DELETE', `/v2/${repository}/blobs/${digest()}`)).status).toBe(202);
    expect((await blobRequest('GET')).status).toBe(404);
  });

  it('are forgotten in local mode when the repository is deleted through the management API', async () => {
    await pullManifest(registry());
    const deleted = await send(await signedManagementRequest(registry(), 'AmazonEC2ContainerRegistry_V20150921.DeleteRepository', { repositoryName: repository, force: true }));
    expect(deleted.status).toBe(200);
    const response = await blobRequest('GET');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ errors: [{ code: 'NAME_UNKNOWN' }] });
  });

  it('are forgotten in local mode when the server changes the table outside any request, as its jobs and garbage collection do', async () => {
    await pullManifest(registry());
    expect(await registry().store.unlinkBlob(repository, digest())).toBe(true);
    expect((await blobRequest('GET')).status).toBe(404);
  });
});

describe('with no read-ahead time', () => {
  const plain = useRegistry({ readAheadSeconds: 0 });

  it('each blob GET reads its own link', async () => {
    const name = 'read-ahead/off';
    const off = ociImage();
    await clientOf(plain()).pushImage(name, 'v1', off);
    expect((await clientOf(plain()).request('GET', `/v2/${name}/manifests/v1`, { headers: { accept: off.manifest.mediaType } })).status).toBe(200);
    await table().send(new DeleteCommand({ TableName: plain().table, Key: keys.blobLink(name, off.layers[0]!.digest) }));
    expect((await clientOf(plain()).request('GET', `/v2/${name}/blobs/${off.layers[0]!.digest}`)).status).toBe(404);
  });
});
