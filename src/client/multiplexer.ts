/**
 * The multiplexed connection of one client: every ordinary command from every caller goes over
 * it. Owns connecting (lazy, single-flight), the bounded queue of commands that wait while a
 * connection is being established, replacing a lost connection, and the counters.
 *
 *   send(cmd) ─ connection ready? ─ yes → connection.send (encoded now, written this turn)
 *                                 └ no  → #waiting (bounded) → sent in order once connected
 *
 * A lost connection hands back the commands it never wrote; they go first in line on the next
 * connection, so nothing unwritten is lost and nothing written is sent twice.
 */
import { Connection, type ConnectionOptions } from '../connection/connection.js';
import type { PendingCommand } from '../connection/pending-command.js';
import { ClientClosedError, ConnectionClosedError, QueueFullError } from '../errors.js';
import { validateArgs } from '../protocol/encoder.js';
import { RingQueue } from '../util/ring-queue.js';
import type { ResolvedClientOptions } from './options.js';
import { type ClientCounters, createCounters } from './stats.js';

/** Opens one ready connection; injected so tests can substitute the layer below. */
export type ConnectionFactory = (options: ConnectionOptions) => Promise<Connection>;

/** A command that belongs to a MULTI…EXEC group; replayed only with its whole group. */
export interface GroupedCommand extends PendingCommand {
  readonly group?: { readonly head: PendingCommand };
}

export interface MultiplexerStats {
  readonly open: number;
  readonly connecting: number;
  readonly queued: number;
  readonly inFlight: number;
  readonly created: number;
  readonly destroyed: number;
  readonly connectErrors: number;
  readonly commandsSent: number;
  readonly commandsFailed: number;
  readonly errorReplies: number;
}

export class Multiplexer {
  readonly counters: ClientCounters = createCounters();
  readonly #connectionOptions: ConnectionOptions;
  readonly #factory: ConnectionFactory;
  readonly #maxQueued: number;
  readonly #closeTimeoutMs: number;
  #conn: Connection | null = null;
  #connecting: Promise<Connection> | null = null;
  readonly #waiting = new RingQueue<PendingCommand>(64);
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(options: ResolvedClientOptions, factory?: ConnectionFactory) {
    this.#connectionOptions = toConnectionOptions(options);
    this.#factory = factory ?? ((o) => Connection.open(o, options.socketFactory));
    this.#maxQueued = options.maxQueuedCommands;
    this.#closeTimeoutMs = options.closeTimeoutMs;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The ready connection, if any (for diagnostics). */
  get connection(): Connection | null {
    return this.#conn;
  }

  send(cmd: PendingCommand): void {
    const conn = this.#conn;
    if (conn !== null) {
      this.counters.commandsSent++;
      conn.send(cmd);
      return;
    }
    this.#enqueue(cmd);
  }

  #enqueue(cmd: PendingCommand): void {
    // A queued command is encoded only once connected, so validate now: the caller must get
    // the error, and one bad command must not stop the queue behind it.
    validateArgs(cmd.args);
    if (this.#closed) {
      cmd.fail(new ClientClosedError('The client is closed; create a new client to send commands'));
      return;
    }
    if (this.#waiting.length >= this.#maxQueued) {
      cmd.fail(
        new QueueFullError(
          `${this.#waiting.length} commands are already waiting for a connection (maxQueuedCommands); this one was not sent`,
        ),
      );
      return;
    }
    this.#waiting.push(cmd);
    void this.connect().catch(() => {
      // The waiting commands received this error already; nothing else is waiting on it.
    });
  }

