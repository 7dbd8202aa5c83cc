import type { RegistryEvent } from './registry-event.js';

/**
 * Berth's events on EventBridge, shaped like ECR's: the same detail-type and detail fields,
 * under a source of Berth's own (EventBridge reserves `aws.` for AWS services). A rule
 * matches them with `{"source": ["berth.registry"], "detail-type": ["ECR Image Action"]}`.
 */
export const EVENT_SOURCE = 'berth.registry';
export const IMAGE_ACTION = 'ECR Image Action';
/** ECR announces no repository changes; Berth does, in the same style. */
export const REPOSITORY_ACTION = 'Berth Repository Action';

export interface EventBridgeEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Time: Date;
}

/** An event as a rule's target receives it (EventBridge adds id, account, region, resources). */
export interface ReceivedEvent {
  id: string;
  source: string;
  'detail-type': string;
  time: string;
  detail: Record<string, unknown>;
}

export function entryOf(event: RegistryEvent): EventBridgeEntry {
  const detail = event.kind === 'repository'
    ? { result: 'SUCCESS', 'action-type': event.action, 'repository-name': event.repository }
    : {
      result: 'SUCCESS',
      'action-type': event.action,
      'repository-name': event.repository,
      'image-digest': event.digest,
      ...(event.tag === undefined ? {} : { 'image-tag': event.tag }),
      ...(event.manifest ? {
        'manifest-media-type': event.manifest.mediaType,
        ...(event.manifest.artifactMediaType ? { 'artifact-media-type': event.manifest.artifactMediaType } : {}),
        // Not in ECR's events: what distribution's webhooks report as the target's size.
        'manifest-size': event.manifest.size,
      } : {}),
      // Not in ECR's events either: whether a user, a lifecycle policy or a repository's deletion removed it.
      ...(event.cause === undefined ? {} : { 'delete-cause': event.cause }),
    };
  return {
    Source: EVENT_SOURCE,
    DetailType: event.kind === 'repository' ? REPOSITORY_ACTION : IMAGE_ACTION,
    Detail: JSON.stringify(detail),
    Time: new Date(event.time),
  };
}

/** The registry event a rule delivered; undefined for anything else. */
export function eventOf(received: ReceivedEvent): RegistryEvent | undefined {
  if (received.source !== EVENT_SOURCE) return undefined;
  const detail = received.detail;
  const text = (field: string) => (typeof detail[field] === 'string' ? detail[field] : undefined);
  const repository = text('repository-name');
  const action = text('action-type');
  if (repository === undefined) return undefined;
  const header = { id: received.id, time: received.time, repository };
  if (received['detail-type'] === REPOSITORY_ACTION && (action === 'CREATE' || action === 'DELETE')) {
    return { ...header, kind: 'repository', action };
  }
  const digest = text('image-digest');
  if (received['detail-type'] !== IMAGE_ACTION || (action !== 'PUSH' && action !== 'DELETE') || digest === undefined) return undefined;
  const tag = text('image-tag');
  const mediaType = text('manifest-media-type');
  const artifactMediaType = text('artifact-media-type');
  const cause = text('delete-cause');
  return {
    ...header, kind: 'image', action, digest,
    ...(tag === undefined ? {} : { tag }),
    ...(cause === 'user' || cause === 'lifecycle' || cause === 'repository' ? { cause } : {}),
    ...(mediaType === undefined ? {} : {
      manifest: { mediaType, size: Number(detail['manifest-size'] ?? 0), ...(artifactMediaType === undefined ? {} : { artifactMediaType }) },
    }),
  };
}
