import { describe, expect, it } from 'vitest';
import { LifecyclePolicyError, parseLifecyclePolicy, tagMatchesPattern } from '../../lambdas/lifecycle/policy.js';

type Rule = Record<string, unknown>;

const expire = { type: 'expire' };
const keepTen: Rule = { rulePriority: 1, description: 'keep the ten newest releases', selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 10 }, action: expire };
const untaggedAfterTwoWeeks: Rule = { rulePriority: 2, description: 'expire untagged images after two weeks', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: expire };
const anyOver100: Rule = { rulePriority: 9, description: 'keep at most one hundred images of any kind', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }, action: expire };

/** A policy of these rules, padded past ECR's 100-character minimum. */
const text = (...rules: Rule[]) => JSON.stringify({ rules }).padEnd(100, ' ');
const withSelection = (rule: Rule, selection: Rule): Rule => ({ ...rule, selection: { ...(rule.selection as Rule), ...selection } });

function refusal(policyText: string): string {
  try {
    parseLifecyclePolicy(policyText);
  } catch (error) {
    expect(error).toBeInstanceOf(LifecyclePolicyError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${policyText}`);
}

describe('parsing lifecycle policies', () => {
  it('parses rules into typed rules ordered by rulePriority', () => {
    const parsed = parseLifecyclePolicy(text(anyOver100, untaggedAfterTwoWeeks, keepTen));
    expect(parsed.rules.map((rule) => rule.rulePriority)).toEqual([1, 2, 9]);
    expect(parsed.rules[0]).toEqual(keepTen);
    expect(parsed.rules[1]).toEqual(untaggedAfterTwoWeeks);
    expect(parsed.rules[2]).toEqual(anyOver100);
  });

  it('accepts tag patterns with up to four wildcards, and priorities that are not sequential', () => {
    const patterns = withSelection({ ...keepTen, rulePriority: 40 }, { tagPrefixList: undefined, tagPatternList: ['*test*1*2*3', 'test*1*2*3*', 'prod'] });
    const parsed = parseLifecyclePolicy(text(patterns, { ...untaggedAfterTwoWeeks, rulePriority: 7 }));
    expect(parsed.rules[1]!.selection).toEqual({ tagStatus: 'tagged', tagPatternList: ['*test*1*2*3', 'test*1*2*3*', 'prod'], countType: 'imageCountMoreThan', countNumber: 10 });
  });

  it.each([
    ['text that is not JSON', '{"rules": ['.padEnd(100, ' '), /not valid JSON/],
    ['a text shorter than 100 characters', JSON.stringify({ rules: [] }), /it must be 100 to 30720/],
    ['a text longer than 30720 characters', text(keepTen).padEnd(30_721, ' '), /30721 characters long/],
    ['a policy that is not an object', JSON.stringify([keepTen]).padEnd(100, ' '), /must be a JSON object/],
    ['an unknown top-level field', JSON.stringify({ rules: [keepTen], version: 1 }), /the policy has unknown field "version"/],
    ['no rules', '{}'.padEnd(100, ' '), /the policy has no "rules"/],
    ['a misspelt rules field', JSON.stringify({ rule: [] }).padEnd(100, ' '), /the policy has unknown field "rule"; expected rules/],
    ['rules that are not a list', JSON.stringify({ rules: keepTen }), /"rules" must be a list/],
    ['an empty rule list', JSON.stringify({ rules: [] }).padEnd(100, ' '), /at least one rule/],
    ['a rule without rulePriority', text({ ...keepTen, rulePriority: undefined }), /rules\[0\] has no rulePriority/],
    ['a rulePriority of 0', text({ ...keepTen, rulePriority: 0 }), /rules\[0\]\.rulePriority must be a positive integer, not 0/],
    ['a fractional rulePriority', text({ ...keepTen, rulePriority: 1.5 }), /must be a positive integer, not 1.5/],
    ['a rulePriority given as a string', text({ ...keepTen, rulePriority: '1' }), /must be a positive integer, not "1"/],
    ['duplicate priorities', text(keepTen, { ...untaggedAfterTwoWeeks, rulePriority: 1 }), /rules\[0\] and rules\[1\] have the same rulePriority 1/],
    ['an any rule that is not last', text({ ...anyOver100, rulePriority: 1 }, { ...untaggedAfterTwoWeeks, rulePriority: 2 }), /rules\[0\] \(rulePriority 1\) selects tagStatus "any", so it must have the highest rulePriority \(2 is higher\)/],
    ['two untagged rules', text(untaggedAfterTwoWeeks, { ...untaggedAfterTwoWeeks, rulePriority: 3 }), /only one rule may select untagged images/],
    ['a non-string description', text({ ...keepTen, description: 5 }), /rules\[0\] \(rulePriority 1\)\.description must be a string/],
    ['an unknown rule field', text({ ...keepTen, priority: 1 }), /rules\[0\] has unknown field "priority"/],
    ['no selection', text({ ...keepTen, selection: undefined }), /rules\[0\] \(rulePriority 1\) has no selection/],
    ['no tagStatus', text(withSelection(keepTen, { tagStatus: undefined })), /selection has no tagStatus/],
    ['an unknown tagStatus', text(withSelection(keepTen, { tagStatus: 'TAGGED' })), /selection\.tagStatus must be one of tagged, untagged, any, not "TAGGED"/],
    ['tagged without prefixes or patterns', text(withSelection(keepTen, { tagPrefixList: undefined })), /selects tagStatus "tagged", so it needs a tagPrefixList or a tagPatternList/],
    ['tagged with both prefixes and patterns', text(withSelection(keepTen, { tagPatternList: ['v*'] })), /has both tagPrefixList and tagPatternList/],
    ['an empty tagPrefixList', text(withSelection(keepTen, { tagPrefixList: [] })), /selection\.tagPrefixList must not be empty/],
    ['a tagPrefixList that is a string', text(withSelection(keepTen, { tagPrefixList: 'v' })), /tagPrefixList must be a list of strings/],
    ['a prefix with a wildcard', text(withSelection(keepTen, { tagPrefixList: ['v*'] })), /tagPrefixList\[0\]: "v\*" is not a tag prefix/],
    ['a pattern with five wildcards', text(withSelection(keepTen, { tagPrefixList: undefined, tagPatternList: ['ok', 'test*1*2*3*4*5'] })), /tagPatternList\[1\]: "test\*1\*2\*3\*4\*5" has 5 wildcards \(\*\); at most 4/],
    ['a pattern with a slash', text(withSelection(keepTen, { tagPrefixList: undefined, tagPatternList: ['a/b'] })), /"a\/b" is not a tag pattern/],
    ['untagged with prefixes', text(withSelection(untaggedAfterTwoWeeks, { tagPrefixList: ['v'] })), /has tagPrefixList, which applies only to tagStatus "tagged", not "untagged"/],
    ['any with patterns', text(withSelection(anyOver100, { tagPatternList: ['v*'] })), /has tagPatternList, which applies only to tagStatus "tagged", not "any"/],
    ['no countType', text(withSelection(keepTen, { countType: undefined })), /selection has no countType/],
    ['an unknown countType', text(withSelection(keepTen, { countType: 'imageCountLessThan' })), /countType must be one of imageCountMoreThan, sinceImagePushed/],
    ['sinceImagePushed without countUnit', text(withSelection(untaggedAfterTwoWeeks, { countUnit: undefined })), /countType sinceImagePushed, so it needs countUnit "days"/],
    ['a countUnit other than days', text(withSelection(untaggedAfterTwoWeeks, { countUnit: 'hours' })), /countUnit must be "days", not "hours"/],
    ['countUnit with imageCountMoreThan', text(withSelection(keepTen, { countUnit: 'days' })), /has countUnit, which applies only to countType sinceImagePushed, not imageCountMoreThan/],
    ['no countNumber', text(withSelection(keepTen, { countNumber: undefined })), /selection has no countNumber/],
    ['a countNumber of 0', text(withSelection(keepTen, { countNumber: 0 })), /countNumber must be a positive integer, not 0/],
    ['a negative countNumber', text(withSelection(keepTen, { countNumber: -3 })), /countNumber must be a positive integer, not -3/],
    ['an unknown selection field', text(withSelection(keepTen, { tagPrefixlist: ['v'] })), /selection has unknown field "tagPrefixlist"/],
    ['no action', text({ ...keepTen, action: undefined }), /rules\[0\] \(rulePriority 1\) has no action/],
    ['an action other than expire', text({ ...keepTen, action: { type: 'delete' } }), /action\.type must be "expire", not "delete"/],
    ['an action without type', text({ ...keepTen, action: {} }), /action has no type/],
    ['archive transitions', text({ ...keepTen, action: { type: 'transition', targetStorageClass: 'archive' } }), /targetStorageClass is not supported/],
    ['archive count types', text(withSelection(keepTen, { countType: 'sinceImagePulled' })), /countType sinceImagePulled is not supported/],
  ])('refuses %s', (_, policyText, message) => {
    expect(refusal(policyText)).toMatch(message);
  });
});

describe('tag patterns', () => {
  it('match with * standing for any run of characters', () => {
    expect(tagMatchesPattern('prod', 'prod*')).toBe(true);
    expect(tagMatchesPattern('prod-1.2', 'prod*')).toBe(true);
    expect(tagMatchesPattern('my-test-1-2-3', '*test*1*2*3')).toBe(true);
    expect(tagMatchesPattern('staging', 'prod*')).toBe(false);
    expect(tagMatchesPattern('Prod', 'prod')).toBe(false);
    expect(tagMatchesPattern('v1x2', 'v1.2')).toBe(false);
  });
});
