import { fileURLToPath } from 'node:url';
import { awsParts, secretKey } from '../aws-parts.js';
import { readConsoleAssets } from '../console/assets.js';
import { composeManagementWithConsole } from '../console/compose.js';
import { parseConsoleSettings } from '../console/settings.js';
import { gcGraceSeconds } from '../gc/settings.js';
import { lifecyclePreviewSeconds } from '../lifecycle/settings.js';
import { lambdaHandler } from '../shared/http/apigw.js';
import { parseManagementEnvironment } from '../shared/config.js';
import type { HttpApp } from '../shared/http/types.js';
import { iamAuthorizerCaller } from './auth/iam-caller.js';

/**
 * The management Lambda: the ECR-compatible API at `/` (keys Berth issued) and
 * `/iam` (AWS principals, verified by API Gateway's IAM authorizer), and the token routes.
 */
const config = parseManagementEnvironment(process.env);
const parts = { ...awsParts(config), gcGraceSeconds: gcGraceSeconds(process.env), lifecyclePreviewSeconds: lifecyclePreviewSeconds(process.env) };
const consoleSettings = parseConsoleSettings(process.env);
/** The web console's page, built into the bundle's console/ directory (lib/registry-console.ts). */
const consoleAssets = fileURLToPath(new URL('./console', import.meta.url));
/**
 * The sealing key is read once per cold start, and a failed read is tried again on the next request.
 * Both secrets are asked for during init, at once: the first request then finds them read, where it
 * used to wait for three reads in a row. A failure there is left to the first request that needs them.
 */
let app: Promise<HttpApp> | undefined;
managementApp().catch(() => undefined);
parts.tokenKeys().catch(() => undefined);
function managementApp(): Promise<HttpApp> {
  app ??= secretKey(parts.secrets, config.sealingSecretArn)
    .then((sealingKey) => composeManagementWithConsole(parts, { sealingKey, authenticateIam: iamAuthorizerCaller, console: consoleSettings, ...(config.sts ? { sts: config.sts } : {}) }, readConsoleAssets(consoleAssets)))
    .catch((error: unknown) => {
      app = undefined;
      throw error;
    });
  return app;
}

export const handler = lambdaHandler(async (request) => (await managementApp())(request));
