/**
 * The pool from incident 4, rebuilt on purpose so the demo can show what it does to a host.
 * Do not use it for anything else.
 *
 * Mechanism, as in redigo's `Pool` with `MaxIdle` set, `MaxActive` above peak concurrency and
 * `Wait=false` (the write-up's `MaxIdle=50, MaxActive=500`): a borrower takes the newest idle
 * connection or dials a new one at once; on release the connection goes back on the idle list
 * only while fewer than `maxIdle` are idle, otherwise it is closed right there, by the client.
 * The side that closes a TCP connection first keeps it in TIME_WAIT, so every burst above
 * `maxIdle` leaves that many sockets in TIME_WAIT on the client host, holding local ports.
 *
 * The client-side close is `Connection.destroy()`: the socket is closed with nothing unread, so
 * the kernel sends FIN (not RST), exactly as redigo's `net.Conn.Close()` does.
 */
import type { SocketFactory } from '../connection/connect.js';
import { Connection, type ConnectionOptions } from '../connection/connection.js';

/** The capped-idle pool's own view of its connections. */
export interface CappedIdlePoolStats {
  /** Connections open now (idle plus leased). */
  readonly open: number;
  readonly idle: number;
  /** Most connections open at once. */
  readonly peakOpen: number;
  /** Connections ever dialled. */
  readonly created: number;
  /** Healthy connections closed on release because the idle list was full. */
  readonly closedOnRelease: number;
}

/** Incident 4's pool: dials whenever nothing is idle, closes on release above `maxIdle`. */
export class CappedIdlePool {
  readonly #options: ConnectionOptions;
  readonly #maxIdle: number;
  readonly #dial: SocketFactory | undefined;
  /** Newest last: borrowed from the end, as redigo does. */
  readonly #idle: Connection[] = [];
  readonly #open = new Set<Connection>();
  #peakOpen = 0;
  #created = 0;
  #closedOnRelease = 0;

  constructor(options: ConnectionOptions, maxIdle: number, dial?: SocketFactory) {
    this.#options = options;
    this.#maxIdle = maxIdle;
    this.#dial = dial;
  }

  /** Borrow (or dial), run `fn`, then keep the connection idle or close it if the list is full. */
  async withConnection<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    const conn = this.#idle.pop() ?? (await this.#dialNew());
    try {
      return await fn(conn);
    } finally {
      if (conn.clean && this.#idle.length < this.#maxIdle) {
        this.#idle.push(conn);
      } else {
        if (conn.clean) this.#closedOnRelease++;
        conn.destroy();
      }
    }
  }

  stats(): CappedIdlePoolStats {
    return {
      open: this.#open.size,
      idle: this.#idle.length,
      peakOpen: this.#peakOpen,
      created: this.#created,
      closedOnRelease: this.#closedOnRelease,
    };
  }

  /** Close every connection from the client side, as redigo's `Pool.Close()` does. */
  close(): void {
    this.#idle.length = 0;
    for (const conn of [...this.#open]) conn.destroy();
  }

  async #dialNew(): Promise<Connection> {
    const conn = await Connection.open(this.#options, this.#dial);
    this.#created++;
    this.#open.add(conn);
    this.#peakOpen = Math.max(this.#peakOpen, this.#open.size);
    conn.once('close', () => {
      this.#open.delete(conn);
      const at = this.#idle.indexOf(conn);
      if (at !== -1) this.#idle.splice(at, 1);
    });
    return conn;
  }
}
