/**
 * The pool of exclusive connections behind leases, blocking commands and pub/sub: the generic
 * Pool with Connection as its resource.
 *
 * - retire = QUIT and let the server close first, so idle eviction leaves TIME_WAIT on the
 *   server, not on the client host (incident 4).
 * - isHealthy = `connection.clean`: ready, nothing in flight, no partial frame.
 * - reset = undo what the lease did (LeaseState), in one pipelined write; any error destroys.
 * - A pooled connection that the server closes while idle is dropped from the idle stack at
 *   once, so the next borrower never gets a dead socket.
 */

import type { SocketFactory } from '../connection/connect.js';
import { Connection, type ConnectionOptions } from '../connection/connection.js';
import { BasicCommand } from '../connection/pending-command.js';
import { ReplyError } from '../errors.js';
import { Pool } from '../pool/pool.js';
import type { PoolOptions } from '../pool/pool-options.js';
import type { SharedBudget } from '../pool/shared-budget.js';
import type { RespValue } from '../protocol/resp-types.js';
import type { LeaseState } from './lease-state.js';
import type { ConnectionFactory } from './multiplexer.js';

export type ConnectionPool = Pool<Connection> & {
  /** Attach the state tracker of the lease that holds `connection`. */
  track(connection: Connection, state: LeaseState): void;
};

export function createConnectionPool(
  connectionOptions: ConnectionOptions,
  poolOptions: PoolOptions,
  socketFactory: SocketFactory | undefined,
  closeTimeoutMs: number,
  budget?: SharedBudget,
  /** Opens one ready connection; injected by tests (fake connections) and by Sentinel (a resolver). */
  open: ConnectionFactory = (o) => Connection.open(o, socketFactory),
): ConnectionPool {
  const states = new WeakMap<Connection, LeaseState>();
  const pool = new Pool<Connection>(
    {
      async create() {
        const conn = await open(connectionOptions);
        conn.on('close', () => pool.forget(conn));
        return conn;
      },
      retire(conn) {
        void conn.close(closeTimeoutMs);
      },
      destroy(conn, reason) {
        conn.destroy(reason);
      },
      isHealthy(conn) {
        return conn.clean;
      },
      // An error reply to the handshake (WRONGPASS, NOAUTH, NOPERM, a bad db): what the
      // multiplexer fails ready() and commands with at once, leases fail with too.
      isRefusal(error) {
        return error instanceof ReplyError;
      },
      async reset(conn) {
        const state = states.get(conn);
        states.delete(conn);
        if (state === undefined) return true;
        const commands = state.resetCommands();
        if (commands === undefined) return false;
        if (commands.length === 0) return true;
        const replies = await Promise.all(
          commands.map(
            (args) =>
              new Promise<RespValue>((resolve, reject) => {
                conn.send(new BasicCommand({ args, reply: resolve, fail: reject }));
              }),
          ),
        );
        return replies.every((r) => !(r instanceof ReplyError));
      },
    },
    poolOptions,
    budget,
  ) as ConnectionPool;
  pool.track = (conn, state) => {
    states.set(conn, state);
  };
  return pool;
}
