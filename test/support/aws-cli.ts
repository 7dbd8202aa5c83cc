import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import type { RunningRegistry } from '../../local/berth-server.js';
import { isolatedEnv, locateTool, runTool, type ExternalTool, type ToolResult } from './tools.js';

/**
 * AWS CLI v2 from Debian installs at /usr/bin/aws; an `aws` earlier on PATH may be
 * another version (a pyenv shim of v1, say), so that path is preferred.
 */
export const awsCli = locateTool('aws', 'apt-get install awscli', ['/usr/bin/aws']);

/** Runs `aws ecr …` against the registry with its administrator key, as a user would; with `cli`, another AWS CLI than awsCli. */
export function ecrCli(registry: RunningRegistry, cli: ExternalTool = awsCli) {
  const home = mkdtempSync(join(tmpdir(), 'berth-aws-'));
  const credentials = join(home, 'credentials');
  writeFileSync(credentials, `[berth-local]\naws_access_key_id = ${registry.adminKey.accessKeyId}\naws_secret_access_key = ${registry.adminKey.secretAccessKey}\n`);
  const env = isolatedEnv(home, {
    AWS_SHARED_CREDENTIALS_FILE: credentials,
    AWS_PROFILE: 'berth-local',
    AWS_REGION: registry.identity.region,
    AWS_PAGER: '',
  });
  return async (...args: string[]): Promise<ToolResult & { json: () => any }> => {
    const result = await runTool(cli.path!, ['ecr', ...args, '--endpoint-url', registry.url, '--output', 'json'], undefined, env);
    return { ...result, json: () => JSON.parse(result.stdout.toString('utf8')) };
  };
}

/** The AWS SDK's ECR client pointed at the registry with its administrator key. */
export function ecrClient(registry: RunningRegistry): ECRClient {
  return new ECRClient({
    endpoint: registry.url,
    region: registry.identity.region,
    credentials: registry.adminKey,
  });
}
