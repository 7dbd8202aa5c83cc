import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where Linux says it hands out ports for port 0; elsewhere, the range IANA sets aside for that. */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 49152;
  }
}

/**
 * A loopback port that nothing listens on now, below the range the system
 * hands out for port 0, for a server that must be told its port ahead (a
 * child process, a setting). Servers that bind port 0 never take it between
 * the pick and its use, as they could take a port the system had just
 * handed out. A random pick keeps concurrent callers apart.
 */
export async function freePort(): Promise<number> {
  const low = ephemeralLow();
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (await isFree(port)) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
