/**
 * Lifecycle policies as Amazon ECR defines them: rules that select images by tag
 * status and by count or age, and expire them. Berth validates them here;
 * evaluate.ts decides what they expire.
 *
 * Pure functions; an invalid document is a LifecyclePolicyError saying which rule
 * and field is wrong, which the management API answers as InvalidParameterException.
 */

import { globMatches } from '../auth/glob.js';

/** PutLifecyclePolicy's `lifecyclePolicyText` length constraint in ECR's API model. */
export const LIFECYCLE_POLICY_LENGTH = { min: 100, max: 30_720 } as const;
/** Wildcards (`*`) allowed in one tagPatternList entry. */
export const MAX_PATTERN_WILDCARDS = 4;
/** Image tags are at most 128 characters; so are prefixes and patterns of them. */
const TAG_PREFIX = /^[A-Za-z0-9_.-]{1,128}$/;
const TAG_PATTERN = /^[A-Za-z0-9_.*-]{1,128}$/;
/** countNumber and rulePriority are Java ints in ECR. */
const MAX_INTEGER = 2_147_483_647;

export class LifecyclePolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LifecyclePolicyError';
  }
}

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed';

export interface LifecycleSelection {
  tagStatus: TagStatus;
  /** Only for `tagged`: every prefix must match one of the image's tags. */
  tagPrefixList?: string[];
  /** Only for `tagged`: every pattern (with `*` wildcards) must match one of the image's tags. */
  tagPatternList?: string[];
  countType: CountType;
  /** Only, and always, for sinceImagePushed. */
  countUnit?: 'days';
  countNumber: number;
}

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: LifecycleSelection;
  action: { type: 'expire' };
}

export interface LifecyclePolicy {
  /** In the order they apply: by rulePriority, lowest first. */
  rules: LifecycleRule[];
}

const POLICY_KEYS = ['rules'];
const RULE_KEYS = ['rulePriority', 'description', 'selection', 'action'];
const SELECTION_KEYS = ['tagStatus', 'tagPrefixList', 'tagPatternList', 'countType', 'countUnit', 'countNumber'];
const ACTION_KEYS = ['type'];
const TAG_STATUSES: readonly TagStatus[] = ['tagged', 'untagged', 'any'];
const COUNT_TYPES: readonly CountType[] = ['imageCountMoreThan', 'sinceImagePushed'];
/** Parts of ECR's newer archive feature, which Berth has no storage class for. */
const UNSUPPORTED = new Set(['storageClass', 'targetStorageClass', 'sinceImagePulled', 'sinceImageTransitioned', 'transition']);

