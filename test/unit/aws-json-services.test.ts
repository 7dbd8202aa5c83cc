import { afterEach, describe, expect, it, vi } from 'vitest';
import { stsEndpointFor } from '../../cli/aws-identity.js';
import { AwsError } from '../../lambdas/aws/aws-error.js';
import { EventBridge } from '../../lambdas/aws/eventbridge.js';
import { SecretsManager } from '../../lambdas/aws/secrets-manager.js';
import { SqsQueue } from '../../lambdas/aws/sqs.js';
import { FAKE_AWS_CREDENTIALS, startFakeJsonService, type FakeAnswer, type FakeJsonService, type ReceivedCall } from '../support/fake-json-service.js';

/**
 * The small clients of Secrets Manager, SQS and EventBridge against a stand-in that answers as
 * each service does: the protocol's headers and body, SigV4 for the right service and region,
 * error answers as AwsErrors, and the SDK's retries of transient failures only.
 */

const REGION = 'eu-west-1';
const options = (endpoint: string) => ({ region: REGION, endpoint, credentials: FAKE_AWS_CREDENTIALS });

let fake: FakeJsonService | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await fake?.stop();
  fake = undefined;
});

async function service(signingName: string, answer: (call: ReceivedCall, index: number) => FakeAnswer): Promise<FakeJsonService> {
  fake = await startFakeJsonService({ region: REGION, signingName }, answer);
  return fake;
}

