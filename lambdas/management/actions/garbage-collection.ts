import type { GcCursor } from '../../store/gc-store.js';
import { GC_SHARDS } from '../../store/keys.js';
import type { Action } from '../context.js';
import { EcrError } from '../errors.js';
import { decodeToken, encodeToken } from '../pagination.js';
import { optionalBoolean, optionalString } from '../validation.js';
import { requireAdministrator } from './access-keys.js';

/**
 * Berth_V1.CollectGarbage: runs a slice of a garbage-collection pass, or with `dryRun` previews
 * one and deletes nothing, and says what it reclaimed. A slice stops starting work after
 * SLICE_MS, within the management function's time limit; `nextToken` resumes the pass. Only
 * administrators (AWS identities and the local administrator, not keys Berth issued) collect:
 * a pass reads and deletes across every repository.
 */

const SLICE_MS = 15_000;

export const collectGarbage: Action = async (context) => {
  requireAdministrator(context, 'garbage collection');
  const { input, services } = context;
  const dryRun = optionalBoolean(input, 'dryRun') ?? false;
  const cursor = cursorOf(optionalString(input, 'nextToken', { min: 1, max: 4096 }));
  const collector = services.garbageCollector;
  const outcome = await collector.run({ dryRun, deadline: Date.now() + SLICE_MS, ...(cursor ? { cursor } : {}) });
  const { report } = outcome;
  return {
    dryRun,
    blobsReclaimed: report.blobs,
    bytesReclaimed: report.bytes,
    linksRemoved: report.links,
    manifestObjectsReclaimed: report.manifests,
    objectsReclaimed: report.objects,
    failures: report.failures.map((failure) => ({ repositoryName: failure.repository, reason: failure.reason })),
    bytesStored: await collector.storedBytes(),
    ...(outcome.cursor ? { nextToken: encodeToken(JSON.stringify(outcome.cursor)) } : {}),
  };
};

/** The cursor a nextToken carries; one this registry did not issue is refused as ECR refuses such tokens. */
function cursorOf(token: string | undefined): GcCursor | undefined {
  const text = decodeToken(token);
  if (text === undefined) return undefined;
  let cursor: unknown;
  try {
    cursor = JSON.parse(text);
  } catch {
    cursor = undefined;
  }
  if (isCursor(cursor)) return cursor;
  throw new EcrError('InvalidParameterException', 'Invalid parameter at \'nextToken\' failed to satisfy constraint: \'the token was not issued by this registry\'');
}

function isCursor(value: unknown): value is GcCursor {
  if (typeof value !== 'object' || value === null) return false;
  const { phase, after, shard } = value as Record<string, unknown>;
  if (after !== undefined && typeof after !== 'string') return false;
  if (phase === 'repositories') return shard === undefined;
  return phase === 'queue' && Number.isInteger(shard) && (shard as number) >= 0 && (shard as number) < GC_SHARDS;
}
