/**
 * The pool from incident 1, rebuilt on purpose so the demo can show what it does to a server.
 * Do not use it for anything else.
 *
 * Mechanism, as in the redis-py pool of the write-up: every command takes an idle connection if
 * one exists and otherwise opens a new one, with no upper bound; afterwards the connection goes
 * back on the idle list (LIFO) and stays open for good. Under N concurrent callers it grows to N
 * connections, and nothing ever shrinks it.
 *
 * It is built on respool's own `Connection`, so the RESP it speaks is correct and the comparison
 * measures the pooling policy, not a different protocol implementation.
 */
import { Connection, type ConnectionOptions } from '../connection/connection.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';
import { request } from './request.js';

/** The naive pool's own view of its connections. */
export interface NaivePoolStats {
  /** Connections open now (idle plus busy). */
  readonly open: number;
  /** Connections sitting on the idle list. */
  readonly idle: number;
  /** Most connections open at once since the pool was created. */
  readonly peakOpen: number;
  /** Connections ever opened. */
  readonly created: number;
}

/** Incident 1's pool: unbounded, LIFO idle list, never shrinks. */
export class NaivePool {
  readonly #options: ConnectionOptions;
  readonly #idle: Connection[] = [];
  #open = 0;
  #peakOpen = 0;
  #created = 0;

  constructor(options: ConnectionOptions) {
    this.#options = options;
  }

  /** Run one command on a connection of its own, opening one when none is idle. */
  async command(args: readonly RespArg[]): Promise<RespValue> {
    const conn = this.#idle.pop() ?? (await this.#dial());
    let reply: RespValue;
    try {
      reply = await request(conn, args);
    } catch (error) {
      // An error reply leaves the connection usable; a transport failure has already closed it.
      if (conn.ready) this.#idle.push(conn);
      throw error;
    }
    this.#idle.push(conn);
    return reply;
  }

  stats(): NaivePoolStats {
    return {
      open: this.#open,
      idle: this.#idle.length,
      peakOpen: this.#peakOpen,
      created: this.#created,
    };
  }

  /** Close every idle connection gracefully. Busy ones are not tracked: wait for callers first. */
  async close(): Promise<void> {
    const idle = this.#idle.splice(0);
    await Promise.all(idle.map((conn) => conn.close(this.#options.closeTimeoutMs)));
  }

  /** Destroy every idle connection at once. */
  destroy(): void {
    for (const conn of this.#idle.splice(0)) conn.destroy();
  }

  async #dial(): Promise<Connection> {
    const conn = await Connection.open(this.#options);
    this.#created++;
    this.#open++;
    this.#peakOpen = Math.max(this.#peakOpen, this.#open);
    conn.once('close', () => {
      this.#open--;
      const at = this.#idle.indexOf(conn);
      if (at !== -1) this.#idle.splice(at, 1);
    });
    return conn;
  }
}
