/**
 * ARNs this registry makes. Their partition (`aws`, `aws-cn`, `aws-us-gov`, ...) follows from
 * the region, as the SDK's partitions table has it: regions of other partitions are named
 * with a prefix of their own, and every other region is in `aws`.
 */
const PARTITION_REGIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/^cn-/, 'aws-cn'],
  [/^us-gov-/, 'aws-us-gov'],
  [/^us-iso-/, 'aws-iso'],
  [/^us-isob-/, 'aws-iso-b'],
  [/^eu-isoe-/, 'aws-iso-e'],
  [/^us-isof-/, 'aws-iso-f'],
  [/^eusc-/, 'aws-eusc'],
];

/** Where the registry lives: the account and region of its ARNs. */
export interface ArnOwner {
  accountId: string;
  region: string;
}

/** The partition of a region, e.g. `aws-cn` for cn-north-1. */
export function partitionOf(region: string): string {
  return PARTITION_REGIONS.find(([pattern]) => pattern.test(region))?.[1] ?? 'aws';
}

/** The ECR-style ARN of a repository; of every repository when `name` is empty, as a prefix. */
export function repositoryArn(owner: ArnOwner, name: string): string {
  return `arn:${partitionOf(owner.region)}:ecr:${owner.region}:${owner.accountId}:repository/${name}`;
}

/** The IAM ARN of a principal of the registry's account, e.g. `root` or `user/berth/ci`. */
export function principalArn(owner: ArnOwner, resource: string): string {
  return `arn:${partitionOf(owner.region)}:iam::${owner.accountId}:${resource}`;
}
