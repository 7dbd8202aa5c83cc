import type { RepositoryRecord } from '../../store/records.js';
import type { Action, ManagementServices } from '../context.js';
import { EcrError } from '../errors.js';
import { repositoryNameOf } from '../identifiers.js';
import { LIFECYCLE_POLICY_LENGTH, LifecyclePolicyError, parseLifecyclePolicy, type LifecyclePolicy } from '../../lifecycle/policy.js';
import { requiredString } from '../validation.js';
import { epochSeconds } from '../views.js';
import { notFound, requireRepository } from './repositories.js';

/**
 * PutLifecyclePolicy, GetLifecyclePolicy and DeleteLifecyclePolicy. Policies are
 * validated and stored here; the scheduled jobs function applies them.
 */

export function lifecyclePolicyNotFound(services: ManagementServices, name: string): EcrError {
  return new EcrError('LifecyclePolicyNotFoundException', `Lifecycle policy does not exist for the repository with name '${name}' in the registry with id '${services.identity.accountId}'`);
}

export function lifecycleView(services: ManagementServices, name: string, lifecyclePolicyText: string): Record<string, unknown> {
  return { registryId: services.identity.accountId, repositoryName: name, lifecyclePolicyText };
}

/** The policy, parsed; or InvalidParameterException saying what is wrong with it, in ECR's words. */
export function acceptedLifecyclePolicy(lifecyclePolicyText: string): LifecyclePolicy {
  try {
    return parseLifecyclePolicy(lifecyclePolicyText);
  } catch (error) {
    if (!(error instanceof LifecyclePolicyError)) throw error;
    throw new EcrError('InvalidParameterException', `Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: ${error.message}'`);
  }
}

export const putLifecyclePolicy: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const lifecyclePolicyText = requiredString(input, 'lifecyclePolicyText', LIFECYCLE_POLICY_LENGTH);
  acceptedLifecyclePolicy(lifecyclePolicyText);
  const updated = await services.store.updateRepository(name, (record) => {
    // A new policy has not been applied yet.
    const { lifecycleEvaluatedAt: _applied, ...rest } = record;
    return { ...rest, lifecyclePolicyText };
  });
  if (!updated) throw notFound(services.identity, name);
  return lifecycleView(services, name, lifecyclePolicyText);
};

export const getLifecyclePolicy: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  const record = await requireRepository(services, name);
  if (record.lifecyclePolicyText === undefined) throw lifecyclePolicyNotFound(services, name);
  return {
    ...lifecycleView(services, name, record.lifecyclePolicyText),
    ...(record.lifecycleEvaluatedAt === undefined ? {} : { lastEvaluatedAt: epochSeconds(record.lifecycleEvaluatedAt) }),
  };
};

export const deleteLifecyclePolicy: Action = async ({ input, services }) => {
  const name = repositoryNameOf(services.identity, input);
  let deleted: string | undefined;
  const updated = await services.store.updateRepository(name, (record): RepositoryRecord => {
    const { lifecyclePolicyText, ...rest } = record;
    // Thrown inside the change, a missing policy writes nothing.
    if (lifecyclePolicyText === undefined) throw lifecyclePolicyNotFound(services, name);
    deleted = lifecyclePolicyText;
    return rest;
  });
  if (!updated) throw notFound(services.identity, name);
  return lifecycleView(services, name, deleted!);
};
