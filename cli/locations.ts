import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where the CLI and the credential helper keep their files, from the environment they run in. */

function home(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir();
}

/** The token cache and the helper's log: $BERTH_CACHE_DIR, else $XDG_CACHE_HOME/berth, else ~/.cache/berth. */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  if (env.BERTH_CACHE_DIR) return resolve(env.BERTH_CACHE_DIR);
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(home(env), '.cache'), 'berth');
}

/** What `berth login` remembers about each registry: $BERTH_CONFIG_DIR, else $XDG_CONFIG_HOME/berth, else ~/.config/berth. */
export function configDir(env: NodeJS.ProcessEnv): string {
  if (env.BERTH_CONFIG_DIR) return resolve(env.BERTH_CONFIG_DIR);
  return join(env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(home(env), '.config'), 'berth');
}

export function tokenCacheFile(env: NodeJS.ProcessEnv): string {
  return join(cacheDir(env), 'credentials.json');
}

export function loginsFile(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'logins.json');
}

/** Where `npm start` records the local registries it runs (URL, data directory), for the CLI to find from any directory. */
export function localRegistriesFile(env: NodeJS.ProcessEnv): string {
  return join(configDir(env), 'local-registries.json');
}

/** The credential helper's log: $BERTH_LOG_FILE, else credential-helper.log in the cache directory. */
export function helperLogFile(env: NodeJS.ProcessEnv): string {
  return env.BERTH_LOG_FILE ? resolve(env.BERTH_LOG_FILE) : join(cacheDir(env), 'credential-helper.log');
}

/** docker's config file: $DOCKER_CONFIG/config.json, else ~/.docker/config.json, as docker reads it. */
export function dockerConfigFile(env: NodeJS.ProcessEnv): string {
  return join(env.DOCKER_CONFIG ? resolve(env.DOCKER_CONFIG) : join(home(env), '.docker'), 'config.json');
}
