/**
 * The server's side of the story, read over a connection of the monitor's own: how many clients
 * the server holds (`INFO clients`), which of them carry a given name (`CLIENT LIST`), and
 * cleanup of the demo's keys. Counting on the server, not in the pool under test, is the point:
 * incident 1 was invisible from inside the pool.
 */

import { toConnectionOptions } from '../client/option-slices.js';
import { resolveClientOptions } from '../client/options.js';
import { Connection } from '../connection/connection.js';
import { isRespoolError, ReplyError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';
import { parseInfo, replyText, request } from './request.js';

/** Name the monitor's own connection shows in CLIENT LIST. */
export const MONITOR_CLIENT_NAME = 'respool-demo-monitor';
const CLIENT_POLL_MS = 25;
// DEL takes any number of keys, but one huge command would stall the server for its length.
const DEL_BATCH = 500;

/** A connection of its own that reads the server's client counts and cleans up the demo's keys. */
export class ServerMonitor {
  readonly #conn: Connection;
  /** `redis_version` of the server. */
  readonly version: string;

  private constructor(conn: Connection, version: string) {
    this.#conn = conn;
    this.version = version;
  }

  /**
   * Connect to `url` (with the demo's connection settings) and read the server's version.
   * @throws the connection's error when the server cannot be reached or refuses us.
   */
  static async open(url: string): Promise<ServerMonitor> {
    const options = toConnectionOptions(resolveClientOptions({ url, name: MONITOR_CLIENT_NAME }));
    const conn = await Connection.open(options);
    try {
      const info = parseInfo(replyText(await request(conn, ['INFO', 'server']), 'INFO'));
      return new ServerMonitor(conn, info.get('redis_version') ?? 'unknown');
    } catch (error) {
      conn.destroy();
      throw error;
    }
  }

  /** `connected_clients` from `INFO clients`; includes the monitor's own connection. */
  async connectedClients(): Promise<number> {
    const info = parseInfo(replyText(await request(this.#conn, ['INFO', 'clients']), 'INFO'));
    const value = Number(info.get('connected_clients'));
    if (!Number.isInteger(value)) throw new TypeError('INFO clients has no connected_clients');
    return value;
  }

  /**
   * Connections the server lists with `name`, or `undefined` when CLIENT LIST is not allowed
   * (an ACL on a shared server): callers then fall back to counting `connected_clients`.
   */
  async clientsNamed(name: string): Promise<number | undefined> {
    const byName = await this.clientsByName();
    return byName === undefined ? undefined : (byName.get(name) ?? 0);
  }

  /**
   * Normal (not pub/sub, not replica) connections per CLIENT SETNAME value, from one `CLIENT
   * LIST`; unnamed ones count under `''`. `undefined` when CLIENT LIST is not allowed.
   */
  async clientsByName(): Promise<Map<string, number> | undefined> {
    let text: string;
    try {
      text = replyText(await request(this.#conn, ['CLIENT', 'LIST', 'TYPE', 'normal']), 'CLIENT');
    } catch (error) {
      if (error instanceof ReplyError) return undefined;
      throw error;
    }
    const counts = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      // Fields are space-separated `key=value`; the server refuses names containing spaces.
      const name = / name=(\S*)/.exec(` ${line}`)?.[1] ?? '';
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return counts;
  }

  /**
   * Poll until `connected_clients` is at most `target` or `timeoutMs` passes; resolves with
   * the last count. A graceful close ends when the server has processed QUIT, so the count
   * lags the client's `close()` by a moment.
   */
  async waitForClientsAtMost(target: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const count = await this.connectedClients();
      if (count <= target || Date.now() >= deadline) return count;
      await new Promise((resolve) => setTimeout(resolve, CLIENT_POLL_MS));
    }
  }

  /** Delete `keys` in batches. */
  async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DEL_BATCH) {
      const batch: RespArg[] = ['DEL', ...keys.slice(i, i + DEL_BATCH)];
      await request(this.#conn, batch);
    }
  }

  /** Read one key as text (the demo's counter check). */
  async getText(key: string): Promise<string | null> {
    const value = await request(this.#conn, ['GET', key]);
    return value === null ? null : replyText(value, 'GET');
  }

  async close(): Promise<void> {
    try {
      await this.#conn.close(1_000);
    } catch (error) {
      // The monitor is best effort on the way out; a failed close must not hide the report.
      if (!isRespoolError(error)) throw error;
    }
  }
}
