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
}

/** Every context key the app reads, with what it means; README's Deploy section lists the same. */
export const CONTEXT_KEYS = [
  'stackName', 'domainName', 'certificateArn', 'hostedZoneId', 'hostedZoneName', 'createOnPush',
  'tokenLifetimeSeconds', 'tokenKeyRotationDays', 'downloadUrlSeconds', 'removalPolicy', 'logRetentionDays',
  'kmsKeyArn', 'intelligentTiering', 'throttleRateLimit', 'throttleBurstLimit', 'serverErrorRatePercent',
  'alarmTopicArn',
] as const;

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
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(domainName)) {
      throw new SettingsError(`domainName must be a host name such as registry.example.com, got ${JSON.stringify(domainName)}`);
    }
    if (certificateArn !== undefined && !/^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
      throw new SettingsError(`certificateArn must be an ACM certificate ARN, got ${JSON.stringify(certificateArn)}`);
    }
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
  return settings;
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
