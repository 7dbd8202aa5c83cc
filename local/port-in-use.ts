import { createServer } from 'node:net';

/** The one line `npm start` prints when its port is taken. */
export function portInUseMessage(host: string, port: number): string {
  return `port ${port} on ${host} is in use, by another npm start or another program: stop that, or start Berth on another port: PORT=${port + 1} npm start`;
}

/**
 * Fails with portInUseMessage when something listens on the port already: checked
 * before DynamoDB Local starts, so that a second `npm start` starts nothing.
 */
export function requirePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new Error(portInUseMessage(host, port)) : error));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
