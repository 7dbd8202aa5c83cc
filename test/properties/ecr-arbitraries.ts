import fc from 'fast-check';
import { ACTIONS } from '../../lambdas/management/actions/index.js';
import { BERTH_ACTIONS } from '../../lambdas/management/actions/berth-actions.js';
import { BERTH_TARGET_PREFIX, ECR_TARGET_PREFIX } from '../../lambdas/management/app.js';

/** What the registry holds before the properties run, so that requests also name existing things. */
export interface EcrSeed {
  /** Getters: a request may change the seeded repository past repair, and the seed then moves to a fresh one. */
  repository: () => string;
  repositoryArn: () => string;
  accountId: string;
  tag: string;
  manifest: { digest: string; mediaType: string; text: string };
  layerDigests: string[];
}

/** A management request: its X-Amz-Target and its body as sent. */
export interface EcrRequest {
  target: string;
  body: string;
}

const anyText = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
const long = (min: number, max: number) => fc.integer({ min, max }).map((length) => 'a'.repeat(length));
const hex = (bytes: number) => fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((value) => Buffer.from(value).toString('hex'));
/** What a header value can carry: printable ASCII, without the whitespace HTTP trims. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) }).map((text) => text.trim());
/** A value of the wrong type for any field. */
const wrongType = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.array(fc.anything(), { maxLength: 3 }), fc.object({ maxDepth: 2 }));

/** Mostly what the field expects, sometimes a wrong type, a huge string or free text. */
function field<T>(expected: fc.Arbitrary<T>) {
  return fc.oneof({ arbitrary: expected, weight: 16 }, { arbitrary: wrongType, weight: 1 }, { arbitrary: anyText, weight: 1 }, { arbitrary: long(1000, 20_000), weight: 1 });
}

