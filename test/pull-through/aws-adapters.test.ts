import { describe, expect, it } from 'vitest';
import { AwsError } from '../../lambdas/aws/aws-error.js';
import type { SecretsManager } from '../../lambdas/aws/secrets-manager.js';
import type { SqsQueue } from '../../lambdas/aws/sqs.js';
import { parsePullThroughEnvironment } from '../../lambdas/pull-through/config.js';
import { secretsManagerSecrets } from '../../lambdas/pull-through/secrets-manager-secrets.js';
import { jobOf, sqsJobDispatch } from '../../lambdas/pull-through/sqs-jobs.js';
import { UpstreamSecretError } from '../../lambdas/pull-through/upstream-secrets.js';

/**
 * The cache's AWS adapters, where no emulator stands in for the service: Secrets Manager's
 * answers and failures (injected), and what the registry function puts on the job queue.
 */

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf';

function answering(result: () => Awaited<ReturnType<SecretsManager['getSecretValue']>>): Pick<SecretsManager, 'getSecretValue'> {
  return { getSecretValue: async () => result() };
}

function failing(name: string) {
  return answering(() => {
    throw new AwsError(name, `${name} from Secrets Manager`, 400);
  });
}

describe('credentials from Secrets Manager', () => {
  it('reads ECR\'s {"username", "accessToken"} as the upstream\'s user and password', async () => {
    const secrets = secretsManagerSecrets(answering(() => ({ SecretString: JSON.stringify({ username: 'bot', accessToken: 'dckr_pat_x' }) })));
    expect(await secrets(ARN)).toEqual({ username: 'bot', password: 'dckr_pat_x' });
  });

  it.each([
    ['ResourceNotFoundException', 'not-found'],
    ['DecryptionFailure', 'undecryptable'],
    ['AccessDeniedException', 'no-access'],
  ])('tells %s apart, as the ECR API answers it', async (name, problem) => {
    await expect(secretsManagerSecrets(failing(name))(ARN)).rejects.toMatchObject({ name: 'UpstreamSecretError', problem, credentialArn: ARN });
  });

  it('calls a binary secret or another shape malformed, and lets other failures through as they are', async () => {
    await expect(secretsManagerSecrets(answering(() => ({ SecretBinary: 'AQ==' })))(ARN)).rejects.toMatchObject({ problem: 'malformed' });
    await expect(secretsManagerSecrets(answering(() => ({ SecretString: '{"user":"bot"}' })))(ARN)).rejects.toBeInstanceOf(UpstreamSecretError);
    await expect(secretsManagerSecrets(failing('ThrottlingException'))(ARN)).rejects.toMatchObject({ name: 'ThrottlingException' });
  });
});

describe('the job queue', () => {
  it('sends a job with one deduplication id per job, so that a repeated ask starts no second job', async () => {
    const sent: Parameters<SqsQueue['sendMessage']>[0][] = [];
    const dispatch = sqsJobDispatch({ sendMessage: async (input) => (sent.push(input), {}) });
    const blob = { kind: 'blob', repository: `hub/${'a'.repeat(250)}`, digest: `sha256:${'1'.repeat(64)}`, size: 10 } as const;
    await dispatch(blob);
    await dispatch(blob);
    await dispatch({ kind: 'image', repository: 'hub/library/node', digest: `sha256:${'2'.repeat(64)}`, tag: '22' });
    expect(sent[0]!.MessageDeduplicationId).toBe(sent[1]!.MessageDeduplicationId);
    expect(sent[0]!.MessageDeduplicationId).not.toBe(sent[2]!.MessageDeduplicationId);
    for (const message of sent) {
      expect(message.MessageDeduplicationId!.length).toBeLessThanOrEqual(128);
      expect(message.MessageGroupId).toBe(message.MessageDeduplicationId);
    }
    expect(jobOf(sent[0]!.MessageBody!)).toEqual(blob);
    expect(jobOf(sent[2]!.MessageBody!)).toMatchObject({ kind: 'image', tag: '22' });
    expect(jobOf('{"kind":"other","repository":"x","digest":"y"}')).toBeUndefined();
    expect(jobOf('not json')).toBeUndefined();
  });

  it('takes its timing and queue from the environment, and refuses a queue that is not FIFO', () => {
    expect(parsePullThroughEnvironment({})).toEqual({ config: { refreshSeconds: 86400, blobWaitSeconds: 20 } });
    expect(parsePullThroughEnvironment({
      BERTH_PULL_THROUGH_REFRESH_SECONDS: '0', BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS: '5', BERTH_PULL_THROUGH_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs.fifo',
    })).toEqual({ config: { refreshSeconds: 0, blobWaitSeconds: 5 }, queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs.fifo' });
    expect(() => parsePullThroughEnvironment({ BERTH_PULL_THROUGH_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs' })).toThrow(/must be the https:\/\/ URL of an SQS FIFO queue/);
    expect(() => parsePullThroughEnvironment({ BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS: '30' })).toThrow(/BERTH_PULL_THROUGH_BLOB_WAIT_SECONDS must be a whole number of seconds from 1 to 25/);
  });
});
