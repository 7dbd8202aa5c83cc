import type { LifecyclePolicy, LifecycleSelection } from './policy.js';
import { tagMatchesPattern } from './policy.js';

/** What the evaluator needs to know of an image. */
export interface LifecycleImage {
  digest: string;
  tags: string[];
  pushedAt: Date;
  /** Kept whatever the rules say: a child of a surviving index, or an artifact whose subject survives. */
  protected?: boolean;
}

const DAY_MS = 24 * 3600 * 1000;

function selects(selection: LifecycleSelection, image: LifecycleImage): boolean {
  if (selection.tagStatus === 'any') return true;
  if (selection.tagStatus === 'untagged') return image.tags.length === 0;
  if (image.tags.length === 0) return false;
  const prefixes = selection.tagPrefixList ?? [];
  const patterns = selection.tagPatternList ?? [];
  // With several prefixes or patterns, an image needs a tag for each of them, as in ECR.
  return prefixes.every((prefix) => image.tags.some((tag) => tag.startsWith(prefix)))
    && patterns.every((pattern) => image.tags.some((tag) => tagMatchesPattern(tag, pattern)));
}

/** An image a policy expires, and the rule that expires it. */
export interface LifecycleExpiration {
  digest: string;
  rulePriority: number;
}

/**
 * What a lifecycle policy expires, by ECR's evaluation rules: rules apply in
 * priority order; an image selected by a rule cannot be expired by a
 * lower-priority one, though lower rules still count it; count rules keep the
 * newest images and expire older ones; an image is expired by at most one rule.
 */
export function expirations(policy: LifecyclePolicy, images: LifecycleImage[], now: Date): LifecycleExpiration[] {
  const claimed = new Set<string>();
  const expired = new Map<string, number>();
  for (const rule of policy.rules) {
    const { selection } = rule;
    const matching = images.filter((image) => selects(selection, image));
    const newestFirst = [...matching].sort((a, b) => b.pushedAt.getTime() - a.pushedAt.getTime());
    const candidates = selection.countType === 'imageCountMoreThan'
      ? newestFirst.slice(selection.countNumber)
      : newestFirst.filter((image) => now.getTime() - image.pushedAt.getTime() > selection.countNumber * DAY_MS);
    for (const image of candidates) {
      if (!claimed.has(image.digest) && !image.protected) expired.set(image.digest, rule.rulePriority);
    }
    for (const image of matching) claimed.add(image.digest);
  }
  return [...expired].map(([digest, rulePriority]) => ({ digest, rulePriority }));
}

/** The digests a lifecycle policy expires (see expirations). */
export function imagesToExpire(policy: LifecyclePolicy, images: LifecycleImage[], now: Date): string[] {
  return expirations(policy, images, now).map((expiration) => expiration.digest);
}
