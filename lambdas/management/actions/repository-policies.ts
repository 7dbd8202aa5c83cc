import type { RepositoryRecord } from '../../store/records.js';
import type { Action, ManagementServices } from '../context.js';
import { EcrError } from '../errors.js';
import { repositoryNameOf } from '../identifiers.js';
import { locksOut, parseRepositoryPolicy, REPOSITORY_POLICY_MAX_LENGTH, RepositoryPolicyError, type RepositoryPolicy } from '../../auth/repository-policy.js';
import { optionalBoolean, requiredString } from '../validation.js';
import { notFound, requireRepository } from './repositories.js';

/** GetRepositoryPolicy, SetRepositoryPolicy and DeleteRepositoryPolicy. */

function policyNotFound(services: ManagementServices, name: string): EcrError {
  return new EcrError('RepositoryPolicyNotFoundException', `Repository policy does not exist for the repository with name '${name}' in the registry with id '${services.identity.accountId}'`);
}

function invalidPolicy(detail: string): EcrError {
  return new EcrError('InvalidParameterException', `Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided: ${detail}'`);
}

/** The policy text parsed, or InvalidParameterException saying what is wrong with it. */
function parsePolicyText(text: string): RepositoryPolicy {
  try {
    return parseRepositoryPolicy(text);
  } catch (error) {
    if (error instanceof RepositoryPolicyError) throw invalidPolicy(error.message);
    throw error;
  }
}

function policyView(services: ManagementServices, name: string, policyText: string): Record<string, unknown> {
  return { registryId: services.identity.accountId, repositoryName: name, policyText };
}

export const getRepositoryPolicy: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const record = await requireRepository(services, name);
  if (record.policyText === undefined) throw policyNotFound(services, name);
  return policyView(services, name, record.policyText);
};

export const setRepositoryPolicy: Action = async ({ input, principal, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const policyText = requiredString(input, 'policyText', { min: 0, max: REPOSITORY_POLICY_MAX_LENGTH });
  const force = optionalBoolean(input, 'force') ?? false;
  const policy = parsePolicyText(policyText);
  if (!force && locksOut(policy, principal)) {
    throw invalidPolicy(`it would deny you (${principal.arn}) ecr:SetRepositoryPolicy, so you could not change it again; set force to apply it anyway`);
  }
  const updated = await services.store.updateRepository(name, (record) => ({ ...record, policyText }));
  if (!updated) throw notFound(services.identity, name);
  return policyView(services, name, policyText);
};

export const deleteRepositoryPolicy: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  let deleted: string | undefined;
  const updated = await services.store.updateRepository(name, (record): RepositoryRecord => {
    const { policyText, ...rest } = record;
    // Thrown inside the change, a missing policy writes nothing.
    if (policyText === undefined) throw policyNotFound(services, name);
    deleted = policyText;
    return rest;
  });
  if (!updated) throw notFound(services.identity, name);
  return policyView(services, name, deleted!);
};
