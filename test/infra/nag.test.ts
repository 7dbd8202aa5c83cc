import { Validations, type Acknowledgment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBerthApp } from '../../lib/berth-app.js';
import { CERTIFICATE_ARN, FULL_CONTEXT, NO_BUNDLING, NO_GATEWAY } from './stacks.js';

const CONFIGURATIONS = {
  'no custom domain and no upload gateway': NO_GATEWAY,
  'every option': FULL_CONTEXT,
  'a custom domain with a given certificate, and the gateway\'s own': { domainName: 'registry.example.com', certificateArn: CERTIFICATE_ARN },
  'a custom domain without the upload gateway': { domainName: 'registry.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', hostedZoneName: 'example.com', uploadGateway: 'false' },
};

/**
 * The AwsSolutions rule IDs cdk-nag reports when nothing is acknowledged, and Berth's
 * acknowledgements. aws-cdk-lib acknowledges CloudFormation-Validate findings of its own
 * constructs (flow logs, literal AZs); those are not Berth's and are left out.
 */
function rawFindings(context: Record<string, unknown>): { findings: Set<string>; acknowledged: Acknowledgment[] } {
  const acknowledged: Acknowledgment[] = [];
  vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation((...rules) => {
    acknowledged.push(...rules.filter((rule) => rule.id.startsWith('AwsSolutions-')));
  });
  const { app } = createBerthApp({ context: { ...NO_BUNDLING, ...context } });
  const { violations } = new AwsSolutionsChecks().validateScope(app);
  const findings = violations.map((violation) => violation.ruleName).filter((rule) => rule.startsWith('AwsSolutions-'));
  return { findings: new Set(findings), acknowledged };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each(Object.entries(CONFIGURATIONS))('cdk-nag AwsSolutions on the app with %s', (_, context) => {
  it('leaves no finding unacknowledged, and the synth passes its validation', () => {
    const { app } = createBerthApp({ context: { ...NO_BUNDLING, ...context } });
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
    expect(() => app.synth()).not.toThrow();
  });

  it('acknowledges only real findings, each with its reason', () => {
    const { findings, acknowledged } = rawFindings(context);
    expect(new Set(acknowledged.map((rule) => rule.id))).toEqual(findings);
    for (const rule of acknowledged) expect(rule.reason.length).toBeGreaterThan(60);
  });
});
