import { stringOption, type Command, type CommandContext, type CommandInput } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { formatBytes } from '../output.js';
import { resolveRegistry } from '../registry.js';
import { planSource } from '../transfer/local-sources.js';
import type { TransferPlan } from '../transfer/plan.js';
import { createProgress } from '../transfer/progress.js';
import { executePush, type Destination, type PushOutcome } from '../transfer/push.js';
import { berthLoginFor, registryCredentials } from '../registry-credentials.js';
import { parseImageReference, planCopy, SourceRegistry, type SourceCredentials } from '../transfer/remote.js';

/** berth push and berth copy: images of any size, uploaded straight to the registry's bucket or, above one PUT's limit, through its upload API. */

const JOBS = { type: 'string', value: 'N', description: 'blobs uploaded at once (default 4)' } as const;
const RETRIES = {
  type: 'string', value: 'N',
  description: 'failed requests in a row after which the upload of a layer too large for one PUT gives up; it resumes from what the registry kept, '
    + 'waiting 1 s, then twice as long each time up to 30 s, or as long as the registry asks (default 5)',
} as const;
/** Blobs are visible once whole and verified; a push run again skips them, and resumes an upload through the registry. */
const PUSH_INTERRUPTED = 'interrupted: the blobs pushed so far stay in the registry, and the tag was not set; '
  + 'run the same command again to go on from there';
/** The wait before the first retry of an upload through the registry. */
const FIRST_RETRY_WAIT_MS = 1000;

function concurrencyOf(input: CommandInput): number {
  const value = stringOption(input, 'jobs');
  if (value === undefined) return 4;
  const jobs = Number(value);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be a whole number from 1 to 64, not '${value}'`);
  return jobs;
}

function retriesOf(input: CommandInput): number {
  const value = stringOption(input, 'retries');
  if (value === undefined) return 5;
  const retries = Number(value);
  if (!/^\d+$/.test(value) || retries > 100) throw new UsageError(`--retries must be a whole number from 0 to 100, not '${value}'`);
  return retries;
}

/**
 * HOST/REPO[:TAG], docker://HOST/REPO[:TAG] or http(s)://HOST/REPO[:TAG]. One without a host is refused:
 * docker reads it as Docker Hub's, and berth pushes only to Berth registries.
 */
function destinationOf(value: string, context: CommandContext): Destination {
  const ownHost = new URL(context.registry.url).host;
  const reference = parseImageReference(value);
  if (!reference.hostGiven) {
    const written = value.replace(/^docker:\/\//, '');
    throw new UsageError(`the destination '${value}' names no registry, so docker would read it as Docker Hub's (docker.io/${reference.repository}); `
      + `berth pushes to Berth registries only: name one, e.g. ${value.startsWith('docker://') ? 'docker://' : ''}${ownHost}/${written}`);
  }
  if (reference.digest) throw new UsageError('the destination takes a tag, not a digest: the manifest\'s digest is what it is');
  const registry = reference.host === ownHost ? context.registry : resolveRegistry(reference.url, context.env);
  return { registry, repository: reference.repository, tag: reference.tag ?? 'latest' };
}

async function transfer(plan: TransferPlan, destination: Destination, input: CommandInput, context: CommandContext) {
  const progress = createProgress(context.progress);
  const own = destination.registry.url === context.registry.url;
  const clients = own || !context.clientsFor ? { ecr: context.ecr(), api: context.api(), destroy: () => undefined } : context.clientsFor(destination.registry);
  let outcome: PushOutcome;
  try {
    outcome = await executePush(plan, destination, clients, {
      concurrency: concurrencyOf(input), progress, retry: { retries: retriesOf(input), firstWaitMs: FIRST_RETRY_WAIT_MS },
    });
  } catch (error) {
    // The hint names the destination's repository, not the command's first argument (the source).
    if (error instanceof Error && error.name === 'RepositoryNotFoundException') {
      throw new CliError(error.name, error.message, `create it with: berth repository create ${destination.repository}${own ? '' : ` --registry ${destination.registry.url}`}`);
    }
    throw error;
  } finally {
    progress.close();
    clients.destroy();
    await plan.cleanup?.();
  }
  const name = `${new URL(destination.registry.url).host}/${destination.repository}${destination.tag ? `:${destination.tag}` : ''}`;
  const rate = outcome.seconds > 0 ? outcome.bytes / 1024 ** 2 / outcome.seconds : 0;
  return {
    data: { image: name, ...outcome },
    text: () => [
      `Pushed ${name}@${outcome.digest}`,
      `${outcome.uploaded.length} blobs uploaded (${formatBytes(outcome.bytes)}), ${outcome.skipped.length} already there; ${outcome.seconds.toFixed(1)} s, ${rate.toFixed(1)} MiB/s`,
    ].join('\n'),
  };
}

