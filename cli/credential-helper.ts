import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BerthApi } from './berth-api.js';
import { explainError } from './explain.js';
import { dockerConfigFile, helperLogFile, tokenCacheFile } from './locations.js';
import { loginTargetFor, registryCredentials } from './registry-credentials.js';
import type { RegistryTarget } from './registry.js';
import { TokenCache } from './token-cache.js';

/**
 * docker-credential-berth: docker's credential-helper protocol
 * (github.com/docker/docker-credential-helpers), run by docker, podman,
 * skopeo and others for the registries that credHelpers maps to `berth`.
 *
 * - `get`: the server URL on stdin; prints {"ServerURL","Username":"AWS","Secret"}.
 * - `store`: the credentials docker login would store; refused with a message
 *   saying why (tokens come from AWS credentials) and what to do, which docker
 *   shows: storing nothing and answering success would let docker say "Login
 *   Succeeded" for a password it never uses (amazon-ecr-credential-helper, too,
 *   refuses unless told to ignore it).
 * - `erase`: the server URL on stdin; forgets the cached tokens of that registry.
 * - `list`: the registries with cached tokens, as {"<server>": "AWS"}.
 *
 * stdout carries only the protocol. A failure prints docker's "credentials not
 * found" message on stdout, a one-line reason on stderr (docker shows the
 * helper's stderr), a line with the details in the log file, and exits 1.
 */

/** docker-credential-helpers' standard message, which docker and containers/image treat as "no credentials". */
export const CREDENTIALS_NOT_FOUND = 'credentials not found in native keychain';
const USERNAME = 'AWS';
const MAX_LOG_BYTES = 1024 * 1024;

export interface HelperIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
  api?: (registry: RegistryTarget, options: { dataDir?: string }) => BerthApi;
}

/** Runs one action; returns the exit code. */
export async function runCredentialHelper(argv: readonly string[], io: HelperIo): Promise<number> {
  const log = helperLog(io.env, io.now ?? (() => new Date()));
  const [action] = argv;
  if (argv.length !== 1 || action === undefined) {
    io.stdout('Usage: docker-credential-berth <get|store|erase|list|version>\n');
    return 1;
  }
  switch (action) {
    case 'get':
      return get(io, log);
    case 'store': {
      // The body holds a secret: read it so the writer is not left blocked, and keep none of it.
      const server = serverOf(await io.readStdin());
      log(`store ${server}: refused; tokens come from AWS credentials`);
      io.stdout(`docker-credential-berth keeps no passwords: it fetches a token for ${server} with your AWS credentials whenever one is needed, `
        + `so there is no need to log in. To log in with a password instead, first remove "${server}" from credHelpers in ${dockerConfigFile(io.env)}.\n`);
      return 1;
    }
    case 'erase': {
      const server = (await io.readStdin()).trim();
      try {
        const target = loginTargetFor(server, io.env);
        const removed = new TokenCache(tokenCacheFile(io.env)).remove(target.registry.url);
        log(`erase ${server}: forgot ${removed} cached token(s) of ${target.registry.url}`);
      } catch (error) {
        log(`erase ${server}: ${describe(error)}`);
      }
      return 0;
    }
    case 'list': {
      const now = (io.now ?? (() => new Date()))();
      const listed: Record<string, string> = {};
      try {
        for (const token of new TokenCache(tokenCacheFile(io.env)).list(now)) {
          listed[token.registry] = USERNAME;
          listed[new URL(token.registry).host] = USERNAME;
        }
      } catch (error) {
        log(`list: ${describe(error)}`);
      }
      io.stdout(`${JSON.stringify(listed)}\n`);
      return 0;
    }
    case 'version':
      io.stdout('docker-credential-berth (Berth)\n');
      return 0;
    default:
      io.stdout(`Unknown credential action \`${action}\`\n`);
      return 1;
  }
}

async function get(io: HelperIo, log: (line: string) => void): Promise<number> {
  const server = (await io.readStdin()).trim();
  let registry: RegistryTarget | undefined;
  try {
    const target = loginTargetFor(server, io.env);
    registry = target.registry;
    const credentials = await registryCredentials(target, { env: io.env, ...(io.now ? { now: io.now } : {}), ...(io.api ? { api: io.api } : {}), note: (line) => log(`get ${server}: ${line}`) });
    io.stdout(`${JSON.stringify({ ServerURL: server, Username: credentials.username, Secret: credentials.secret })}\n`);
    return 0;
  } catch (error) {
    const reason = registry ? oneLine(explainError(error, { registry })) : describe(error);
    log(`get ${JSON.stringify(server)}: ${CREDENTIALS_NOT_FOUND}: ${reason}`);
    io.stdout(`${CREDENTIALS_NOT_FOUND}\n`);
    io.stderr(`docker-credential-berth: no credentials for ${server || 'an empty server URL'}: ${reason} (log: ${helperLogFile(io.env)})\n`);
    return 1;
  }
}

/** The ServerURL of what docker asks the helper to store, without anything else of it. */
function serverOf(body: string): string {
  try {
    const { ServerURL } = JSON.parse(body) as { ServerURL?: unknown };
    if (typeof ServerURL === 'string' && ServerURL !== '') return ServerURL;
  } catch {
    // Not docker's JSON: the message names no server.
  }
  return 'the registry';
}

function oneLine({ name, message, hint }: { name: string; message: string; hint?: string }): string {
  return `${name}: ${message}${hint ? ` (hint: ${hint})` : ''}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Appends timestamped lines to the helper's log (0600), starting over past 1 MiB; a log that cannot be written is not a failure. */
function helperLog(env: NodeJS.ProcessEnv, now: () => Date): (line: string) => void {
  const file = helperLogFile(env);
  return (line) => {
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      try {
        if (statSync(file).size > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
      } catch {
        // No log yet.
      }
      appendFileSync(file, `${now().toISOString()} ${line}\n`, { mode: 0o600 });
    } catch {
      // Nowhere to log: stdout must stay the protocol's.
    }
  };
}
