import { awsParts } from '../aws-parts.js';
import { composeRegistry } from '../compose.js';
import { lambdaHandler } from '../shared/http/apigw.js';
import { parseEnvironment } from '../shared/config.js';

/** The registry Lambda: the OCI Distribution API behind API Gateway's /v2 routes. */
export const handler = lambdaHandler(composeRegistry(awsParts(parseEnvironment(process.env))));
