/**
 * Settings read from the environment: each a named variable with a default and a range, refused
 * with a message that names it, what it must be and what it got.
 */

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

export function required(env: Env, name: string, hint: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(`${name} is not set: ${hint}`);
  return value.trim();
}

export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

export function wholeNumber(env: Env, name: string, fallback: number, min: number, max: number, unit: string): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new ConfigError(`${name} must be a whole number of ${unit} from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

export function seconds(env: Env, name: string, fallback: number, max: number, min = 1): number {
  return wholeNumber(env, name, fallback, min, max, 'seconds');
}
