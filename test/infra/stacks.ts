import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { BerthStack } from '../../lib/berth-stack.js';
import { settingsFromContext } from '../../lib/settings.js';

/**
 * CDK's Template assertions throw on a mismatch and return nothing on a match:
 * each match counts as an assertion, so that the guard against tests that
 * check nothing (test/support/assertions.ts) sees them.
 */
const TEMPLATE_ASSERTIONS = [
  'hasResource', 'hasResourceProperties', 'resourceCountIs', 'resourcePropertiesCountIs', 'hasOutput', 'hasMapping',
  'hasCondition', 'hasParameter', 'templateMatches', 'allResources', 'allResourcesProperties',
] as const;
for (const method of TEMPLATE_ASSERTIONS) {
  const check = Template.prototype[method] as (this: Template, ...args: unknown[]) => void;
  Object.defineProperty(Template.prototype, method, {
    value(this: Template, ...args: unknown[]): void {
      check.apply(this, args);
      expect.setState({ assertionCalls: expect.getState().assertionCalls + 1 });
    },
  });
}

/** Skips esbuild: template assertions need the resources, not the bundles (synth.test.ts bundles). */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** A registry without a custom domain must leave the upload gateway off (it serves HTTPS only). */
export const NO_GATEWAY = { uploadGateway: 'false' };

export const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:berth-alarms';
export const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/abcd1234-ab12-cd34-ef56-abcdef123456';
export const GATEWAY_CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0f0f0f0f-ab12-cd34-ef56-abcdef123456';

/** Every setting the app reads, set: the configuration that exercises every optional resource. */
export const FULL_CONTEXT = {
  domainName: 'registry.example.com',
  hostedZoneId: 'Z0123456789ABCDEFGHIJ',
  hostedZoneName: 'example.com',
  createOnPush: 'true',
  tokenLifetimeSeconds: '3600',
  tokenKeyRotationDays: '7',
  downloadUrlSeconds: '120',
  removalPolicy: 'destroy',
  logRetentionDays: '30',
  kmsKeyArn: KMS_KEY_ARN,
  intelligentTiering: 'true',
  throttleRateLimit: '200',
  throttleBurstLimit: '400',
  serverErrorRatePercent: '2',
  alarmTopicArn: TOPIC_ARN,
  uploadGateway: 'true',
  uploadGatewayDomainName: 'push.example.com',
  uploadGatewayCertificateArn: GATEWAY_CERTIFICATE_ARN,
  uploadGatewayMinTasks: '2',
  uploadGatewayMaxTasks: '6',
  registryReservedConcurrency: '100',
  managementReservedConcurrency: '20',
  jobsReservedConcurrency: '1',
  rotationReservedConcurrency: '1',
};

/** The production stack as `cdk synth` builds it from these context values. */
export function berthStack(context: Record<string, unknown> = {}): { stack: BerthStack; template: Template } {
  const app = new App({ context: { ...NO_BUNDLING, ...context } });
  const stack = new BerthStack(app, 'Berth', { settings: settingsFromContext((key) => context[key]) });
  return { stack, template: Template.fromStack(stack) };
}

type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

/** The logical ID of the one resource of `type` whose properties satisfy `test`. */
export function logicalId(template: Template, type: string, test: (properties: Record<string, any>) => boolean): string {
  const ids = Object.entries(template.findResources(type) as Resources)
    .filter(([, resource]) => test(resource.Properties ?? {}))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type} to match, found ${ids.length}`);
  return ids[0]!;
}

export function resource(template: Template, id: string): Resources[string] {
  const found = (template.toJSON().Resources as Resources)[id];
  if (!found) throw new Error(`no resource ${id}`);
  return found;
}

/** Functions by their role, found by description (lib/registry.ts, lib/token-secrets.ts). */
export const FUNCTION_DESCRIPTIONS = {
  registry: 'OCI Distribution API',
  management: 'ECR-compatible management API and registry tokens',
  rotation: 'Rotates the registry-token signing key',
  jobs: 'Scheduled jobs: lifecycle-policy evaluation and garbage collection',
  webhooks: 'Webhook deliveries',
  pullThrough: 'Pull-through cache: stores what first pulls bring from upstream registries',
} as const;

export function functionId(template: Template, role: keyof typeof FUNCTION_DESCRIPTIONS): string {
  return logicalId(template, 'AWS::Lambda::Function', (properties) => properties.Description === FUNCTION_DESCRIPTIONS[role]);
}

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** The statements of the inline policies attached to a function's role. */
export function roleStatements(template: Template, functionLogicalId: string): Statement[] {
  const roleRef = resource(template, functionLogicalId).Properties.Role as { 'Fn::GetAtt': [string, string] };
  return policyStatements(template, roleRef['Fn::GetAtt'][0]);
}

/** The statements of the inline policies attached to a role, by its logical ID. */
export function policyStatements(template: Template, roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy') as Resources)
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

export function actionsOf(statement: { Action: string | string[] }): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}
