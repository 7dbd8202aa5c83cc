import type { DeleteCause } from '../../events/registry-event.js';
import type { RegistryEvents } from '../../events/registry-events.js';
import type { DeleteRepositoryOptions, DeleteTagOptions, MetadataStore } from '../../store/metadata-store.js';
import type { RepositoryRecord } from '../../store/records.js';

const PAGE = 1000;

/**
 * Every way an image or a tag leaves the registry (a user's delete through either API,
 * lifecycle expiry, a repository's deletion) goes through here, which announces it once
 * the store has committed it.
 */
export class ImageDeletions {
  constructor(
    private readonly store: MetadataStore,
    private readonly events: RegistryEvents,
  ) {}

  /** MetadataStore.deleteManifest, announced: the tags it had, or undefined when it was not there. */
  async deleteImage(repository: string, digest: string, cause: DeleteCause): Promise<string[] | undefined> {
    const tags = await this.store.deleteManifest(repository, digest);
    if (tags) await this.events.imageDeleted(repository, digest, tags, cause);
    return tags;
  }

  /** MetadataStore.deleteTag, announced: the digest the tag pointed at, or undefined. */
  async deleteTag(repository: string, tag: string, options?: DeleteTagOptions): Promise<string | undefined> {
    const digest = await this.store.deleteTag(repository, tag, options);
    if (digest !== undefined) await this.events.tagDeleted(repository, tag, digest);
    return digest;
  }

  /**
   * MetadataStore.deleteRepository, announced with each image it held. The images are listed
   * before the delete begins (it stops pushes only once begun): an image pushed in between
   * goes with the repository unannounced, where a deleted repository's image would otherwise
   * be announced from nothing.
   */
  async deleteRepository(name: string, options: DeleteRepositoryOptions): Promise<RepositoryRecord | undefined> {
    const images = options.ifEmpty ? [] : await this.imagesOf(name);
    const deleted = await this.store.deleteRepository(name, options);
    if (!deleted) return undefined;
    for (const image of images) await this.events.imageDeleted(name, image.digest, image.tags, 'repository');
    await this.events.repositoryDeleted(name);
    return deleted;
  }

  private async imagesOf(name: string): Promise<{ digest: string; tags: string[] }[]> {
    const images: { digest: string; tags: string[] }[] = [];
    let after: string | undefined;
    do {
      const page = await this.store.listManifests(name, after, PAGE);
      images.push(...page.items.map(({ digest, tags }) => ({ digest, tags })));
      after = page.more ? page.items.at(-1)?.digest : undefined;
    } while (after !== undefined);
    return images;
  }
}
