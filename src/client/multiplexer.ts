/**
 * The multiplexed connection of one client: every ordinary command from every caller goes over
 * it. Owns connecting and reconnecting (single-flight, in the background), the bounded queue of
 * commands that wait while no connection can take them, and the counters.
 *
 *   send(cmd) ─ connection ready and not congested? ─ yes → connection.send (encoded now,
 *                                                    │       written this turn)
 *                                                    └ no  → #waiting (bounded, deadlines
 *                                  enforced) → sent in order once connected, or once drained
 *
 * Back-pressure: one bound, `maxQueuedBytes`, covers every byte the kernel has not accepted:
 * commands waiting here (while connecting, or while the socket is congested) plus what the
 * connection holds encoded or buffered in its socket. `send()` returns false whenever the
 * command could not go straight onto an uncongested socket; the `drain` event follows when it
 * can again (undici's `dispatch()` contract), so a relay can stop reading its own clients.
 * Past the bound (or `maxQueuedCommands` waiting) a command fails at once with ERR_QUEUE_FULL.
 *
 * A lost connection hands back what is safe to run again (every unwritten command, and written
 * ones that are read-only or marked idempotent, once: the decision is replay-policy.ts's); they
 * go first in line on the next connection. A routine close of an idle connection (server `timeout`) reconnects only when the
 * next command arrives. Failed attempts back off exponentially with jitter; a command never
 * waits longer than its own deadline for any of it.
 */
import { Connection, type ConnectionOptions } from '../connection/connection.js';
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import {
  ClientClosedError,
  CommandTimeoutError,
  ConnectionClosedError,
  MaxClientsError,
  ProtocolError,
  QueueFullError,
  ReplyError,
} from '../errors.js';
import { validateArgs } from '../protocol/encoder.js';
import type { RespValue } from '../protocol/resp-types.js';
import { type BackoffOptions, backoffDelayMs } from '../util/backoff.js';
import { Deadlines } from '../util/deadlines.js';
import { RingQueue } from '../util/ring-queue.js';
import type { ClientEventSink } from './events.js';
import { reconnectBackoff, toConnectionOptions } from './option-slices.js';
import type { ResolvedClientOptions } from './options.js';
import { replayDecision, tornGroupMembers } from './replay-policy.js';
import { type ClientCounters, createCounters } from './stats.js';

/** Opens one ready connection; injected so tests can substitute the layer below. */
export type ConnectionFactory = (options: ConnectionOptions) => Promise<Connection>;

export interface MultiplexerStats {
  readonly open: number;
  readonly connecting: number;
  readonly queued: number;
  /** Estimated bytes of the commands waiting in the queue. */
  readonly queuedBytes: number;
  /** Bytes the connection holds that the kernel has not accepted yet. */
  readonly bufferedBytes: number;
  readonly inFlight: number;
  readonly created: number;
  readonly destroyed: number;
  readonly connectErrors: number;
  readonly commandsSent: number;
  readonly commandsFailed: number;
  readonly errorReplies: number;
  readonly retries: number;
  readonly reconnects: number;
}

/** Told what CONFIG GET timeout answered (seconds; 0 = the server never closes idle clients). */
export type ServerTimeoutListener = (timeoutSeconds: number) => void;

export class Multiplexer {
  readonly counters: ClientCounters = createCounters();
  readonly #connectionOptions: ConnectionOptions;
  readonly #factory: ConnectionFactory;
  readonly #options: ResolvedClientOptions;
  readonly #events: ClientEventSink;
  readonly #onServerTimeout: ServerTimeoutListener;
  #conn: Connection | null = null;
  #connecting: Promise<Connection> | null = null;
  readonly #waiting = new RingQueue<PendingCommand>(64);
  #waitingBytes = 0;
  /**
   * Connected, but commands must wait: the socket is congested or commands already wait. The
   * hot path checks this one flag.
   */
  #backlogged = false;
  /** send() returned false since the last `drain`: the next one is owed. */
  #drainOwed = false;
  /** Deadlines of the waiting commands (util/deadlines.ts): one timer for all of them. */
  readonly #deadlines = new Deadlines<PendingCommand>((cmd) => this.#expire(cmd), { ref: false });
  #compactScheduled = false;
  /** Consecutive failed attempts; 0 after a success. */
  #failures = 0;
  /** Set once a connection has been established: from then on, failures are reconnects. */
  #everConnected = false;
  /** No attempt before this time (performance.now()); set by each failure's backoff. */
  #retryAt = 0;
  /**
   * During the backoff after a refusal (maxclients, authentication) or before the first
   * connection ever succeeded, commands fail at once with this reason instead of waiting or
   * triggering attempts: a full server must not see one connection attempt per command.
   */
  #failFastError: Error | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #closing: Promise<void> | null = null;
  /**
   * Called with each new connection before anything else is written on it (the client cache
   * switches CLIENT TRACKING on here, ahead of every read the connection will carry).
   */
  onConnection: ((conn: Connection) => void) | undefined = undefined;

