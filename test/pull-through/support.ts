import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { actionsFor } from '../../lambdas/auth/actions.js';
import type { RunningRegistry } from '../../local/berth-server.js';
import { administratorArn } from '../support/registry.js';
import { locateTool, runTool, type ToolResult } from '../support/tools.js';

/** What the pull-through tests share: skopeo pulling from Berth as the administrator. */

export const skopeo = locateTool('skopeo', 'apt-get install skopeo');

/** skopeo's --src-creds for the registry: AWS and a registry token, as docker login stores them. */
export async function registryCreds(registry: RunningRegistry): Promise<string> {
  const { token } = await registry.tokens.issue({ principalArn: administratorArn(registry), accountId: registry.identity.accountId, actions: actionsFor(['pull', 'push']) }, 3600);
  return `AWS:${token}`;
}

/** Pulls an image from Berth into a fresh OCI layout with skopeo; the result, and the layout's directory (removed by `cleanup`). */
export async function pullWithSkopeo(registry: RunningRegistry, reference: string, extra: string[] = []): Promise<ToolResult & { digest?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-pulled-'));
  try {
    const host = new URL(registry.url).host;
    const result = await runTool(skopeo.path!, [
      '--insecure-policy', 'copy', '--src-tls-verify=false', '--src-creds', await registryCreds(registry), ...extra,
      `docker://${host}/${reference}`, `oci:${dir}:pulled`,
    ]);
    const inspected = result.code === 0 ? await runTool(skopeo.path!, ['inspect', '--raw', `oci:${dir}:pulled`]) : undefined;
    const digest = inspected && `sha256:${(await import('node:crypto')).createHash('sha256').update(inspected.stdout).digest('hex')}`;
    return { ...result, ...(digest ? { digest } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
