import type { RouteHandler } from '../context.js';
import { json } from './responses.js';

/** GET /v2/: the API version check. */
export const apiVersion: RouteHandler = async () => json(200, {});
