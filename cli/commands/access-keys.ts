import { stringOption, type Command } from '../command.js';
import { CliError } from '../errors.js';
import { fields, formatDate, table } from '../output.js';

/** berth access-key create|list|delete: Berth's CreateAccessKey, ListAccessKeys and DeleteAccessKey. */

interface AccessKey {
  accessKeyId: string;
  secretAccessKey?: string;
  principalName: string;
  principalArn: string;
  /** Epoch seconds, as ECR's JSON protocol sends timestamps. */
  createdAt: number;
  policyText?: string;
}

function dateOf(epochSeconds: number | undefined): string | undefined {
  return typeof epochSeconds === 'number' ? formatDate(new Date(epochSeconds * 1000)) : undefined;
}

const create: Command = {
  name: ['access-key', 'create'],
  args: ['PRINCIPAL'],
  synopsis: '[--policy FILE|-]',
  summary: 'Issues an access key for unmodified ECR tooling (aws ecr --endpoint-url, SDKs) that signs as PRINCIPAL; prints its secret, once.',
  options: {
    policy: { type: 'string', value: 'FILE|-', description: 'an IAM policy document (in FILE, or on standard input for -) that narrows what the key may do' },
  },
  async run(input, { api, readInput, registry }) {
    const [principalName] = input.positionals as [string];
    const policyPath = stringOption(input, 'policy');
    const policyText = policyPath === undefined ? undefined : await readInput(policyPath);
    if (policyText !== undefined) {
      try {
        JSON.parse(policyText);
      } catch (error) {
        throw new CliError('InvalidPolicy', `${policyPath === '-' ? 'standard input' : policyPath} is not a JSON document: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const response = await api().call('CreateAccessKey', { principalName, ...(policyText === undefined ? {} : { policyText }) });
    const key = response.accessKey as AccessKey;
    const region = await api().region();
    const host = new URL(registry.url).host;
    const env = `AWS_ACCESS_KEY_ID=${key.accessKeyId} AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`;
    // The region on the command line: AWS CLI v1 reads AWS_DEFAULT_REGION but not AWS_REGION, v2 both.
    const endpoint = `--region ${region} --endpoint-url ${registry.url}`;
    return {
      data: response,
      text: () => [
        fields([
          ['Access key ID', key.accessKeyId],
          ['Secret access key', key.secretAccessKey],
          ['Principal', key.principalName],
          ['Principal ARN', key.principalArn],
          ['Created', dateOf(key.createdAt)],
        ]),
        '',
        'The secret is shown only this once. Give the key to ECR tooling with the registry as its endpoint, e.g.:',
        `  ${env} aws ecr describe-repositories ${endpoint}`,
        `  ${env} aws ecr get-login-password ${endpoint} | docker login -u AWS --password-stdin ${host}`,
      ].join('\n'),
    };
  },
};

const list: Command = {
  name: ['access-key', 'list'],
  args: [],
  summary: 'Lists the access keys the registry issued, without their secrets.',
  async run(_input, { api }) {
    const response = await api().call('ListAccessKeys', {});
    const keys = (response.accessKeys ?? []) as AccessKey[];
    return {
      data: response,
      text: () => table(['Access key ID', 'Principal', 'Created', 'Policy'], keys.map((key) => [
        key.accessKeyId, key.principalName, dateOf(key.createdAt), key.policyText === undefined ? undefined : 'yes',
      ])),
    };
  },
};

const remove: Command = {
  name: ['access-key', 'delete'],
  args: ['KEY_ID'],
  summary: 'Deletes an access key: requests signed with it are refused from then on.',
  async run(input, { api }) {
    const [accessKeyId] = input.positionals as [string];
    const response = await api().call('DeleteAccessKey', { accessKeyId });
    return { data: response, text: () => `Deleted access key ${accessKeyId}.` };
  },
};

export const ACCESS_KEY_COMMANDS: readonly Command[] = [create, list, remove];
