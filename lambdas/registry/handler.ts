import { awsParts } from '../aws-parts.js';
import { composeRegistry } from '../compose.js';
import { lambdaHandler } from '../shared/http/apigw.js';
import { parseEnvironment } from '../shared/config.js';

/** The registry Lambda: the OCI Distribution API behind API Gateway's /v2 routes. */
const parts = awsParts(parseEnvironment(process.env));
// The token keys are asked for during init, so the first request finds them read; a failure is left to the first request that needs them.
parts.tokenKeys().catch(() => undefined);
export const handler = lambdaHandler(composeRegistry(parts));
