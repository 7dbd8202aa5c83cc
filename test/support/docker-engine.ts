import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The two Docker Engine API calls `docker save` makes (HEAD /_ping, then
 * GET /v<api>/images/get?names=…), answered from archives held in memory.
 * No docker engine runs here; this lets the real docker CLI stand between
 * `berth push docker-daemon:` and an engine that has the images.
 */
export interface DockerEngine {
  /** What DOCKER_HOST should name. */
  host: string;
  stop(): Promise<void>;
}

export async function startDockerEngine(images: Map<string, Buffer>): Promise<DockerEngine> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://engine');
    if (url.pathname === '/_ping') {
      response.writeHead(200, { 'api-version': '1.43', 'content-type': 'text/plain' });
      response.end(request.method === 'HEAD' ? undefined : 'OK');
      return;
    }
    const name = url.searchParams.get('names') ?? '';
    const archive = /^\/v[\d.]+\/images\/get$/.test(url.pathname) ? images.get(name) : undefined;
    if (!archive) {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: `reference does not exist: ${name}` }));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/x-tar' });
    response.end(archive);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
