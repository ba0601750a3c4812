/**
 * Picks a TCP port nobody is listening on, for test servers. The answer is only a hint: the port
 * is free when we close our probe socket, and another process may take it before the caller binds.
 * Callers that spawn a server on it must retry on `EADDRINUSE` (`startRedis` does).
 */

import { createServer } from 'node:net';

// A shared redis-server listens here on developer machines and CI; tests must never talk to it.
const RESERVED_PORTS: ReadonlySet<number> = new Set([6379]);

// The kernel hands out ephemeral ports, so a reserved one is vanishingly rare; the bound only
// guards against a loop if the OS keeps answering with the same port.
const MAX_TRIES = 20;

/**
 * Returns a port that was free a moment ago: listens on port 0, reads the port the OS chose, and
 * closes the socket. Never returns 6379.
 *
 * @param host - Interface to probe; the same one the server will bind. @default '127.0.0.1'
 * @throws Error when the OS keeps answering with a reserved port, or the probe cannot listen.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < MAX_TRIES; i++) {
    const port = await probe(host);
    if (!RESERVED_PORTS.has(port)) {
      return port;
    }
  }
  throw new Error(`freePort: no usable port on ${host} after ${MAX_TRIES} tries`);
}

function probe(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    // A probe must not keep the test process alive if something above forgets to await it.
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error(`freePort: unexpected address ${String(address)} for ${host}`));
        return;
      }
      const { port } = address;
      server.close((err) => (err === undefined ? resolve(port) : reject(err)));
    });
  });
}