  readonly #backoff: BackoffOptions;

  /**
   * @param connectionOptions The connection layer's slice of the options, made once by the
   * owner (option-slices.ts); by default from `options` alone.
   */
  constructor(
    options: ResolvedClientOptions,
    events: ClientEventSink,
    onServerTimeout: ServerTimeoutListener,
    factory?: ConnectionFactory,
    connectionOptions: ConnectionOptions = toConnectionOptions(options),
  ) {
    this.#options = options;
    this.#backoff = reconnectBackoff(options);
    this.#connectionOptions = connectionOptions;
    this.#factory = factory ?? ((o) => Connection.open(o, options.socketFactory));
    this.#events = events;
    this.#onServerTimeout = onServerTimeout;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Connected, and nothing sent unanswered or waiting: a command sent now travels alone (the
   * proxy's turn batch sends such a request at once instead of holding it for the turn).
   */
  get idle(): boolean {
    const conn = this.#conn;
    return conn !== null && !this.#backlogged && conn.inFlight === 0;
  }

  /** The ready connection, if any (for diagnostics). */
  get connection(): Connection | null {
    return this.#conn;
  }

  /**
   * Send a command, or queue it until a connection can take it. Failures (queue full, client
   * closed, a refused connection) arrive through `cmd.fail`.
   * @returns false when the command could not go straight onto an uncongested connection:
   * stop producing until `drain`.
   * @throws InvalidArgumentError synchronously when an argument cannot be encoded.
   */
  send(cmd: PendingCommand): boolean {
    const conn = this.#conn;
    if (conn !== null && !this.#backlogged) {
      this.counters.commandsSent++;
      if (conn.send(cmd)) return true;
      // The socket is congested: later commands wait here, under the bound, until it drains.
      this.#backlogged = true;
      this.#drainOwed = true;
      return false;
    }
    // A queued command is encoded only once sent, so validate now: the caller must get the
    // error, and one bad command must not stop the queue behind it.
    validateArgs(cmd.args);
    this.#enqueue(cmd, true);
    this.#drainOwed = true;
    return false;
  }

  #enqueue(cmd: PendingCommand, bounded: boolean): void {
    if (this.#closed) {
      cmd.fail(new ClientClosedError('The client is closed; create a new client to send commands'));
      return;
    }
    const conn = this.#conn;
    if (
      conn === null &&
      this.#failFastError !== undefined &&
      this.#connecting === null &&
      performance.now() < this.#retryAt
    ) {
      cmd.fail(this.#failFastError);
      return;
    }
    const bytes = estimateBytes(cmd);
    if (bounded) {
      const o = this.#options;
      // Every byte the kernel has not accepted counts: what waits here and what the
      // connection holds.
      const full = (): boolean =>
        this.#waiting.length >= o.maxQueuedCommands ||
        this.#waitingBytes + (this.#conn?.bufferedBytes ?? 0) + bytes > o.maxQueuedBytes;
      // Aborted and expired commands keep their slot until a connection or a deadline scan
      // drops them; reclaim those slots before refusing a live command.
      if (full()) this.#compactWaiting();
      if (full()) {
        const held = this.#conn?.bufferedBytes ?? 0;
        cmd.fail(
          new QueueFullError(
            `${this.#waiting.length} commands (${this.#waitingBytes} bytes) already wait for ${conn === null ? 'a connection to' : 'the congested connection to'} ${describe(o)}${held > 0 ? `, which holds ${held} bytes the kernel has not taken yet` : ''} (maxQueuedCommands ${o.maxQueuedCommands}, maxQueuedBytes ${o.maxQueuedBytes}); this one was not sent`,
          ),
        );
        return;
      }
    }
    this.#waiting.push(cmd);
    this.#waitingBytes += bytes;
    const deadline = cmd.deadline ?? 0;
    if (deadline > 0) this.#deadlines.add(cmd, deadline);
    if (conn === null) this.#ensureConnecting();
  }

  /**
   * Stop sending on the current connection without failing anything: commands from now on wait
   * for the next connection (dialled at once), while this one answers what it was sent and then
   * closes (QUIT). For a server that must get no more commands but owes replies: a primary that
   * Sentinel is about to demote.
   */
  retire(): void {
    const conn = this.#conn;
    if (conn === null) return;
    this.#conn = null;
    this.#backlogged = false;
    void conn.close(this.#options.closeTimeoutMs);
    if (this.#waiting.length > 0) this.#ensureConnecting();
  }

  /** Connect now (single-flight), skipping any backoff wait. Resolves when a connection is ready. */
  connect(): Promise<Connection> {
    if (this.#conn !== null) return Promise.resolve(this.#conn);
    if (this.#closed) return Promise.reject(new ClientClosedError());
    if (this.#retryTimer !== undefined) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = undefined;
    }
    this.#connecting ??= this.#open();
    return this.#connecting;
  }

  #ensureConnecting(): void {
    if (this.#conn !== null || this.#connecting !== null || this.#retryTimer !== undefined) return;
    if (this.#closed) return;
    const wait = this.#retryAt - performance.now();
    if (wait > 0) {
      this.#retryTimer = setTimeout(() => {
        this.#retryTimer = undefined;
        if (this.#waiting.length > 0) this.#ensureConnecting();
      }, wait);
      return;
    }
    this.#connecting = this.#open();
    this.#connecting.catch(() => {
      // Reported to the waiting commands (or kept for their deadline) and as events.
    });
  }

  async #open(): Promise<Connection> {
    let conn: Connection;
    try {
      conn = await this.#factory(this.#connectionOptions);
    } catch (error) {
      this.#connecting = null;
      this.#connectFailed(error as Error);
      throw error;
    }
    this.#connecting = null;
    this.#failures = 0;
    this.#retryAt = 0;
    this.#failFastError = undefined;
    if (this.#everConnected) this.counters.reconnects++;
    this.#everConnected = true;
    this.counters.connectionsCreated++;
    // What a lost connection leaves unanswered comes back here when replay-policy.ts says so.
    conn.replay = replayDecision;
    conn.on('close', (error, replay) => this.#onClose(conn, error, replay));
    conn.on('drain', () => {
      if (conn === this.#conn) this.#sendWaiting(conn, false);
    });
    if (this.#closed && this.#closing === null) {
      // destroy() ran while we were connecting.
      conn.destroy();
      throw new ClientClosedError();
    }
    // During a graceful close the queued commands still go out, but the connection is not
    // published: new commands take the slow path and get ERR_CLIENT_CLOSED.
    if (!this.#closed) {
      this.#conn = conn;
      this.onConnection?.(conn);
    }
    this.#events.emit('connect');
    this.#events.emit('ready');
    // While closing gracefully, what was accepted goes out whatever the congestion.
    this.#sendWaiting(conn, this.#closed);
    this.#readServerTimeout(conn);
    return conn;
  }

  /**
   * A failed attempt. The waiting commands fail at once, with the reason, when a retry cannot
   * help soon (max clients, a wrong password) or when this client never connected (a wrong
   * address or certificate should be reported, not waited out). Otherwise, a server that went
   * away after working, they keep waiting until their deadline while attempts continue in the
   * background with backoff.
   */
  #connectFailed(error: Error): void {
    this.counters.connectErrors++;
    this.#failures++;
    // Equal jitter (util/backoff.ts), so many clients do not retry in lockstep.
    const delayMs = backoffDelayMs(this.#failures, this.#backoff);
    this.#retryAt = performance.now() + delayMs;
    const refused = error instanceof MaxClientsError || error instanceof ReplyError;
    if (refused || !this.#everConnected) {
      this.#failFastError = error;
      for (let cmd = this.#waiting.shift(); cmd !== undefined; cmd = this.#waiting.shift()) {
        cmd.fail(error);
      }
      this.#waitingBytes = 0;
      if (refused) this.#emitError(error);
    }
    if (this.#closed || this.#waiting.length === 0) return;
    this.#events.emit('reconnecting', { attempt: this.#failures + 1, delayMs, error });
    this.#ensureConnecting();
  }

  /**
   * Hand waiting commands to `conn`, in order, until it reports congestion (unless `force`:
   * a graceful close sends everything it accepted). When none is left, the hot path is open
   * again and an owed `drain` is emitted.
   */
  #sendWaiting(conn: Connection, force: boolean): void {
    for (let cmd = this.#waiting.shift(); cmd !== undefined; cmd = this.#waiting.shift()) {
      this.#waitingBytes -= estimateBytes(cmd);
      if (cmd.settled) continue;
      if ((cmd.deadline ?? 0) > 0) this.#deadlines.delete(cmd);
      this.counters.commandsSent++;
      let more: boolean;
      try {
        more = conn.send(cmd);
      } catch (error) {
        cmd.fail(error as Error);
        continue;
      }
      if (!more && !force && this.#waiting.length > 0) {
        this.#backlogged = true;
        return;
      }
    }
    this.#waitingBytes = 0;
    this.#backlogged = !conn.writable;
    if (this.#backlogged || !this.#drainOwed) return;
    this.#drainOwed = false;
    this.#events.emit('drain');
  }

  #onClose(conn: Connection, error: Error | undefined, replay: PendingCommand[]): void {
    this.counters.connectionsDestroyed++;
    if (this.#conn === conn) {
      this.#conn = null;
      this.#backlogged = false;
    }
    this.#events.emit('close', { error });
    if (error instanceof ProtocolError) this.#emitError(error);
    if (replay.length === 0) return;
    if (this.#closed) {
      for (const cmd of replay)
        cmd.fail(
          new ClientClosedError('The client was destroyed before this command was answered'),
        );
      return;
    }
    // What is safe to run again goes first, in its original order, ahead of anything queued
    // since. A MULTI…EXEC group runs again only if its MULTI did not reach the server.
    this.#events.emit('reconnecting', { attempt: 1, delayMs: 0, error });
    const later = this.#waiting.drain();
    this.#waitingBytes = 0;
    const torn = tornGroupMembers(replay);
    for (const cmd of replay) {
      if (!torn.has(cmd)) this.#enqueue(cmd, false);
      else {
        cmd.fail(
          new ConnectionClosedError(
            'The connection closed in the middle of a transaction before EXEC was sent; the transaction did not run',
            false,
          ),
        );
      }
    }
    for (const cmd of later) this.#enqueue(cmd, false);
  }

  /**
   * Take every command still waiting for a connection (never sent), for the owner to send
   * elsewhere: a cluster node that stopped serving its slots hands its queue back this way.
   */
  takeWaiting(): PendingCommand[] {
    const all = this.#waiting.drain().filter((cmd) => !cmd.settled);
    this.#waitingBytes = 0;
    this.#deadlines.clear();
    return all;
  }

  /** Drop settled (aborted or expired) commands from the waiting queue. */
  #compactWaiting(): void {
    const all = this.#waiting.drain();
    this.#waitingBytes = 0;
    for (const cmd of all) {
      if (cmd.settled) continue;
      this.#waiting.push(cmd);
      this.#waitingBytes += estimateBytes(cmd);
    }
    // Everything that waited for a connection expired: the owed drain is paid now. A producer
    // that stopped at send() === false (the proxy stops reading its client) would otherwise
    // wait for a connection that may never come (a stopped server), and its next commands
    // would never be queued to meet their own deadlines.
    if (this.#waiting.length === 0 && this.#conn === null && this.#drainOwed) {
      this.#drainOwed = false;
      this.#events.emit('drain');
    }
  }

  /** A waiting command's deadline passed: it fails unsent, and leaves the queue. */
  #expire(cmd: PendingCommand): void {
    if (cmd.settled) return;
    cmd.fail(
      new CommandTimeoutError(
        `${String(cmd.args[0])} waited ${cmd.timeoutMs ?? 0} ms for ${this.#conn === null ? 'a connection to' : 'the congested connection to'} ${describe(this.#options)} and was not sent`,
        false,
      ),
    );
    // Commands often expire together: one compaction for all of them, after this turn.
    if (this.#compactScheduled) return;
    this.#compactScheduled = true;
    queueMicrotask(() => {
      this.#compactScheduled = false;
      this.#compactWaiting();
    });
  }

  /**
   * CONFIG GET timeout, where permitted: the pool keeps its idle timeout below it, and the
   * heartbeat runs often enough that the server never closes this connection for idling.
   * Refused (ACL, renamed CONFIG) or failing: ignored, the configured values stand.
   */
  #readServerTimeout(conn: Connection): void {
    const ping = this.#options.pingIntervalMs;
    const start = (serverSeconds: number): void => {
      // Half the server's timeout leaves room for a slow PING round trip and the server's own
      // once-a-second check.
      const limit =
        serverSeconds > 0 ? Math.max(100, (serverSeconds * 1000) / 2) : Number.POSITIVE_INFINITY;
      // pingIntervalMs 0 means off, whatever the server's timeout (its idle closes are routine).
      if (ping > 0) conn.startHeartbeat(Math.min(ping, limit));
    };
    conn.send(
      new BasicCommand({
        args: ['CONFIG', 'GET', 'timeout'],
        reply: (value) => {
          const seconds = parseConfigValue(value, 'timeout');
          if (seconds !== undefined) this.#onServerTimeout(seconds);
          start(seconds ?? 0);
        },
        fail: () => undefined,
      }),
    );
  }

  #emitError(error: Error): void {
    const sink = this.#events as ClientEventSink & { listenerCount?(event: string): number };
    if ((sink.listenerCount?.('error') ?? 0) > 0) sink.emit('error', error);
  }

  stats(): MultiplexerStats {
    const c = this.counters;
    return {
      open: this.#conn !== null ? 1 : 0,
      connecting: this.#connecting !== null ? 1 : 0,
      queued: this.#waiting.length,
      queuedBytes: this.#waitingBytes,
      bufferedBytes: this.#conn?.bufferedBytes ?? 0,
      inFlight: this.#conn?.inFlight ?? 0,
      created: c.connectionsCreated,
      destroyed: c.connectionsDestroyed,
      connectErrors: c.connectErrors,
      commandsSent: c.commandsSent,
      commandsFailed: c.commandsFailed,
      errorReplies: c.errorReplies,
      retries: c.retries,
      reconnects: c.reconnects,
    };
  }

  /** Graceful: commands already accepted are answered; new ones fail with ERR_CLIENT_CLOSED. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closed = true;
    this.#stopTimers();
    // Unpublish the connection so commands sent from now on are refused with ERR_CLIENT_CLOSED;
    // the connection itself still delivers the replies it owes.
    const current = this.#conn;
    this.#conn = null;
    // Commands accepted while the socket was congested still go out, before QUIT.
    if (current !== null) this.#sendWaiting(current, true);
    this.#closing = (async () => {
      const conn =
        current ?? (this.#connecting === null ? null : await this.#connecting.catch(() => null));
      // Nothing can connect any more: what still waits cannot be sent.
      this.#failWaiting(
        new ClientClosedError('The client closed before a connection was available'),
      );
      if (conn !== null) await conn.close(this.#options.closeTimeoutMs);
    })();
    return this.#closing;
  }

  /** Immediate: everything pending fails; the socket is destroyed. */
  destroy(error?: Error): void {
    this.#closed = true;
    this.#stopTimers();
    this.#failWaiting(error ?? new ClientClosedError('The client was destroyed'));
    this.#conn?.destroy(error ?? new ClientClosedError('The client was destroyed'));
  }

  #failWaiting(reason: Error): void {
    for (let cmd = this.#waiting.shift(); cmd !== undefined; cmd = this.#waiting.shift()) {
      cmd.fail(reason);
    }
    this.#waitingBytes = 0;
    this.#deadlines.clear();
  }

  #stopTimers(): void {
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    this.#deadlines.clear();
    this.#retryTimer = undefined;
  }
}

/**
 * Bytes a command will take on the wire, roughly: enough to bound a queue, cheap to compute.
 * A raw frame is its own length.
 */
function estimateBytes(cmd: PendingCommand): number {
  if (cmd.frame !== undefined) return cmd.frame.length;
  let n = 16;
  for (const a of cmd.args)
    n += (typeof a === 'string' ? a.length * 3 : Buffer.isBuffer(a) ? a.length : 20) + 16;
  return n;
}

/** The value of one parameter in a CONFIG GET reply (RESP3 map or RESP2 flat array). */
export function parseConfigValue(value: RespValue, name: string): number | undefined {
  let raw: RespValue | undefined;
  if (value instanceof Map) raw = value.get(name);
  else if (Array.isArray(value)) raw = value[value.indexOf(name) + 1];
  const n = Number(
    typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString() : Number.NaN,
  );
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function describe(o: ResolvedClientOptions): string {
  return o.path ?? `${o.host}:${o.port}`;
}
