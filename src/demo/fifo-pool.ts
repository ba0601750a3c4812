/**
 * The pool from incident 2, rebuilt on purpose so the demo can show what it does to a server.
 * Do not use it for anything else.
 *
 * Mechanism, as in Apache Commons Pool with `lifo=false` (the Jedis setup of the write-up): a
 * borrower takes the idle connection at the head of the queue (the one returned longest ago) and
 * a returned connection goes to the tail; a new one is dialled when none is idle, with no upper
 * bound. A background evictor retires every connection idle for at least `idleTimeoutMs`.
 *
 * The evictor here is more generous than Commons Pool's (which tests 3 per run by default): it
 * checks every idle connection on every run. It still cannot shrink the pool, because FIFO
 * reuse hands each connection out again before it has been idle long enough.
 *
 * Retiring closes with QUIT, as respool does, so the comparison isolates the queue order.
 */
import type { SocketFactory } from '../connection/connect.js';
import { Connection, type ConnectionOptions } from '../connection/connection.js';

/** Settings of the idle queue. */
export interface FifoPoolOptions {
  /** A connection idle at least this long is retired by the evictor. */
  readonly idleTimeoutMs: number;
  /** How often the evictor runs. */
  readonly evictionIntervalMs: number;
  /** Dial function (to record local ports); respool's default when absent. */
  readonly dial?: SocketFactory;
}

/** The FIFO pool's own view of its connections. */
export interface FifoPoolStats {
  /** Connections open now (idle plus leased). */
  readonly open: number;
  readonly idle: number;
  /** Connections ever dialled. */
  readonly created: number;
  /** Connections the evictor retired. */
  readonly evicted: number;
}

interface IdleEntry {
  readonly conn: Connection;
  /** When it went back on the queue (Date.now()). */
  readonly since: number;
}

/** Incident 2's pool: unbounded, FIFO idle queue, idle-timeout evictor. */
export class FifoPool {
  readonly #options: ConnectionOptions;
  readonly #dial: SocketFactory | undefined;
  readonly #idleTimeoutMs: number;
  /** Head = returned longest ago = next to be borrowed. */
  #idle: IdleEntry[] = [];
  readonly #open = new Set<Connection>();
  readonly #evictor: NodeJS.Timeout;
  #created = 0;
  #evicted = 0;

  constructor(options: ConnectionOptions, pool: FifoPoolOptions) {
    this.#options = options;
    this.#dial = pool.dial;
    this.#idleTimeoutMs = pool.idleTimeoutMs;
    this.#evictor = setInterval(() => this.#evict(), pool.evictionIntervalMs);
    // Like respool's evictor: it must never keep the process alive on its own.
    this.#evictor.unref();
  }

  /**
   * Borrow the connection at the head of the idle queue (or dial one), run `fn` on it and
   * return it to the tail; a connection `fn` left unusable is destroyed instead.
   */
  async withConnection<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = this.#idle.shift()?.conn ?? (await this.#dialNew());
    try {
      return await fn(conn);
    } finally {
      if (conn.clean) this.#idle.push({ conn, since: Date.now() });
      else conn.destroy();
    }
  }

  stats(): FifoPoolStats {
    return {
      open: this.#open.size,
      idle: this.#idle.length,
      created: this.#created,
      evicted: this.#evicted,
    };
  }

  /** Stop the evictor and close every connection gracefully (QUIT). Wait for callers first. */
  async close(): Promise<void> {
    clearInterval(this.#evictor);
    this.#idle = [];
    await Promise.all([...this.#open].map((conn) => conn.close(this.#options.closeTimeoutMs)));
  }

  /** Stop the evictor and destroy every connection at once (the error path). */
  destroy(): void {
    clearInterval(this.#evictor);
    this.#idle = [];
    for (const conn of [...this.#open]) conn.destroy();
  }

  async #dialNew(): Promise<Connection> {
    const conn = await Connection.open(this.#options, this.#dial);
    this.#created++;
    this.#open.add(conn);
    conn.once('close', () => {
      this.#open.delete(conn);
      // A connection the server dropped while idle must not be borrowed again.
      this.#idle = this.#idle.filter((entry) => entry.conn !== conn);
    });
    return conn;
  }

  #evict(): void {
    const now = Date.now();
    const keep: IdleEntry[] = [];
    for (const entry of this.#idle) {
      if (now - entry.since >= this.#idleTimeoutMs) {
        this.#evicted++;
        void entry.conn.close(this.#options.closeTimeoutMs);
      } else {
        keep.push(entry);
      }
    }
    this.#idle = keep;
  }
}
