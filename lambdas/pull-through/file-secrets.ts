import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credentialsOf, secretNameOf, UpstreamSecretError, type UpstreamSecrets } from './upstream-secrets.js';

/**
 * Local mode's Secrets Manager: the secret `ecr-pullthroughcache/hub` is the
 * file `secrets/ecr-pullthroughcache/hub` in the data directory, whatever the
 * ARN's account, region or random suffix (Secrets Manager's `-AbCdEf` is optional).
 */
export function fileSecrets(directory: string | undefined): UpstreamSecrets {
  return async (credentialArn) => {
    const name = secretNameOf(credentialArn);
    if (directory === undefined) throw new UpstreamSecretError('not-found', credentialArn, `the secret ${credentialArn} does not exist: this registry has no secrets`);
    const candidates = [name, name.replace(/-[A-Za-z0-9]{6}$/, '')];
    for (const candidate of candidates) {
      if (candidate.split('/').includes('..')) break;
      try {
        return credentialsOf(credentialArn, await readFile(join(directory, candidate), 'utf8'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          if (error instanceof UpstreamSecretError) throw error;
          throw new UpstreamSecretError('no-access', credentialArn, `the secret ${credentialArn} could not be read`);
        }
      }
    }
    throw new UpstreamSecretError('not-found', credentialArn, `the secret ${credentialArn} does not exist (locally: the file secrets/${candidates.at(-1)} in the data directory)`);
  };
}
