import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { awsParts } from '../aws-parts.js';
import { composeUploadGateway } from '../compose.js';
import { parseEnvironment, parseGatewayEnvironment } from '../shared/config.js';
import { serveStreaming } from './http-server.js';

/**
 * The upload gateway on AWS: a container on ECS Fargate behind the load
 * balancer. On SIGTERM (a scale-in or deployment) it stops taking connections
 * and lets the uploads in progress finish within the task's stop timeout.
 */
const environment = parseEnvironment(process.env);
const gateway = parseGatewayEnvironment(process.env);
const log = (message: string) => console.error(message);
// A container's credentials come from ECS's endpoint, not the environment as in Lambda: the SDK's chain finds and renews them.
const app = composeUploadGateway({ ...awsParts(environment, defaultProvider()), log: (message, error) => log(`${message}: ${String(error)}`) }, gateway);
const server = serveStreaming(app, log);
server.listen(gateway.port, gateway.host, () => log(`upload gateway listening on ${gateway.host}:${gateway.port}`));
process.on('SIGTERM', () => {
  log('SIGTERM: finishing the uploads in progress');
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
