/**
 * The leak check every integration file ends with: the server's client count must return to its
 * baseline once the code under test has closed everything. Closing is asynchronous on the server
 * side, so the check polls before it fails.
 */

import assert from 'node:assert/strict';
import { formatClientList, type RedisServer } from './redis-server.js';

/**
 * Asserts that `server` settles at exactly `expected` clients (the helper's own connections
 * excluded). On failure the assertion message lists each remaining client's addr, name,
 * lib-name, cmd, age and idle, which usually names the leaking code path.
 *
 * @param timeoutMs - How long to wait for connections to drain. @default 5000
 * @throws AssertionError when the count is still wrong at the deadline.
 * @example
 * ```ts
 * after(async () => {
 *   await client.close();
 *   await expectClientCount(server, 0);
 *   await server.stop();
 * });
 * ```
 */
export async function expectClientCount(
  server: RedisServer,
  expected: number,
  timeoutMs?: number,
): Promise<void> {
  try {
    await server.waitForClientCount(expected, timeoutMs);
  } catch {
    // Read the list again: it is what the assertion reports, and it may have settled meanwhile.
    const clients = await server.clientList();
    assert.equal(
      clients.length,
      expected,
      `redis on port ${server.port} has ${clients.length} client(s), expected ${expected}:\n` +
        formatClientList(clients),
    );
  }
}
