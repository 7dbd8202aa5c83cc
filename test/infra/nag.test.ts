import { Validations, type Acknowledgment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBerthApp } from '../../lib/berth-app.js';
import { FULL_CONTEXT, NO_BUNDLING } from './stacks.js';

const CONFIGURATIONS = {
  default: {},
  'every option': FULL_CONTEXT,
  'a custom domain with a given certificate': { domainName: 'registry.example.com', certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abcd1234-ab12-cd34-ef56-abcdef123456' },
};

/** The rule IDs cdk-nag reports when nothing is acknowledged. */
function rawFindings(context: Record<string, unknown>): { findings: Set<string>; acknowledged: Acknowledgment[] } {
  const acknowledged: Acknowledgment[] = [];
  vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation((...rules) => {
    acknowledged.push(...rules);
  });
  const { app } = createBerthApp({ context: { ...NO_BUNDLING, ...context } });
  const { violations } = new AwsSolutionsChecks().validateScope(app);
  return { findings: new Set(violations.map((violation) => violation.ruleName)), acknowledged };
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
