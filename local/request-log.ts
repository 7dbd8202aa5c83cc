import type { Server } from 'node:http';

/**
 * Writes one line per request a server answers, once its response is sent:
 * method, path (without the query, which may carry a signed upload token),
 * the management action if any, status and milliseconds, as `npm start` shows them. It only listens, so the
 * server's own handling is untouched; without it nothing is measured at all.
 */
export function logRequests(server: Server, write: (line: string) => void, label = ''): void {
  server.on('request', (request, response) => {
    const started = performance.now();
    response.once('close', () => {
      const path = (request.url ?? '/').split('?')[0];
      // The management API's requests all POST to /: the action they call names them.
      const action = request.headers['x-amz-target']?.toString().split('.').pop();
      const status = response.writableFinished ? String(response.statusCode) : `${response.statusCode} (aborted)`;
      write(`${request.method} ${path}${action ? ` ${action}` : ''} ${status} ${(performance.now() - started).toFixed(1)} ms${label}`);
    });
  });
}
