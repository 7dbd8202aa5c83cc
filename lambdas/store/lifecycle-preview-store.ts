import type { TagStatusFilter } from './metadata-store.js';
import type { Page } from './records.js';

/** A repository's last lifecycle policy preview (StartLifecyclePolicyPreview), without its results. */
export interface LifecyclePreviewRecord {
  /** Names this preview's results apart from an earlier one's. */
  previewId: string;
  lifecyclePolicyText: string;
  expiringImageTotalCount: number;
  createdAt: string;
  /** Epoch seconds: the preview is gone after this (TTL removes its items later). */
  expiresAt: number;
}

/** An image the preview would expire, and the rule that would. */
export interface LifecyclePreviewResultRecord {
  digest: string;
  tags: string[];
  pushedAt: string;
  rulePriority: number;
}

/** Lifecycle policy previews: one per repository, replaced by the next, its results paged in digest order. */
export interface LifecyclePreviewStore {
  /**
   * Makes this the repository's preview, with its results, and drops the one it replaces.
   * False, writing nothing that is read, when the repository does not exist or is being deleted.
   */
  save(repository: string, preview: LifecyclePreviewRecord, results: LifecyclePreviewResultRecord[]): Promise<boolean>;
  get(repository: string): Promise<LifecyclePreviewRecord | undefined>;
  /** Results in digest order, strictly after `after`; optionally only those with tags, or without. */
  listResults(repository: string, previewId: string, after: string | undefined, limit: number, filter?: TagStatusFilter): Promise<Page<LifecyclePreviewResultRecord>>;
}
