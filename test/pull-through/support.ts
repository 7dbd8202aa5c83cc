import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionsFor } from '../../lambdas/auth/actions.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import { administratorArn } from '../support/registry.js';
import { awsCli } from '../support/aws-cli.js';
import { locateTool, runTool, type ExternalTool, type ToolResult } from '../support/tools.js';

/** What the pull-through tests share: skopeo pulling from Berth as the administrator. */

export const skopeo = locateTool('skopeo', 'apt-get install skopeo');

/**
 * An AWS CLI that knows UpdatePullThroughCacheRule and ValidatePullThroughCacheRule: Debian's v2 (2.9)
 * predates them and credentialArn; a newer one on PATH (v2, or v1 from pip) has them. Without one,
 * the tests that need it report it missing, as for any client.
 */
export const awsCliWithRuleUpdates: ExternalTool = (() => {
  const candidates = [awsCli.path, ...(process.env.PATH ?? '').split(':').filter((dir) => dir !== '').map((dir) => `${dir}/aws`)];
  const path = candidates.find((candidate) => {
    if (candidate === undefined) return false;
    const probe = spawnSync(candidate, ['ecr', 'validate-pull-through-cache-rule'], { encoding: 'utf8', timeout: 20_000 });
    // Without arguments, a CLI that knows the command asks for them; one that does not calls it an invalid choice.
    return probe.error === undefined && probe.stderr.includes('--ecr-repository-prefix');
  });
  return { name: 'aws (with validate-pull-through-cache-rule)', path, install: 'pip install awscli (or a recent AWS CLI v2)' };
})();

/** skopeo's --src-creds for the registry: AWS and a registry token, as docker login stores them. */
export async function registryCreds(registry: RunningRegistry): Promise<string> {
  const { token } = await registry.tokens.issue({ principalArn: administratorArn(registry), accountId: registry.identity.accountId, actions: actionsFor(['pull', 'push']) }, 3600);
  return `AWS:${token}`;
}

/** Pulls an image from Berth into a fresh OCI layout with skopeo; the result, and the layout's directory (removed by `cleanup`). */
export async function pullWithSkopeo(registry: RunningRegistry, reference: string, extra: string[] = [], timeoutMs?: number): Promise<ToolResult & { digest?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-pulled-'));
  try {
    const host = new URL(registry.url).host;
    const result = await runTool(skopeo.path!, [
      '--insecure-policy', 'copy', '--src-tls-verify=false', '--src-creds', await registryCreds(registry), ...extra,
      `docker://${host}/${reference}`, `oci:${dir}:pulled`,
    ], timeoutMs);
    const inspected = result.code === 0 ? await runTool(skopeo.path!, ['inspect', '--raw', `oci:${dir}:pulled`]) : undefined;
    const digest = inspected && `sha256:${(await import('node:crypto')).createHash('sha256').update(inspected.stdout).digest('hex')}`;
    return { ...result, ...(digest ? { digest } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
