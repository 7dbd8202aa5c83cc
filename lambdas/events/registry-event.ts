/**
 * A change to the registry, as Berth announces it: on an EventBridge bus in ECR's shape
 * (./eventbridge-format.ts) and to webhooks in distribution's (../webhooks/envelope.ts).
 */
export type RegistryEvent = ImageEvent | RepositoryEvent;

/** Why an image went: a user's delete, its lifecycle policy, or its repository's deletion. */
export type DeleteCause = 'user' | 'lifecycle' | 'repository';

/** ECR's `ECR Image Action`: an image (under a tag, if any) pushed or deleted. */
export interface ImageEvent {
  kind: 'image';
  /** Unique per event, so that receivers can drop repeats of an at-least-once delivery. */
  id: string;
  time: string;
  action: 'PUSH' | 'DELETE';
  repository: string;
  digest: string;
  tag?: string;
  /** What a push stored; ECR's delete events carry neither. */
  manifest?: { mediaType: string; size: number; artifactMediaType?: string };
  cause?: DeleteCause;
}

/** A repository created (by CreateRepository or on push) or deleted. */
export interface RepositoryEvent {
  kind: 'repository';
  id: string;
  time: string;
  action: 'CREATE' | 'DELETE';
  repository: string;
}
