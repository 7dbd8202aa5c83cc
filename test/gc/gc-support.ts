import { DynamoDocuments, GetCommand, ScanCommand, UpdateCommand } from '../../lambdas/aws/dynamodb.js';
import { inject } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/emulators/local-aws.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import type { RegistryClient } from '../support/client.js';
import { annotatedManifest, blob, type Blob, type Image } from '../support/oci.js';

/** Two days: longer than the default grace period of one. */
export const PAST_GRACE_MS = 2 * 24 * 3600 * 1000;

export function dynamo() {
  return new DynamoDocuments({ region: LOCAL_REGION, endpoint: inject('dynamoEndpoint'), credentials: LOCAL_CREDENTIALS });
}

/**
 * Time passing without waiting: every use (`touchedAt`) and queueing (`queuedAt`) the registry's
 * table records moves `ms` into the past, as if nobody had touched anything since.
 */
export async function age(registry: RunningRegistry, ms = PAST_GRACE_MS): Promise<void> {
  const client = dynamo();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({
      TableName: registry.table,
      FilterExpression: 'attribute_exists(touchedAt) OR attribute_exists(queuedAt)',
      ExclusiveStartKey: start,
    }));
    for (const item of page.Items ?? []) {
      for (const attribute of ['touchedAt', 'queuedAt']) {
        if (typeof item[attribute] !== 'number') continue;
        await client.send(new UpdateCommand({
          TableName: registry.table,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET #a = :v',
          ExpressionAttributeNames: { '#a': attribute },
          ExpressionAttributeValues: { ':v': (item[attribute] as number) - ms },
        }));
      }
    }
    start = page.LastEvaluatedKey;
  } while (start);
}

/** An image of a fresh config whose layers are `layers`: shares them with whatever else has them. */
export function imageOf(layers: Blob[], name: string): Image {
  const config = blob(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, name }), 'application/vnd.oci.image.config.v1+json');
  return { config, layers, manifest: annotatedManifest(config, layers, { 'org.example.name': name }) };
}

/** Whether S3 still holds the blob the registry recorded for `digest`, or undefined when no record is left. */
export async function storedObject(registry: RunningRegistry, digest: string): Promise<string | undefined> {
  return (await registry.store.getBlob(digest))?.objectKey;
}

/** Pulls the image by tag as a client does: the manifest, then every blob; each must be byte-identical to what was pushed. */
export async function pullsIdentical(client: RegistryClient, repository: string, tag: string, image: Image): Promise<boolean> {
  const manifest = await client.request('GET', `/v2/${repository}/manifests/${tag}`, { headers: { accept: image.manifest.mediaType } });
  if (manifest.status !== 200 || !Buffer.from(await manifest.arrayBuffer()).equals(image.manifest.bytes)) return false;
  for (const item of [image.config, ...image.layers]) {
    if (!(await client.downloadBlob(repository, item.digest)).equals(item.bytes)) return false;
  }
  return true;
}

/** The item as the table holds it, read straight from DynamoDB: the registry's reads would touch it. */
export async function rawItem(registry: RunningRegistry, key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  return (await dynamo().send(new GetCommand({ TableName: registry.table, Key: key, ConsistentRead: true }))).Item;
}

/** Whether the table holds the item (see rawItem). */
export async function recorded(registry: RunningRegistry, key: { pk: string; sk: string }): Promise<boolean> {
  return (await rawItem(registry, key)) !== undefined;
}