function values(seed: EcrSeed) {
  const component = fc.stringMatching(/^[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,8}){0,2}$/);
  const name = fc.oneof(
    { arbitrary: fc.constant(null).map(() => seed.repository()), weight: 4 },
    { arbitrary: fc.array(component, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')), weight: 2 },
    fc.constantFrom('UPPER/case', '..', 'a//b', '/a', 'a/', '-a', '', 'props', 'props/'),
    long(257, 400),
    anyText,
  );
  const digest = fc.oneof(
    fc.constantFrom(seed.manifest.digest, ...seed.layerDigests),
    hex(32).map((value) => `sha256:${value}`),
    fc.constantFrom('sha256:', 'sha256:XYZ', 'md5:d41d8cd98f00b204e9800998ecf8427e', ':'),
    anyText,
  );
  const tag = fc.oneof(fc.constant(seed.tag), fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,20}$/), long(129, 400), anyText);
  const imageId = fc.record({ imageTag: field(tag), imageDigest: field(digest) }, { requiredKeys: [] });
  const arn = fc.oneof(
    fc.constant(null).map(() => seed.repositoryArn()),
    name.map((repository) => `arn:aws:ecr:us-east-1:${seed.accountId}:repository/${repository}`),
    fc.constantFrom('arn:aws:ecr:::', 'arn:aws:iam::123456789012:root', `arn:aws:ecr:us-east-1:${seed.accountId}:repository/`),
    anyText,
  );
  const statement = fc.record({
    Sid: anyText,
    Effect: fc.oneof(fc.constantFrom('Allow', 'Deny'), anyText),
    Principal: fc.oneof(fc.constant('*'), fc.record({ AWS: fc.oneof(fc.constant('*'), arn, fc.array(arn, { maxLength: 2 })) }), wrongType),
    Action: fc.oneof(fc.constantFrom('ecr:*', '*', 'ecr:BatchGetImage', 'ecr:Put*', 'ecr:*a*b*c*d*e*f*g*h*'), fc.array(anyText, { maxLength: 3 }), wrongType),
    NotAction: fc.constantFrom('ecr:DeleteRepository', '*'),
    Resource: fc.oneof(fc.constant('*'), arn, fc.array(arn, { maxLength: 2 })),
    NotResource: arn,
    Condition: fc.oneof(fc.constant({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }), wrongType),
  }, { requiredKeys: [] });
  const policy = fc.oneof(
    fc.record({ Version: fc.oneof(fc.constant('2012-10-17'), anyText), Statement: fc.oneof(fc.array(statement, { maxLength: 3 }), statement, wrongType) }, { requiredKeys: [] })
      .map((document) => JSON.stringify(document)),
    fc.json(),
    anyText,
  );
  const lifecycleRule = fc.record({
    rulePriority: fc.oneof(fc.integer({ min: -1, max: 1000 }), wrongType),
    description: anyText,
    selection: fc.record({
      tagStatus: fc.oneof(fc.constantFrom('tagged', 'untagged', 'any'), anyText),
      tagPrefixList: fc.array(anyText, { maxLength: 2 }),
      tagPatternList: fc.array(fc.oneof(fc.constantFrom('*', 'v*', '*a*b*c*d*'), anyText), { maxLength: 2 }),
      countType: fc.oneof(fc.constantFrom('imageCountMoreThan', 'sinceImagePushed'), anyText),
      countUnit: fc.oneof(fc.constant('days'), anyText),
      countNumber: fc.oneof(fc.integer({ min: -1, max: 2 ** 31 }), wrongType),
    }, { requiredKeys: [] }),
    action: fc.record({ type: fc.oneof(fc.constant('expire'), anyText) }, { requiredKeys: [] }),
  }, { requiredKeys: [] });
  const lifecyclePolicy = fc.oneof(
    fc.record({ rules: fc.oneof(fc.array(lifecycleRule, { maxLength: 3 }), wrongType) }, { requiredKeys: [] }).map((document) => JSON.stringify(document)),
    fc.json(),
    anyText,
  );
  const resourceTag = fc.record({ Key: field(fc.oneof(fc.stringMatching(/^[a-z]{1,10}$/), long(129, 300))), Value: field(anyText) }, { requiredKeys: [] });
  const mediaType = fc.oneof(fc.constantFrom(seed.manifest.mediaType, 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'), anyText);

  // Every field an action of either prefix reads, each with values of its own shape.
  return {
    registryId: fc.oneof(fc.constant(seed.accountId), fc.stringMatching(/^[0-9]{12}$/), anyText),
    repositoryName: name,
    repositoryNames: fc.array(name, { maxLength: 4 }),
    registryIds: fc.array(fc.oneof(fc.constant(seed.accountId), anyText), { maxLength: 2 }),
    imageIds: fc.array(fc.oneof(imageId, wrongType), { maxLength: 4 }),
    imageTag: tag,
    imageDigest: digest,
    imageManifest: fc.oneof(fc.constant(seed.manifest.text), fc.json(), anyText, long(10_000, 100_000)),
    imageManifestMediaType: mediaType,
    acceptedMediaTypes: fc.array(mediaType, { maxLength: 3 }),
    layerDigests: fc.array(digest, { maxLength: 4 }),
    layerDigest: digest,
    digest,
    size: fc.oneof(fc.nat(), fc.constantFrom(-1, 2 ** 53, 1e308, 5 * 1024 ** 4 + 1)),
    uploadId: fc.oneof(fc.uuid(), anyText, long(65, 200)),
    parts: fc.array(fc.record({ partNumber: fc.integer(), etag: anyText }, { requiredKeys: [] }), { maxLength: 3 }),
    resourceArn: arn,
    tags: fc.array(fc.oneof(resourceTag, wrongType), { maxLength: 4 }),
    tagKeys: fc.array(fc.oneof(fc.stringMatching(/^[a-z]{1,10}$/), anyText), { maxLength: 3 }),
    resourceTags: fc.array(resourceTag, { maxLength: 3 }),
    policyText: policy,
    repositoryPolicy: policy,
    lifecyclePolicyText: lifecyclePolicy,
    lifecyclePolicy,
    force: fc.boolean(),
    maxResults: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.constant(2 ** 53)),
    nextToken: fc.oneof(fc.base64String({ maxLength: 200 }), anyText),
    filter: fc.record({ tagStatus: fc.oneof(fc.constantFrom('TAGGED', 'UNTAGGED', 'ANY'), anyText), imageStatus: anyText }, { requiredKeys: [] }),
    imageTagMutability: fc.oneof(fc.constantFrom('MUTABLE', 'IMMUTABLE', 'MUTABLE_WITH_EXCLUSION', 'IMMUTABLE_WITH_EXCLUSION'), anyText),
    imageTagMutabilityExclusionFilters: fc.array(fc.record({
      filterType: fc.oneof(fc.constant('WILDCARD'), anyText),
      filter: fc.oneof(fc.constantFrom('*', 'v*', 'a*b*c*d*e*f*g*h*i*j*k*'), anyText, long(129, 300)),
    }, { requiredKeys: [] }), { maxLength: 3 }),
    imageScanningConfiguration: fc.record({ scanOnPush: fc.oneof(fc.boolean(), wrongType) }, { requiredKeys: [] }),
    encryptionConfiguration: fc.record({ encryptionType: fc.oneof(fc.constantFrom('AES256', 'KMS', 'KMS_DSSE'), anyText), kmsKey: anyText }, { requiredKeys: [] }),
    prefix: fc.oneof(fc.constantFrom('ROOT', 'props', 'props/', 'team/'), name, anyText),
    prefixes: fc.array(fc.oneof(fc.constantFrom('ROOT', 'props'), anyText), { maxLength: 3 }),
    appliedFor: fc.array(fc.oneof(fc.constantFrom('REPLICATION', 'PULL_THROUGH_CACHE', 'CREATE_ON_PUSH'), anyText), { maxLength: 4 }),
    description: anyText,
    customRoleArn: fc.oneof(arn, anyText),
    principalName: fc.oneof(fc.stringMatching(/^[a-zA-Z0-9+=,.@_-]{1,64}$/), anyText, long(65, 300)),
    accessKeyId: fc.oneof(fc.stringMatching(/^[A-Z0-9]{16,20}$/), anyText, long(129, 300)),
  };
}


