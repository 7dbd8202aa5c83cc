import { RetentionDays } from 'aws-cdk-lib/aws-logs';

/**
 * The deployment's settings as plain values: what `cdk.json`'s "context" or
 * `npx cdk deploy -c key=value` can say. lib/berth-stack.ts turns them into Registry props.
 */
export interface BerthSettings {
  stackName: string;
  domain?: {
    domainName: string;
    certificateArn?: string;
    hostedZone?: { id: string; name: string };
  };
  createOnPush?: boolean;
  tokenLifetimeSeconds?: number;
  tokenKeyRotationDays?: number;
  downloadUrlSeconds?: number;
  removalPolicy?: 'retain' | 'destroy';
  logRetentionDays?: RetentionDays;
  kmsKeyArn?: string;
  intelligentTiering?: boolean;
  throttle?: { rateLimit?: number; burstLimit?: number };
  serverErrorRatePercent?: number;
  alarmTopicArn?: string;
  /** `false` turns the upload gateway off; an object sets what differs from its defaults. */
  uploadGateway?: false | {
    domainName?: string;
    certificateArn?: string;
    minTasks?: number;
    maxTasks?: number;
  };
  reservedConcurrency?: { registry?: number; management?: number; jobs?: number; rotation?: number };
}

/** Every context key the app reads, with what it means; docs/deploying.md lists the same. */
export const CONTEXT_KEYS = [
  'stackName', 'domainName', 'certificateArn', 'hostedZoneId', 'hostedZoneName', 'createOnPush',
  'tokenLifetimeSeconds', 'tokenKeyRotationDays', 'downloadUrlSeconds', 'removalPolicy', 'logRetentionDays',
  'kmsKeyArn', 'intelligentTiering', 'throttleRateLimit', 'throttleBurstLimit', 'serverErrorRatePercent',
  'alarmTopicArn', 'uploadGateway', 'uploadGatewayDomainName', 'uploadGatewayCertificateArn', 'uploadGatewayMinTasks',
  'uploadGatewayMaxTasks', 'registryReservedConcurrency', 'managementReservedConcurrency', 'jobsReservedConcurrency',
  'rotationReservedConcurrency',
] as const;

/** The context key of each function's reserved concurrency. */
const RESERVED_CONCURRENCY_KEYS = {
  registry: 'registryReservedConcurrency',
  management: 'managementReservedConcurrency',
  jobs: 'jobsReservedConcurrency',
  rotation: 'rotationReservedConcurrency',
} as const satisfies Record<string, ContextKey>;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

export class SettingsError extends Error {
  override name = 'SettingsError';
}

type Lookup = (key: ContextKey) => unknown;

/**
 * Reads the settings from CDK context (values from `-c` arrive as strings, values from
 * cdk.json as JSON), and fails with the key to fix when one is wrong.
 */
export function settingsFromContext(lookup: Lookup): BerthSettings {
  const text = (key: ContextKey) => optionalText(lookup, key);
  const settings: BerthSettings = { stackName: text('stackName') ?? 'Berth' };

  const domainName = text('domainName');
  const certificateArn = text('certificateArn');
  const zoneId = text('hostedZoneId');
  const zoneName = text('hostedZoneName');
  if ((zoneId === undefined) !== (zoneName === undefined)) {
    throw new SettingsError('hostedZoneId and hostedZoneName go together: set both (the zone of domainName) or neither');
  }
  if (domainName === undefined && (certificateArn !== undefined || zoneId !== undefined)) {
    throw new SettingsError('certificateArn and hostedZoneId/hostedZoneName need domainName, the registry\'s host name');
  }
  if (domainName !== undefined) {
    checkHostName('domainName', domainName, 'registry.example.com');
    if (certificateArn !== undefined) checkCertificateArn('certificateArn', certificateArn);
    settings.domain = {
      domainName,
      ...(certificateArn === undefined ? {} : { certificateArn }),
      ...(zoneId !== undefined && zoneName !== undefined ? { hostedZone: { id: zoneId, name: zoneName } } : {}),
    };
  }

  assign(settings, 'createOnPush', optionalBoolean(lookup, 'createOnPush'));
  assign(settings, 'tokenLifetimeSeconds', optionalInteger(lookup, 'tokenLifetimeSeconds', 60, 604_800));
  assign(settings, 'tokenKeyRotationDays', optionalInteger(lookup, 'tokenKeyRotationDays', 1, 1000));
  assign(settings, 'downloadUrlSeconds', optionalInteger(lookup, 'downloadUrlSeconds', 1, 604_800));
  assign(settings, 'intelligentTiering', optionalBoolean(lookup, 'intelligentTiering'));
  assign(settings, 'serverErrorRatePercent', optionalNumber(lookup, 'serverErrorRatePercent', 0.01, 100));

  const removal = text('removalPolicy');
  if (removal !== undefined) {
    if (removal !== 'retain' && removal !== 'destroy') {
      throw new SettingsError(`removalPolicy must be retain or destroy, got ${JSON.stringify(removal)}`);
    }
    settings.removalPolicy = removal;
  }

  const retention = optionalInteger(lookup, 'logRetentionDays', 1, Number.MAX_SAFE_INTEGER);
  if (retention !== undefined) {
    const allowed = Object.values(RetentionDays).filter((value): value is RetentionDays => typeof value === 'number');
    if (!allowed.includes(retention)) {
      throw new SettingsError(`logRetentionDays must be one of CloudWatch Logs' retention periods (${allowed.join(', ')}), got ${retention}`);
    }
    settings.logRetentionDays = retention;
  }

  const kmsKeyArn = text('kmsKeyArn');
  if (kmsKeyArn !== undefined) {
    if (!/^arn:aws[\w-]*:kms:[\w-]+:\d{12}:key\/[\w-]+$/.test(kmsKeyArn)) {
      throw new SettingsError(`kmsKeyArn must be the ARN of a KMS key (not an alias), got ${JSON.stringify(kmsKeyArn)}`);
    }
    settings.kmsKeyArn = kmsKeyArn;
  }
  const alarmTopicArn = text('alarmTopicArn');
  if (alarmTopicArn !== undefined) {
    if (!/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]+$/.test(alarmTopicArn)) {
      throw new SettingsError(`alarmTopicArn must be the ARN of an SNS topic, got ${JSON.stringify(alarmTopicArn)}`);
    }
    settings.alarmTopicArn = alarmTopicArn;
  }

  const rateLimit = optionalInteger(lookup, 'throttleRateLimit', 1, 1_000_000);
  const burstLimit = optionalInteger(lookup, 'throttleBurstLimit', 1, 1_000_000);
  if (rateLimit !== undefined || burstLimit !== undefined) {
    settings.throttle = {
      ...(rateLimit === undefined ? {} : { rateLimit }),
      ...(burstLimit === undefined ? {} : { burstLimit }),
    };
  }
  assign(settings, 'uploadGateway', uploadGatewaySettings(lookup));
  const reserved = Object.entries(RESERVED_CONCURRENCY_KEYS)
    .map(([name, key]) => [name, optionalInteger(lookup, key, 1, 1_000_000)] as const)
    .filter(([, value]) => value !== undefined);
  if (reserved.length > 0) settings.reservedConcurrency = Object.fromEntries(reserved);
  return settings;
}

