import { describe, expect, it } from 'vitest';
import { imagesToExpire, type LifecycleImage } from '../../lambdas/lifecycle/evaluate.js';
import { parseLifecyclePolicy } from '../../lambdas/lifecycle/policy.js';

const NOW = new Date('2026-11-26T00:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 24 * 3600 * 1000);
const image = (digest: string, tags: string[], age: number, extra: Partial<LifecycleImage> = {}): LifecycleImage => ({ digest, tags, pushedAt: daysAgo(age), ...extra });
const policy = (...rules: object[]) => parseLifecyclePolicy(JSON.stringify({
  rules: rules.map((selection, index) => ({ rulePriority: index + 1, selection, action: { type: 'expire' } })),
}));

describe('lifecycle evaluation', () => {
  it('keeps the newest images of a count rule and expires the older ones', () => {
    const images = [image('a', ['v1'], 4), image('b', ['v2'], 3), image('c', ['v3'], 2), image('d', ['v4'], 1)];
    const rules = policy({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 2 });
    expect(imagesToExpire(rules, images, NOW).sort()).toEqual(['a', 'b']);
  });

  it('expires images pushed more than the given days ago', () => {
    const images = [image('old', [], 20), image('new', [], 2)];
    const rules = policy({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 });
    expect(imagesToExpire(rules, images, NOW)).toEqual(['old']);
  });

  it('lets an image selected by a higher-priority rule escape lower rules, which still count it', () => {
    const images = [image('prod-old', ['prod-1'], 30), image('dev-old', ['dev-1'], 20), image('dev-new', ['dev-2'], 1)];
    const rules = policy(
      { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 10 },
      { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
    );
    // The second rule keeps the newest (dev-new) and would expire both others, but prod-old belongs to rule 1.
    expect(imagesToExpire(rules, images, NOW)).toEqual(['dev-old']);
  });

  it('needs a matching tag for every prefix and pattern of a tagged rule', () => {
    const images = [image('both', ['release-1', 'stable'], 30), image('one', ['release-2'], 30)];
    const rules = policy({ tagStatus: 'tagged', tagPrefixList: ['release', 'stable'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 });
    expect(imagesToExpire(rules, images, NOW)).toEqual(['both']);
    const patterns = policy({ tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 });
    expect(imagesToExpire(patterns, images, NOW).sort()).toEqual(['both', 'one']);
  });

  it('never expires protected images (children of an index, artifacts of a subject)', () => {
    const images = [image('child', [], 30, { protected: true }), image('loose', [], 30), image('newest', [], 1)];
    const count = policy({ tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 });
    expect(imagesToExpire(count, images, NOW)).toEqual(['loose']);
    const all = policy({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 });
    expect(imagesToExpire(all, images, NOW)).toEqual(['loose']);
  });
});