const FIELD_NAMES = Object.keys(values({ repository: () => '', repositoryArn: () => '', accountId: '', tag: '', manifest: { digest: '', mediaType: '', text: '' }, layerDigests: [] }));

/** The fields each action reads, so that most bodies get past the first missing one. */
const FIELDS_OF: Record<string, string[]> = {
  CreateRepository: ['repositoryName', 'tags', 'imageTagMutability', 'imageTagMutabilityExclusionFilters', 'imageScanningConfiguration', 'encryptionConfiguration'],
  DescribeRepositories: ['registryId', 'repositoryNames', 'maxResults', 'nextToken'],
  DeleteRepository: ['registryId', 'repositoryName', 'force'],
  PutImageTagMutability: ['repositoryName', 'imageTagMutability', 'imageTagMutabilityExclusionFilters'],
  TagResource: ['resourceArn', 'tags'],
  UntagResource: ['resourceArn', 'tagKeys'],
  ListTagsForResource: ['resourceArn'],
  ListImages: ['repositoryName', 'filter', 'maxResults', 'nextToken'],
  DescribeImages: ['repositoryName', 'imageIds', 'filter', 'maxResults', 'nextToken'],
  BatchGetImage: ['repositoryName', 'imageIds', 'acceptedMediaTypes'],
  BatchDeleteImage: ['repositoryName', 'imageIds'],
  PutImage: ['repositoryName', 'imageManifest', 'imageManifestMediaType', 'imageTag', 'imageDigest'],
  BatchCheckLayerAvailability: ['repositoryName', 'layerDigests'],
  GetDownloadUrlForLayer: ['repositoryName', 'layerDigest'],
  GetRepositoryPolicy: ['repositoryName'],
  SetRepositoryPolicy: ['repositoryName', 'policyText', 'force'],
  DeleteRepositoryPolicy: ['repositoryName'],
  PutLifecyclePolicy: ['repositoryName', 'lifecyclePolicyText'],
  GetLifecyclePolicy: ['repositoryName'],
  DeleteLifecyclePolicy: ['repositoryName'],
  DescribeRegistry: ['registryId'],
  GetAuthorizationToken: ['registryIds'],
  CreateRepositoryCreationTemplate: ['prefix', 'appliedFor', 'description', 'customRoleArn', 'resourceTags', 'repositoryPolicy', 'lifecyclePolicy', 'imageTagMutability', 'encryptionConfiguration'],
  DescribeRepositoryCreationTemplates: ['prefixes', 'maxResults', 'nextToken'],
  UpdateRepositoryCreationTemplate: ['prefix', 'appliedFor', 'description', 'repositoryPolicy', 'lifecyclePolicy', 'imageTagMutability'],
  DeleteRepositoryCreationTemplate: ['prefix'],
  CreateAccessKey: ['principalName', 'policyText'],
  ListAccessKeys: [],
  DeleteAccessKey: ['accessKeyId'],
  InitiateBlobUpload: ['repositoryName', 'digest', 'size'],
  CompleteBlobUpload: ['repositoryName', 'uploadId', 'parts'],
};