/** The upload gateway's keys: `uploadGateway=false` turns it off, the others tune it. */
function uploadGatewaySettings(lookup: Lookup): BerthSettings['uploadGateway'] {
  const enabled = optionalBoolean(lookup, 'uploadGateway');
  const tuned = {
    domainName: optionalText(lookup, 'uploadGatewayDomainName'),
    certificateArn: optionalText(lookup, 'uploadGatewayCertificateArn'),
    minTasks: optionalInteger(lookup, 'uploadGatewayMinTasks', 1, 1000),
    maxTasks: optionalInteger(lookup, 'uploadGatewayMaxTasks', 1, 1000),
  };
  const keys: Record<keyof typeof tuned, ContextKey> = {
    domainName: 'uploadGatewayDomainName',
    certificateArn: 'uploadGatewayCertificateArn',
    minTasks: 'uploadGatewayMinTasks',
    maxTasks: 'uploadGatewayMaxTasks',
  };
  const given = Object.entries(tuned).filter(([, value]) => value !== undefined);
  if (enabled === false) {
    if (given.length > 0) {
      const names = given.map(([name]) => keys[name as keyof typeof tuned]).join(' and ');
      throw new SettingsError(`uploadGateway=false turns the gateway off, so ${names} would do nothing: drop one or the other`);
    }
    return false;
  }
  if (tuned.domainName !== undefined) checkHostName(keys.domainName, tuned.domainName, 'uploads.registry.example.com');
  if (tuned.certificateArn !== undefined) checkCertificateArn(keys.certificateArn, tuned.certificateArn);
  if (tuned.minTasks !== undefined && tuned.maxTasks !== undefined && tuned.maxTasks < tuned.minTasks) {
    throw new SettingsError(`uploadGatewayMaxTasks (${tuned.maxTasks}) must be at least uploadGatewayMinTasks (${tuned.minTasks})`);
  }
  return given.length === 0 ? undefined : Object.fromEntries(given);
}

function checkHostName(key: ContextKey, value: string, example: string): void {
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(value)) {
    throw new SettingsError(`${key} must be a host name such as ${example}, got ${JSON.stringify(value)}`);
  }
}

function checkCertificateArn(key: ContextKey, value: string): void {
  if (!/^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/.test(value)) {
    throw new SettingsError(`${key} must be an ACM certificate ARN, got ${JSON.stringify(value)}`);
  }
}

function assign<K extends keyof BerthSettings>(settings: BerthSettings, key: K, value: BerthSettings[K] | undefined): void {
  if (value !== undefined) settings[key] = value;
}

function optionalText(lookup: Lookup, key: ContextKey): string | undefined {
  const value = lookup(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new SettingsError(`${key} must be a string, got ${JSON.stringify(value)}`);
  return value.trim() === '' ? undefined : value.trim();
}

function optionalBoolean(lookup: Lookup, key: ContextKey): boolean | undefined {
  const value = lookup(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new SettingsError(`${key} must be true or false, got ${JSON.stringify(value)}`);
}

function optionalNumber(lookup: Lookup, key: ContextKey, min: number, max: number): number | undefined {
  const value = lookup(key);
  if (value === undefined || value === null || value === '') return undefined;
  const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new SettingsError(`${key} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function optionalInteger(lookup: Lookup, key: ContextKey, min: number, max: number): number | undefined {
  const parsed = optionalNumber(lookup, key, min, max);
  if (parsed !== undefined && !Number.isInteger(parsed)) {
    throw new SettingsError(`${key} must be a whole number, got ${parsed}`);
  }
  return parsed;
}