const push: Command = {
  name: ['push'],
  args: ['SOURCE', 'DESTINATION'],
  synopsis: '[--jobs N] [--retries N]',
  summary: 'Pushes an image of any size, its layers straight to the registry\'s bucket (above 5 GiB, through its upload API and upload gateway). SOURCE is oci:DIR[:REF] (an OCI image layout), '
    + 'docker-archive:FILE[:REF] (the output of docker save; - for standard input) or docker-daemon:IMAGE (runs docker save). '
    + 'DESTINATION is HOST/REPOSITORY[:TAG] or a URL; blobs the repository has are skipped, so an interrupted push resumes where it stopped.',
  interrupted: PUSH_INTERRUPTED,
  options: { jobs: JOBS, retries: RETRIES },
  async run(input, context) {
    const [source, target] = input.positionals as [string, string];
    const destination = destinationOf(target, context);
    const plan = await planSource(source, context.stdinStream);
    return transfer(plan, destination, input, context);
  },
};

const copy: Command = {
  name: ['copy'],
  args: ['SOURCE', 'DESTINATION'],
  synopsis: '[--src-creds USER:PASSWORD] [--jobs N] [--retries N]',
  summary: 'Copies an image from any registry into Berth: docker://HOST/REPOSITORY[:TAG|@DIGEST] to docker://HOST/REPOSITORY[:TAG], '
    + 'multi-platform indexes with all their images, and the referrers (signatures, SBOMs) of a registry that serves them. '
    + 'Plain HTTP for registries on this machine.',
  interrupted: PUSH_INTERRUPTED,
  options: {
    'src-creds': { type: 'string', value: 'USER:PASSWORD', description: 'credentials for the source registry (default: for a Berth registry you logged in to with berth login, '
      + 'or the --registry one, a registry token; else anonymous, or its token service\'s anonymous token)' },
    jobs: JOBS,
    retries: RETRIES,
  },
  async run(input, context) {
    const [sourceName, target] = input.positionals as [string, string];
    if (!sourceName.startsWith('docker://')) throw new UsageError(`the source must be docker://HOST/REPOSITORY[:TAG], not '${sourceName}'`);
    if (!target.startsWith('docker://')) throw new UsageError(`the destination must be docker://HOST/REPOSITORY[:TAG], not '${target}'`);
    const creds = stringOption(input, 'src-creds');
    const colon = creds?.indexOf(':') ?? -1;
    if (creds !== undefined && colon <= 0) throw new UsageError('--src-creds must be USER:PASSWORD');
    const image = parseImageReference(sourceName);
    const given = creds && { username: creds.slice(0, colon), password: creds.slice(colon + 1) };
    const source = new SourceRegistry(image, given ? { from: '--src-creds', get: async () => given } : berthLogin(image.host, context));
    const destination = destinationOf(target, context);
    const plan = await planCopy(source, image.digest ?? image.tag ?? 'latest');
    return transfer(plan, destination, input, context);
  },
};

/** A source that is a Berth registry the user logged in to (or the command's own): its registry token, as docker would get it from the helper. */
function berthLogin(host: string, context: CommandContext): SourceCredentials | undefined {
  const target = berthLoginFor(host, context.env, context.registry);
  if (!target) return undefined;
  const own = target.registry.url === context.registry.url;
  return {
    from: `your berth login to ${host}`,
    get: async () => {
      const { username, secret } = await registryCredentials(target, { env: context.env, ...(own ? { api: () => context.api() } : {}) });
      return { username, password: secret };
    },
  };
}

export const PUSH_COMMANDS: readonly Command[] = [push, copy];