/** Real actions of both prefixes mostly; also unknown ones, names of Object's own members, and other targets. */
function targets() {
  const action = (prefix: string, names: string[]) => fc.constantFrom(...names).map((name) => ({ target: `${prefix}${name}`, action: name }));
  const other = (target: fc.Arbitrary<string>) => target.map((value) => ({ target: value, action: '' }));
  return fc.oneof(
    { arbitrary: action(ECR_TARGET_PREFIX, Object.keys(ACTIONS)), weight: 12 },
    { arbitrary: action(BERTH_TARGET_PREFIX, Object.keys(BERTH_ACTIONS)), weight: 3 },
    { arbitrary: other(fc.oneof(headerText, fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'InitiateLayerUpload')).map((name) => `${ECR_TARGET_PREFIX}${name}`)), weight: 1 },
    { arbitrary: other(fc.oneof(fc.constantFrom('', 'AmazonEC2ContainerRegistry_V20150921', 'Berth_V1.', 'DynamoDB_20120810.Scan'), headerText)), weight: 1 },
  );
}

type FieldValues = ReturnType<typeof values>;

/** A JSON object of the given fields, each mostly present (JSON leaves an undefined one out), of its own shape or of the wrong one. */
function objectOf(byField: FieldValues, fields: string[]) {
  const present = (name: string) => fc.option(field(byField[name as keyof FieldValues] as fc.Arbitrary<unknown>), { freq: 10, nil: undefined });
  return fc.record(Object.fromEntries(fields.map((name) => [name, present(name)]))).map((body) => JSON.stringify(body));
}

function bodies(byField: FieldValues, action: string) {
  return fc.oneof(
    { arbitrary: objectOf(byField, FIELDS_OF[action] ?? []), weight: 9 },
    { arbitrary: fc.subarray(FIELD_NAMES, { maxLength: 6 }).chain((fields) => objectOf(byField, fields)), weight: 2 },
    { arbitrary: fc.json(), weight: 1 },
    { arbitrary: fc.constantFrom('', 'null', '[]', '"text"', '{', '{"repositoryName":'), weight: 1 },
    { arbitrary: anyText, weight: 1 },
  );
}

/** Any request to the management API, as ECR tooling or `berth` would send it. */
export function ecrRequests(seed: EcrSeed): fc.Arbitrary<EcrRequest> {
  const byField = values(seed);
  return targets().chain(({ target, action }) => bodies(byField, action).map((body) => ({ target, body })));
}