  /** Connect now (single-flight). Resolves when a connection is ready. */
  connect(): Promise<Connection> {
    if (this.#conn !== null) return Promise.resolve(this.#conn);
    if (this.#closed) return Promise.reject(new ClientClosedError());
    this.#connecting ??= this.#open();
    return this.#connecting;
  }

  async #open(): Promise<Connection> {
    let conn: Connection;
    try {
      conn = await this.#factory(this.#connectionOptions);
    } catch (error) {
      this.counters.connectErrors++;
      this.#connecting = null;
      const reason = error as Error;
      for (let cmd = this.#waiting.shift(); cmd !== undefined; cmd = this.#waiting.shift()) {
        cmd.fail(reason);
      }
      throw reason;
    }
    this.#connecting = null;
    this.counters.connectionsCreated++;
    conn.on('close', (_error, unwritten) => this.#onClose(conn, unwritten));
    if (this.#closed && this.#closing === null) {
      // destroy() ran while we were connecting.
      conn.destroy();
      throw new ClientClosedError();
    }
    // During a graceful close the queued commands still go out, but the connection is not
    // published: new commands take the slow path and get ERR_CLIENT_CLOSED.
    if (!this.#closed) this.#conn = conn;
    for (let cmd = this.#waiting.shift(); cmd !== undefined; cmd = this.#waiting.shift()) {
      this.counters.commandsSent++;
      try {
        conn.send(cmd);
      } catch (error) {
        cmd.fail(error as Error);
      }
    }
    return conn;
  }

  #onClose(conn: Connection, unwritten: PendingCommand[]): void {
    this.counters.connectionsDestroyed++;
    if (this.#conn === conn) this.#conn = null;
    if (unwritten.length === 0) return;
    // Unwritten commands never reached the server: they run on the next connection, ahead of
    // anything queued since (order is kept). A MULTI…EXEC group is replayed only whole.
    const replay: PendingCommand[] = [];
    for (const cmd of unwritten as GroupedCommand[]) {
      if (cmd.group === undefined || unwritten.includes(cmd.group.head)) replay.push(cmd);
      else
        cmd.fail(
          new ConnectionClosedError(
            'The connection closed in the middle of a transaction; it did not run',
            false,
          ),
        );
    }
    const later = this.#waiting.drain();
    for (const cmd of replay) this.#enqueue(cmd);
    for (const cmd of later) this.#waiting.push(cmd);
  }

  stats(): MultiplexerStats {
    const c = this.counters;
    return {
      open: this.#conn !== null ? 1 : 0,
      connecting: this.#connecting !== null ? 1 : 0,
      queued: this.#waiting.length,
      inFlight: this.#conn?.inFlight ?? 0,
      created: c.connectionsCreated,
      destroyed: c.connectionsDestroyed,
      connectErrors: c.connectErrors,
      commandsSent: c.commandsSent,
      commandsFailed: c.commandsFailed,
      errorReplies: c.errorReplies,
    };
  }

  /** Graceful: commands already accepted are answered; new ones fail with ERR_CLIENT_CLOSED. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closed = true;
    // Unpublish the connection so commands sent from now on are refused with ERR_CLIENT_CLOSED;
    // the connection itself still delivers the replies it owes.
    const current = this.#conn;
    this.#conn = null;
    this.#closing = (async () => {
      const conn =
        current ?? (this.#connecting === null ? null : await this.#connecting.catch(() => null));
      if (conn !== null) await conn.close(this.#closeTimeoutMs);
    })();
    return this.#closing;
  }

  /** Immediate: everything pending fails; the socket is destroyed. */
  destroy(error?: Error): void {
    this.#closed = true;
    const reason = error ?? new ClientClosedError('The client was destroyed');
    for (let cmd = this.#waiting.shift(); cmd !== undefined; cmd = this.#waiting.shift()) {
      cmd.fail(reason);
    }
    this.#conn?.destroy(reason);
  }
}

export function toConnectionOptions(o: ResolvedClientOptions): ConnectionOptions {
  return {
    host: o.host,
    port: o.port,
    path: o.path,
    tls: o.tls,
    keepAliveMs: o.keepAliveMs,
    username: o.username,
    password: o.password,
    db: o.db,
    name: o.name,
    protocol: o.protocol,
    connectTimeoutMs: o.connectTimeoutMs,
    maxWriteBytes: o.maxWriteBytes,
    closeTimeoutMs: o.closeTimeoutMs,
  };
}