/** Parses and validates a lifecycle policy; throws LifecyclePolicyError naming the rule and field that are wrong. */
export function parseLifecyclePolicy(text: string): LifecyclePolicy {
  if (text.length < LIFECYCLE_POLICY_LENGTH.min || text.length > LIFECYCLE_POLICY_LENGTH.max) {
    fail(`the policy is ${text.length} characters long; it must be ${LIFECYCLE_POLICY_LENGTH.min} to ${LIFECYCLE_POLICY_LENGTH.max}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    fail(`the policy is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(document)) fail('the policy must be a JSON object with "rules"');
  onlyKeys(document, POLICY_KEYS, 'the policy');
  if (document.rules === undefined) fail('the policy has no "rules"');
  if (!Array.isArray(document.rules)) fail('"rules" must be a list of rules');
  if (document.rules.length === 0) fail('"rules" must have at least one rule');

  const rules = document.rules.map((rule, index) => parseRule(rule, index));

  const byPriority = new Map<number, number>();
  rules.forEach((rule, index) => {
    const earlier = byPriority.get(rule.rulePriority);
    if (earlier !== undefined) fail(`rules[${earlier}] and rules[${index}] have the same rulePriority ${rule.rulePriority}; each rule needs a unique rulePriority`);
    byPriority.set(rule.rulePriority, index);
  });
  const highest = Math.max(...rules.map((rule) => rule.rulePriority));
  rules.forEach((rule, index) => {
    if (rule.selection.tagStatus === 'any' && rule.rulePriority !== highest) {
      fail(`rules[${index}] (rulePriority ${rule.rulePriority}) selects tagStatus "any", so it must have the highest rulePriority (${highest} is higher)`);
    }
  });
  const untagged = rules.flatMap((rule, index) => (rule.selection.tagStatus === 'untagged' ? [index] : []));
  if (untagged.length > 1) {
    fail(`rules[${untagged[0]}] and rules[${untagged[1]}] both select tagStatus "untagged"; only one rule may select untagged images`);
  }
  return { rules: [...rules].sort((a, b) => a.rulePriority - b.rulePriority) };
}

function parseRule(value: unknown, index: number): LifecycleRule {
  const where = `rules[${index}]`;
  if (!isObject(value)) fail(`${where} must be an object`);
  onlyKeys(value, RULE_KEYS, where);
  const rulePriority = value.rulePriority;
  if (rulePriority === undefined) fail(`${where} has no rulePriority`);
  if (!isPositiveInteger(rulePriority)) fail(`${where}.rulePriority must be a positive integer, not ${JSON.stringify(rulePriority)}`);
  const name = `${where} (rulePriority ${rulePriority})`;
  const description = value.description;
  if (description !== undefined && typeof description !== 'string') fail(`${name}.description must be a string`);
  const selection = parseSelection(value.selection, name);
  const action = parseAction(value.action, name);
  return { rulePriority, ...(description === undefined ? {} : { description }), selection, action };
}

function parseSelection(value: unknown, name: string): LifecycleSelection {
  const where = `${name}.selection`;
  if (value === undefined) fail(`${name} has no selection`);
  if (!isObject(value)) fail(`${where} must be an object`);
  onlyKeys(value, SELECTION_KEYS, where);

  const { tagStatus, tagPrefixList, tagPatternList, countType, countUnit, countNumber } = value;
  if (tagStatus === undefined) fail(`${where} has no tagStatus`);
  if (!TAG_STATUSES.includes(tagStatus as TagStatus)) fail(`${where}.tagStatus must be one of ${TAG_STATUSES.join(', ')}, not ${JSON.stringify(tagStatus)}`);
  let tags: Pick<LifecycleSelection, 'tagPrefixList' | 'tagPatternList'> = {};
  if (tagStatus === 'tagged') {
    if (tagPrefixList === undefined && tagPatternList === undefined) fail(`${where} selects tagStatus "tagged", so it needs a tagPrefixList or a tagPatternList`);
    if (tagPrefixList !== undefined && tagPatternList !== undefined) fail(`${where} has both tagPrefixList and tagPatternList; give only one`);
    tags = tagPrefixList !== undefined
      ? {
        tagPrefixList: tagList(tagPrefixList, `${where}.tagPrefixList`, (prefix, at) => {
          if (!TAG_PREFIX.test(prefix)) fail(`${at}: ${JSON.stringify(prefix)} is not a tag prefix (1 to 128 of A-Z a-z 0-9 _ . -)`);
        }),
      }
      : {
        tagPatternList: tagList(tagPatternList, `${where}.tagPatternList`, (pattern, at) => {
          if (!TAG_PATTERN.test(pattern)) fail(`${at}: ${JSON.stringify(pattern)} is not a tag pattern (1 to 128 of A-Z a-z 0-9 _ . - and the wildcard *)`);
          const wildcards = pattern.split('*').length - 1;
          if (wildcards > MAX_PATTERN_WILDCARDS) fail(`${at}: ${JSON.stringify(pattern)} has ${wildcards} wildcards (*); at most ${MAX_PATTERN_WILDCARDS} are allowed`);
        }),
      };
  } else {
    if (tagPrefixList !== undefined) fail(`${where} has tagPrefixList, which applies only to tagStatus "tagged", not "${tagStatus}"`);
    if (tagPatternList !== undefined) fail(`${where} has tagPatternList, which applies only to tagStatus "tagged", not "${tagStatus}"`);
  }

  if (countType === undefined) fail(`${where} has no countType`);
  if (typeof countType === 'string' && UNSUPPORTED.has(countType)) fail(`${where}.countType ${countType} is not supported; Berth has no image archive`);
  if (!COUNT_TYPES.includes(countType as CountType)) fail(`${where}.countType must be one of ${COUNT_TYPES.join(', ')}, not ${JSON.stringify(countType)}`);
  if (countType === 'sinceImagePushed') {
    if (countUnit === undefined) fail(`${where} has countType sinceImagePushed, so it needs countUnit "days"`);
    if (countUnit !== 'days') fail(`${where}.countUnit must be "days", not ${JSON.stringify(countUnit)}`);
  } else if (countUnit !== undefined) {
    fail(`${where} has countUnit, which applies only to countType sinceImagePushed, not ${countType}`);
  }
  if (countNumber === undefined) fail(`${where} has no countNumber`);
  if (!isPositiveInteger(countNumber)) fail(`${where}.countNumber must be a positive integer, not ${JSON.stringify(countNumber)}`);

  return {
    tagStatus: tagStatus as TagStatus,
    ...tags,
    countType: countType as CountType,
    ...(countType === 'sinceImagePushed' ? { countUnit: 'days' as const } : {}),
    countNumber,
  };
}

function parseAction(value: unknown, name: string): { type: 'expire' } {
  const where = `${name}.action`;
  if (value === undefined) fail(`${name} has no action`);
  if (!isObject(value)) fail(`${where} must be an object`);
  onlyKeys(value, ACTION_KEYS, where);
  if (value.type === undefined) fail(`${where} has no type`);
  if (typeof value.type === 'string' && UNSUPPORTED.has(value.type)) fail(`${where}.type ${value.type} is not supported; Berth has no image archive`);
  if (value.type !== 'expire') fail(`${where}.type must be "expire", not ${JSON.stringify(value.type)}`);
  return { type: 'expire' };
}

function tagList(value: unknown, where: string, check: (entry: string, at: string) => void): string[] {
  if (!Array.isArray(value)) fail(`${where} must be a list of strings`);
  if (value.length === 0) fail(`${where} must not be empty`);
  value.forEach((entry, index) => {
    if (typeof entry !== 'string') fail(`${where}[${index}] must be a string, not ${JSON.stringify(entry)}`);
    check(entry, `${where}[${index}]`);
  });
  return value as string[];
}

function onlyKeys(value: Record<string, unknown>, allowed: string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    if (UNSUPPORTED.has(key)) fail(`${where}.${key} is not supported; Berth has no image archive`);
    fail(`${where} has unknown field ${JSON.stringify(key)}; expected ${allowed.join(', ')}`);
  }
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_INTEGER;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new LifecyclePolicyError(message);
}

/**
 * Whether an image tag matches a tagPatternList entry: `*` stands for any run of
 * characters (possibly none), everything else for itself; matching is case-sensitive.
 * Exported for the evaluator to come.
 */
export function tagMatchesPattern(tag: string, pattern: string): boolean {
  return globMatches(pattern, tag);
}
