import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsError } from '../../lambdas/aws/aws-error.js';
import {
  CURRENT, isTokenKey, newTokenKey, PENDING, RotationError, rotateTokenKey, type RotationSecrets,
} from '../../lambdas/rotation/token-key-rotation.js';

type Input<Call extends keyof RotationSecrets> = Parameters<RotationSecrets[Call]>[0];

/**
 * A fake of Secrets Manager's version stages, here only to drive the rotation's step logic:
 * no emulator for Secrets Manager rotation exists, and these tests check the steps' decisions,
 * not the service. It keeps the documented rules: RotateSecret labels the new version token
 * AWSPENDING before the first step, with no value yet (GetSecretValue finds none); a stage labels
 * one version at a time; moving AWSCURRENT labels the version it leaves AWSPREVIOUS.
 */
class FakeSecret implements RotationSecrets {
  readonly versions = new Map<string, { value: string | undefined; stages: Set<string> }>();
  rotationEnabled = true;
  puts = 0;

  constructor(readonly arn: string, initial: string) {
    this.versions.set('v0', { value: initial, stages: new Set([CURRENT]) });
  }

  stagesOf(versionId: string): string[] {
    return [...(this.versions.get(versionId)?.stages ?? [])].sort();
  }

  valueAt(stage: string): string | undefined {
    return [...this.versions.values()].find((version) => version.stages.has(stage))?.value;
  }

  async describeSecret(input: Input<'describeSecret'>) {
    this.check(input.SecretId);
    const stages = Object.fromEntries([...this.versions].filter(([, v]) => v.stages.size > 0).map(([id, v]) => [id, [...v.stages]]));
    return { ARN: this.arn, RotationEnabled: this.rotationEnabled, VersionIdsToStages: stages };
  }

  async getSecretValue(input: Input<'getSecretValue'>) {
    this.check(input.SecretId);
    const found = [...this.versions].find(([id, version]) => version.value !== undefined &&
      (input.VersionId === undefined || id === input.VersionId) && (input.VersionStage === undefined || version.stages.has(input.VersionStage)));
    if (!found) throw new AwsError('ResourceNotFoundException', 'Secrets Manager can\'t find the specified secret value', 400);
    return { ARN: this.arn, VersionId: found[0], SecretString: found[1].value };
  }

  async putSecretValue(input: Input<'putSecretValue'>) {
    this.check(input.SecretId);
    this.puts += 1;
    const stages = input.VersionStages ?? [CURRENT];
    for (const version of this.versions.values()) for (const stage of stages) version.stages.delete(stage);
    this.versions.set(input.ClientRequestToken!, { value: input.SecretString!, stages: new Set(stages) });
    return { ARN: this.arn, VersionId: input.ClientRequestToken };
  }

  async updateSecretVersionStage(input: Input<'updateSecretVersionStage'>) {
    this.check(input.SecretId);
    const from = input.RemoveFromVersionId === undefined ? undefined : this.versions.get(input.RemoveFromVersionId);
    if (from && !from.stages.has(input.VersionStage!)) throw new Error('RemoveFromVersionId does not hold the stage');
    if (input.VersionStage === CURRENT && from) {
      for (const version of this.versions.values()) version.stages.delete('AWSPREVIOUS');
      from.stages.add('AWSPREVIOUS');
    }
    from?.stages.delete(input.VersionStage!);
    this.versions.get(input.MoveToVersionId!)!.stages.add(input.VersionStage!);
    return { ARN: this.arn };
  }

  private check(secretId: string | undefined): void {
    if (secretId !== this.arn) throw new AwsError('ResourceNotFoundException', 'no such secret', 400);
  }
}

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:berth-token-key-AbCdEf';
const INITIAL = newTokenKey();

const step = (token: string, Step: SecretsManagerRotationEvent['Step']): SecretsManagerRotationEvent => ({ SecretId: ARN, ClientRequestToken: token, Step });

async function rotate(secret: FakeSecret, token: string): Promise<void> {
  for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
    await rotateTokenKey(secret, step(token, name));
  }
}

describe('the rotation steps', () => {
  let secret: FakeSecret;
  /** What RotateSecret does before the first step: label the new version token AWSPENDING, without a value. */
  function pending(token: string): void {
    secret.versions.set(token, { value: undefined, stages: new Set([PENDING]) });
  }

  beforeEach(() => {
    secret = new FakeSecret(ARN, INITIAL);
  });

  it('turn a pending token into the current key, and the old key into the previous one', async () => {
    pending('v1');
    await rotate(secret, 'v1');
    expect(secret.stagesOf('v1')).toContain(CURRENT);
    expect(secret.stagesOf('v0')).toEqual(['AWSPREVIOUS']);
    const key = secret.valueAt(CURRENT)!;
    expect(isTokenKey(key)).toBe(true);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    expect(key).not.toBe(INITIAL);
    expect(secret.valueAt('AWSPREVIOUS')).toBe(INITIAL);
  });

  it('keep exactly one previous key across rotations', async () => {
    pending('v1');
    await rotate(secret, 'v1');
    const first = secret.valueAt(CURRENT);
    pending('v2');
    await rotate(secret, 'v2');
    expect(secret.valueAt('AWSPREVIOUS')).toBe(first);
    expect(secret.stagesOf('v0')).toEqual([]);
  });

  it('create the pending key once, however often createSecret is retried', async () => {
    pending('v1');
    await rotateTokenKey(secret, step('v1', 'createSecret'));
    const value = secret.versions.get('v1')!.value;
    await rotateTokenKey(secret, step('v1', 'createSecret'));
    expect(secret.puts).toBe(1);
    expect(secret.versions.get('v1')!.value).toBe(value);
  });

  it('do nothing once the token is current: a retried finishSecret is harmless', async () => {
    pending('v1');
    await rotate(secret, 'v1');
    await rotateTokenKey(secret, step('v1', 'finishSecret'));
    expect(secret.stagesOf('v0')).toEqual(['AWSPREVIOUS']);
    expect(secret.stagesOf('v1')).toContain(CURRENT);
  });

  it('refuse a pending value that is not a base64 32-byte key', async () => {
    pending('v1');
    await rotateTokenKey(secret, step('v1', 'createSecret'), () => Buffer.alloc(16).toString('base64'));
    await expect(rotateTokenKey(secret, step('v1', 'testSecret'))).rejects.toThrow(/not a base64 32-byte key/);
  });

  it('refuse to rotate when rotation is off, or the token is unknown or not pending', async () => {
    pending('v1');
    secret.rotationEnabled = false;
    await expect(rotateTokenKey(secret, step('v1', 'createSecret'))).rejects.toThrow(RotationError);
    await expect(rotateTokenKey(secret, step('v1', 'createSecret'))).rejects.toThrow(/rotation is not enabled/);
    secret.rotationEnabled = true;
    await expect(rotateTokenKey(secret, step('v9', 'createSecret'))).rejects.toThrow(/has no stage to rotate/);
    secret.versions.set('v2', { value: INITIAL, stages: new Set(['CUSTOM']) });
    await expect(rotateTokenKey(secret, step('v2', 'createSecret'))).rejects.toThrow(/is not AWSPENDING/);
  });

  it('fail createSecret when the secret has no current value', async () => {
    secret.versions.get('v0')!.stages.clear();
    pending('v1');
    await expect(rotateTokenKey(secret, step('v1', 'createSecret'))).rejects.toThrow(/can't find/);
  });
});
