import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { isTokenKey } from '../../lambdas/rotation/token-key-rotation.js';
import { Sealer } from '../../lambdas/shared/crypto/sealer.js';
import { INITIAL_KEY_GENERATOR } from '../../lib/token-secrets.js';
import { berthStack, FULL_CONTEXT, functionId, NO_GATEWAY } from './stacks.js';

describe('the keys in Secrets Manager', () => {
  const { template } = berthStack(NO_GATEWAY);

  it('are two secrets generated as 43 letters and digits, retained with the data', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.allResources('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({
        GenerateSecretString: { PasswordLength: 43, ExcludePunctuation: true, IncludeSpace: false, RequireEachIncludedType: false },
      }),
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('start as keys that Node reads as 32 bytes, which the sealer accepts', () => {
    // The generator's alphabet is letters and digits; these are its extremes.
    for (const initial of ['A'.repeat(43), 'z'.repeat(43), '9'.repeat(43), 'aZ09'.repeat(11).slice(0, 43)]) {
      expect(initial).toHaveLength(INITIAL_KEY_GENERATOR.passwordLength!);
      const key = Buffer.from(initial, 'base64');
      expect(key).toHaveLength(32);
      expect(() => new Sealer(key)).not.toThrow();
      // Not canonical: the first rotation replaces it with a key that is.
      expect(isTokenKey(initial)).toBe(false);
    }
  });

  it('rotate the token key every 30 days with the rotation function, starting at deployment', () => {
    const tokenSecret = Object.keys(template.findResources('AWS::SecretsManager::Secret')).find((id) => /TokenSigningKey/.test(id));
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 1);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: tokenSecret },
      RotationLambdaARN: { 'Fn::GetAtt': [functionId(template, 'rotation'), 'Arn'] },
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
      RotateImmediatelyOnUpdate: true,
    });
  });

  it('let Secrets Manager invoke the rotation for this account only', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [functionId(template, 'rotation'), 'Arn'] },
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });

  it('rotate as often as configured', () => {
    berthStack(FULL_CONTEXT).template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotationRules: { ScheduleExpression: 'rate(7 days)' } });
  });
});
