import { randomUUID } from 'node:crypto';
import type { EventSink } from './event-sink.js';
import { NO_EVENTS } from './event-sink.js';
import type { DeleteCause, RegistryEvent } from './registry-event.js';

/** What a pushed manifest is, as events describe it. */
export interface PushedManifest {
  digest: string;
  mediaType: string;
  size: number;
  /** The config's media type (ECR's artifact-media-type); absent for an index. */
  configMediaType?: string;
}

/**
 * Builds the events of each kind of change and hands them to the sink: the services that
 * make a change call one of these after it has committed. As ECR does, a change under
 * several tags is one event per tag, and an untagged image is one event without a tag.
 */
export class RegistryEvents {
  constructor(
    private readonly sink: EventSink,
    private readonly now: () => Date,
  ) {}

  imagePushed(repository: string, manifest: PushedManifest, tags: string[]): Promise<void> {
    return this.publish(perTag(tags, (tag) => ({
      ...this.header(), kind: 'image', action: 'PUSH', repository, digest: manifest.digest, ...tag,
      manifest: { mediaType: manifest.mediaType, size: manifest.size, ...(manifest.configMediaType ? { artifactMediaType: manifest.configMediaType } : {}) },
    })));
  }

  /** An image deleted with the tags it had. */
  imageDeleted(repository: string, digest: string, tags: string[], cause: DeleteCause): Promise<void> {
    return this.publish(perTag(tags, (tag) => ({ ...this.header(), kind: 'image', action: 'DELETE', repository, digest, ...tag, cause })));
  }

  /** A tag deleted; the image may stay, untagged. */
  tagDeleted(repository: string, tag: string, digest: string): Promise<void> {
    return this.imageDeleted(repository, digest, [tag], 'user');
  }

  repositoryCreated(repository: string): Promise<void> {
    return this.publish([{ ...this.header(), kind: 'repository', action: 'CREATE', repository }]);
  }

  repositoryDeleted(repository: string): Promise<void> {
    return this.publish([{ ...this.header(), kind: 'repository', action: 'DELETE', repository }]);
  }

  private header(): { id: string; time: string } {
    return { id: randomUUID(), time: this.now().toISOString() };
  }

  private publish(events: RegistryEvent[]): Promise<void> {
    return this.sink.publish(events);
  }
}

function perTag(tags: string[], event: (tag: { tag?: string }) => RegistryEvent): RegistryEvent[] {
  return tags.length === 0 ? [event({})] : tags.map((tag) => event({ tag }));
}

/** Events that go nowhere, for parts assembled without a sink. */
export function silentEvents(now: () => Date = () => new Date()): RegistryEvents {
  return new RegistryEvents(NO_EVENTS, now);
}
