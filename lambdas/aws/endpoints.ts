import { partitionOf } from '../shared/arns.js';

/** The domain of AWS endpoints in each partition other than `aws`'s amazonaws.com. */
const PARTITION_DOMAINS: Readonly<Record<string, string>> = {
  'aws-cn': 'amazonaws.com.cn',
  'aws-iso': 'c2s.ic.gov',
  'aws-iso-b': 'sc2s.sgov.gov',
  'aws-iso-e': 'cloud.adc-e.uk',
  'aws-iso-f': 'csp.hci.ic.gov',
  'aws-eusc': 'amazonaws.eu',
};

/** A service as its endpoint is named: host prefix, and the suffix of its AWS_ENDPOINT_URL_ variable. */
export interface ServiceName {
  /** The first label of its regional host, e.g. `dynamodb`, `secretsmanager`. */
  hostPrefix: string;
  /** e.g. `DYNAMODB`, `SECRETS_MANAGER`: the AWS tools' name for its endpoint override. */
  environmentId: string;
}

/** The domain of a region's endpoints, e.g. amazonaws.com.cn for cn-north-1. */
export function endpointDomain(region: string): string {
  return PARTITION_DOMAINS[partitionOf(region)] ?? 'amazonaws.com';
}

/**
 * The endpoint set for a service, if any: the given one, else the AWS tools' own overrides
 * (AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, e.g. for a VPC endpoint or an emulator).
 */
export function configuredEndpoint(service: ServiceName, env: NodeJS.ProcessEnv = process.env, endpoint?: string): string | undefined {
  return endpoint ?? (env[`AWS_ENDPOINT_URL_${service.environmentId}`]?.trim() || env.AWS_ENDPOINT_URL?.trim() || undefined);
}

/** Where a service is reached from `region`: its configured endpoint, else the region's public one. */
export function serviceEndpoint(service: ServiceName, region: string, env: NodeJS.ProcessEnv = process.env, endpoint?: string): URL {
  return new URL(configuredEndpoint(service, env, endpoint) || `https://${service.hostPrefix}.${region}.${endpointDomain(region)}`);
}