describe('Secrets Manager', () => {
  it('reads a secret with JSON 1.1, targets secretsmanager.GetSecretValue, signed for secretsmanager in the region', async () => {
    const secrets = await service('secretsmanager', () => ({ body: { ARN: 'arn', VersionId: 'v1', SecretString: 'c2VjcmV0', CreatedDate: 1.7e9 } }));
    const result = await new SecretsManager(options(secrets.url)).getSecretValue({ SecretId: 'token-secret', VersionStage: 'AWSCURRENT' });
    expect(result).toMatchObject({ VersionId: 'v1', SecretString: 'c2VjcmV0' });
    expect(secrets.calls).toEqual([{
      target: 'secretsmanager.GetSecretValue',
      contentType: 'application/x-amz-json-1.1',
      authorization: expect.stringMatching(new RegExp(`Credential=${FAKE_AWS_CREDENTIALS.accessKeyId}/\\d{8}/${REGION}/secretsmanager/aws4_request`)),
      input: { SecretId: 'token-secret', VersionStage: 'AWSCURRENT' },
    }]);
  });

  it('makes the rotation\'s calls, each under its own target', async () => {
    const secrets = await service('secretsmanager', (call) => ({ body: call.target.endsWith('DescribeSecret') ? { RotationEnabled: true, VersionIdsToStages: { v1: ['AWSCURRENT'] } } : {} }));
    const client = new SecretsManager(options(secrets.url));
    expect(await client.describeSecret({ SecretId: 's' })).toEqual({ RotationEnabled: true, VersionIdsToStages: { v1: ['AWSCURRENT'] } });
    await client.putSecretValue({ SecretId: 's', ClientRequestToken: 'v2', SecretString: 'k', VersionStages: ['AWSPENDING'] });
    await client.updateSecretVersionStage({ SecretId: 's', VersionStage: 'AWSCURRENT', MoveToVersionId: 'v2', RemoveFromVersionId: 'v1' });
    expect(secrets.calls.map((call) => call.target)).toEqual(['secretsmanager.DescribeSecret', 'secretsmanager.PutSecretValue', 'secretsmanager.UpdateSecretVersionStage']);
    expect(secrets.calls[1]!.input).toEqual({ SecretId: 's', ClientRequestToken: 'v2', SecretString: 'k', VersionStages: ['AWSPENDING'] });
  });

  it('throws an error answer as an AwsError of the service\'s name, message and status', async () => {
    const secrets = await service('secretsmanager', () => ({
      status: 400,
      body: { __type: 'com.amazonaws.secretsmanager#ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." },
    }));
    const error = await new SecretsManager(options(secrets.url)).getSecretValue({ SecretId: 'missing' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ name: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret.", $metadata: { httpStatusCode: 400 } });
    expect(secrets.calls).toHaveLength(1);
  });

  it('tries a call again after a 500, and not after a 400 ValidationException', async () => {
    const flaky = await service('secretsmanager', (_, index) => (index === 0 ? { status: 500, body: { __type: 'InternalServiceError', message: 'try again' } } : { body: { SecretString: 'ok' } }));
    expect(await new SecretsManager(options(flaky.url)).getSecretValue({ SecretId: 's' })).toEqual({ SecretString: 'ok' });
    expect(flaky.calls).toHaveLength(2);
    await flaky.stop();

    const refusing = await service('secretsmanager', () => ({ status: 400, body: { __type: 'ValidationException', message: 'bad input' } }));
    await expect(new SecretsManager(options(refusing.url)).getSecretValue({ SecretId: 's' })).rejects.toMatchObject({ name: 'ValidationException' });
    expect(refusing.calls).toHaveLength(1);
  });

  it('is refused by a service that does not know its keys, as AWS refuses them', async () => {
    const secrets = await service('secretsmanager', () => ({ body: {} }));
    const stranger = new SecretsManager({ region: REGION, endpoint: secrets.url, credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'other' } });
    await expect(stranger.getSecretValue({ SecretId: 's' })).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
    const elsewhere = new SecretsManager({ ...options(secrets.url), region: 'us-east-1' });
    await expect(elsewhere.getSecretValue({ SecretId: 's' })).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    expect(secrets.calls).toEqual([]);
  });
});

describe('SQS', () => {
  it('sends a message with JSON 1.0 and the AmazonSQS target to the queue\'s own host, signed for sqs', async () => {
    // As with the SDK, the queue's URL says where it is, whatever the environment names for SQS.
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', 'http://127.0.0.1:9');
    const sqs = await service('sqs', () => ({ body: { MessageId: 'm1', MD5OfMessageBody: 'x' } }));
    const queueUrl = `${sqs.url}/123456789012/jobs.fifo`;
    const queue = new SqsQueue(queueUrl, { region: REGION, credentials: FAKE_AWS_CREDENTIALS });
    expect(await queue.sendMessage({ MessageBody: '{"job":1}', MessageGroupId: 'g', MessageDeduplicationId: 'd' })).toMatchObject({ MessageId: 'm1' });
    expect(sqs.calls).toEqual([{
      target: 'AmazonSQS.SendMessage',
      contentType: 'application/x-amz-json-1.0',
      authorization: expect.stringContaining(`/${REGION}/sqs/aws4_request`),
      input: { QueueUrl: queueUrl, MessageBody: '{"job":1}', MessageGroupId: 'g', MessageDeduplicationId: 'd' },
    }]);
  });

  it('throws SQS\'s error answers by name', async () => {
    const sqs = await service('sqs', () => ({ status: 400, body: { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' } }));
    await expect(new SqsQueue(`${sqs.url}/123456789012/gone`, { region: REGION, credentials: FAKE_AWS_CREDENTIALS }).sendMessage({ MessageBody: 'x' }))
      .rejects.toMatchObject({ name: 'QueueDoesNotExist', message: 'The specified queue does not exist.' });
  });
});

describe('EventBridge', () => {
  it('puts events with JSON 1.1 and the AWSEvents target, each Time in epoch seconds, signed for events', async () => {
    const events = await service('events', (call) => ({ body: { FailedEntryCount: 0, Entries: (call.input.Entries as unknown[]).map((_, index) => ({ EventId: `e${index}` })) } }));
    const time = new Date('2026-03-01T12:00:00.250Z');
    const result = await new EventBridge(options(events.url)).putEvents({
      Entries: [{ Source: 'berth.registry', DetailType: 'ECR Image Action', Detail: '{}', EventBusName: 'default', Time: time }, { Source: 'berth.registry', DetailType: 'x', Detail: '{}' }],
    });
    expect(result).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: 'e0' }, { EventId: 'e1' }] });
    expect(events.calls).toEqual([{
      target: 'AWSEvents.PutEvents',
      contentType: 'application/x-amz-json-1.1',
      authorization: expect.stringContaining(`/${REGION}/events/aws4_request`),
      input: { Entries: [{ Source: 'berth.registry', DetailType: 'ECR Image Action', Detail: '{}', EventBusName: 'default', Time: 1772366400.25 }, { Source: 'berth.registry', DetailType: 'x', Detail: '{}' }] },
    }]);
  });

  it('returns the entries EventBridge refused in a call that succeeded, in their positions', async () => {
    const events = await service('events', () => ({ body: { FailedEntryCount: 1, Entries: [{ EventId: 'e0' }, { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] } }));
    const result = await new EventBridge(options(events.url)).putEvents({ Entries: [{ Detail: '{}' }, { Detail: '{}' }] });
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[1]).toEqual({ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' });
    expect(events.calls).toHaveLength(1);
  });
});

describe('where a client sends its requests', () => {
  it('is AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, else the region\'s endpoint in its partition\'s domain', () => {
    expect(new SecretsManager({ region: 'eu-west-1' }).endpoint.href).toBe('https://secretsmanager.eu-west-1.amazonaws.com/');
    expect(new EventBridge({ region: 'cn-north-1' }).endpoint.href).toBe('https://events.cn-north-1.amazonaws.com.cn/');
    expect(new EventBridge({ region: 'us-gov-west-1' }).endpoint.href).toBe('https://events.us-gov-west-1.amazonaws.com/');

    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4566');
    expect(new SecretsManager({ region: 'eu-west-1' }).endpoint.href).toBe('http://127.0.0.1:4566/');
    expect(new EventBridge({ region: 'eu-west-1' }).endpoint.href).toBe('http://127.0.0.1:4566/');

    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', 'https://vpce-0123.secretsmanager.eu-west-1.vpce.amazonaws.com');
    vi.stubEnv('AWS_ENDPOINT_URL_EVENTBRIDGE', 'http://127.0.0.1:4599');
    expect(new SecretsManager({ region: 'eu-west-1' }).endpoint.href).toBe('https://vpce-0123.secretsmanager.eu-west-1.vpce.amazonaws.com/');
    expect(new EventBridge({ region: 'eu-west-1' }).endpoint.href).toBe('http://127.0.0.1:4599/');
    // An endpoint given in code wins over the environment.
    expect(new SecretsManager({ region: 'eu-west-1', endpoint: 'http://localhost:1' }).endpoint.href).toBe('http://localhost:1/');
  });

  it('is chosen by the same rules for the STS endpoint the CLI presigns for', () => {
    expect(stsEndpointFor('cn-northwest-1', {})).toBe('https://sts.cn-northwest-1.amazonaws.com.cn');
    expect(stsEndpointFor('eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566/' })).toBe('http://127.0.0.1:4566');
    expect(stsEndpointFor('eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_STS: 'https://sts.example.com' })).toBe('https://sts.example.com');
  });
});
