import { DeleteRepositoryPolicyCommand, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { flagOption, type Command } from '../command.js';
import { CliError } from '../errors.js';
import { json, withoutMetadata } from '../output.js';

/** berth policy get|set|delete: GetRepositoryPolicy, SetRepositoryPolicy, DeleteRepositoryPolicy. */

/** A policy as people read it: indented, whatever spacing it was stored with. */
function readable(policyText: string | undefined): string {
  if (policyText === undefined) return '';
  try {
    return json(JSON.parse(policyText));
  } catch {
    return policyText;
  }
}

const get: Command = {
  name: ['policy', 'get'],
  args: ['NAME'],
  summary: 'Prints a repository\'s policy.',
  async run(input, { ecr }) {
    const [repositoryName] = input.positionals;
    const response = await ecr().send(new GetRepositoryPolicyCommand({ repositoryName }));
    return { data: withoutMetadata(response), text: () => readable(response.policyText) };
  },
};

const set: Command = {
  name: ['policy', 'set'],
  args: ['NAME', 'FILE|-'],
  synopsis: '[--force]',
  summary: 'Sets a repository\'s policy to the JSON document in FILE, or on standard input for -.',
  options: {
    force: { type: 'boolean', description: 'set it even if it would lock you out of the repository' },
  },
  async run(input, { ecr, readInput }) {
    const [repositoryName, path] = input.positionals as [string, string];
    const policyText = await readInput(path);
    try {
      JSON.parse(policyText);
    } catch (error) {
      throw new CliError('InvalidPolicy', `${path === '-' ? 'standard input' : path} is not a JSON document: ${error instanceof Error ? error.message : String(error)}`);
    }
    const response = await ecr().send(new SetRepositoryPolicyCommand({ repositoryName, policyText, ...(flagOption(input, 'force') ? { force: true } : {}) }));
    return { data: withoutMetadata(response), text: () => `Set the policy of repository ${repositoryName}.` };
  },
};

const remove: Command = {
  name: ['policy', 'delete'],
  args: ['NAME'],
  summary: 'Deletes a repository\'s policy.',
  async run(input, { ecr }) {
    const [repositoryName] = input.positionals;
    const response = await ecr().send(new DeleteRepositoryPolicyCommand({ repositoryName }));
    return { data: withoutMetadata(response), text: () => `Deleted the policy of repository ${repositoryName}.` };
  },
};

export const POLICY_COMMANDS: readonly Command[] = [get, set, remove];
