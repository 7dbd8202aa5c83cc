import { PutImageTagMutabilityCommand, type ImageTagMutability, type ImageTagMutabilityExclusionFilter } from '@aws-sdk/client-ecr';
import { stringsOption, type Command } from '../command.js';
import { UsageError } from '../errors.js';
import { fields, withoutMetadata } from '../output.js';

/** berth mutability: PutImageTagMutability, and the validation `repository create` shares. */

const MUTABILITIES: readonly ImageTagMutability[] = ['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'];

/** The setting, in any case; the *_WITH_EXCLUSION ones need patterns, the others take none. */
export function mutabilityOf(value: string, excludes: readonly string[]): ImageTagMutability {
  const mutability = MUTABILITIES.find((candidate) => candidate === value.toUpperCase());
  if (!mutability) throw new UsageError(`tag mutability is ${MUTABILITIES.join(', ')}; not '${value}'`);
  const withExclusion = mutability.endsWith('_WITH_EXCLUSION');
  if (withExclusion && excludes.length === 0) throw new UsageError(`${mutability} needs at least one --exclude PATTERN`);
  if (!withExclusion && excludes.length > 0) throw new UsageError(`--exclude goes with IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION, not ${mutability}`);
  return mutability;
}

export function exclusionFilters(excludes: readonly string[]): { imageTagMutabilityExclusionFilters?: ImageTagMutabilityExclusionFilter[] } {
  return excludes.length === 0 ? {} : { imageTagMutabilityExclusionFilters: excludes.map((filter) => ({ filterType: 'WILDCARD', filter })) };
}

const mutability: Command = {
  name: ['mutability'],
  args: ['NAME', `(${MUTABILITIES.join('|')})`],
  synopsis: '[--exclude PATTERN ...]',
  summary: 'Sets whether a repository\'s tags can move to another image; the *_WITH_EXCLUSION settings exempt the tags that match a pattern.',
  options: {
    exclude: { type: 'string', multiple: true, value: 'PATTERN', description: 'tags exempt from a *_WITH_EXCLUSION setting, with * wildcards' },
  },
  async run(input, { ecr }) {
    const [repositoryName, value] = input.positionals as [string, string];
    const excludes = stringsOption(input, 'exclude');
    const imageTagMutability = mutabilityOf(value, excludes);
    const response = await ecr().send(new PutImageTagMutabilityCommand({ repositoryName, imageTagMutability, ...exclusionFilters(excludes) }));
    return {
      data: withoutMetadata(response),
      text: () => fields([
        ['Repository', response.repositoryName],
        ['Tag mutability', response.imageTagMutability],
        ...(response.imageTagMutabilityExclusionFilters?.length
          ? [['Exclusions', response.imageTagMutabilityExclusionFilters.map((filter) => filter.filter).join(', ')] as const]
          : []),
      ]),
    };
  },
};

export const MUTABILITY_COMMANDS: readonly Command[] = [mutability];
