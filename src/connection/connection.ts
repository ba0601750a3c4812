/**
 * One socket to one server: the decoder, the in-flight queue and the write batcher.
 *
 * Write path (auto-pipelining): `send()` encodes the command into the RequestWriter at once and
 * schedules one flush per event-loop turn with `process.nextTick`. A nextTick queued from a
 * promise continuation runs after the whole microtask queue has drained, so every caller whose
 * continuation runs in this turn joins the same write, and a lone caller pays no timer and no
 * extra turn. A batch that reaches `maxWriteBytes` is written at once, so one write never grows
 * past the cap. When the socket reports a full buffer (`write()` returned false) flushing stops
 * until `drain`.
 *
 * Back-pressure: `send()` returns false once the socket is congested (the kernel did not take
 * the last write), and the connection emits `drain` when it has written everything again.
 * `bufferedBytes` counts what the kernel has not accepted yet (encoded and still in the socket).
 * The owner stops sending on false (the multiplexer holds later commands in its bounded queue),
 * so the connection itself holds at most about one write beyond what the kernel took.
 *
 * Read path: replies arrive in order, so each decoded reply belongs to the command at the head of
 * the in-flight queue (a ring: O(1) shift). Before each reply the decoder is told the head's mode:
 * Buffers or strings, and for raw relay (`cmd.raw`) no decoding at all, only the frame's bytes.
 * A raw request (`cmd.frame`) is written as it is instead of being encoded from `args`.
 *
 * Write status: `#encoded` counts commands encoded, `#flushed` the count handed to the socket.
 * When the connection dies, the newest `#encoded - #flushed` commands of the queue never reached
 * the socket: they are handed back to the owner (`onClose`) to run elsewhere; the others may have
 * run and fail with `written: true`.
 *
 *   queue: [ oldest … flushed (may have run) … | … unwritten (safe to resend) … newest ]
 *
 * Deadlines: one entry per connection (not per command) in the library's one deadline structure
 * (util/deadlines.ts), due at the earliest deadline in the queue; each time it comes due, the
 * commands whose deadline passed fail (their entries stay, so replies keep their order, and are
 * dropped when they arrive) and the connection is scheduled again at the next one.
 * A written command that expires while nothing at all was read for its whole wait means the
 * peer is stalled or dead: the connection is destroyed so its replacement can serve callers
 * (SE.Redis #2610; the kernel would otherwise take ~15 minutes to notice).
 */
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import {
  ConnectionClosedError,
  ConnectTimeoutError,
  InvalidArgumentError,
  isRespoolError,
  ProtocolError,
  type TransportError,
} from '../errors.js';
import { closeChannel, connectChannel } from '../metrics/channels.js';
import {
  type ConnectionPeer,
  connectionPeer,
  publishClose,
  publishConnect,
} from '../metrics/publish.js';
import { RespDecoder } from '../protocol/decoder.js';
import { RequestWriter } from '../protocol/encoder.js';
import type { RespArg, RespPush, RespValue } from '../protocol/resp-types.js';
import { Deadlines } from '../util/deadlines.js';
import { RingQueue } from '../util/ring-queue.js';
import { type DialOptions, dialSocket, readyEventOf, type SocketFactory } from './connect.js';
import { expireDeadlines } from './deadlines.js';
import { type HandshakeOptions, type HandshakeResult, runHandshake } from './handshake.js';
import { BasicCommand, type PendingCommand, type ReplayDecision } from './pending-command.js';
import { isPubSubArray } from './pubsub-frames.js';

export interface ConnectionOptions extends DialOptions, HandshakeOptions {
  /** Budget for dial plus handshake. */
  readonly connectTimeoutMs: number;
  /** Largest single socket write; a batch reaching it is written at once. */
  readonly maxWriteBytes: number;
  /** How long `close()` waits for in-flight replies and the server's FIN before destroying. */
  readonly closeTimeoutMs: number;
  /** The owning client's id, carried by the connect/close diagnostics messages. @default '' */
  readonly clientId?: string;
}

export interface ConnectionEvents {
  /**
   * The connection is gone. `error` is absent after `close()`. `replay` holds the commands to
   * send again elsewhere, in order (only those the owner's `replay` decision took back).
   */
  close: [error: Error | undefined, replay: PendingCommand[]];
  push: [push: RespPush];
  /** The socket took everything written after `send()` had returned false. */
  drain: [];
}

// Connection states (plain constants: erasable syntax only, no enums).
const State = { Connecting: 0, Ready: 1, Closing: 2, Closed: 3 } as const;
type State = (typeof State)[keyof typeof State];

let nextId = 1;

export class Connection extends EventEmitter<ConnectionEvents> {
  /** Process-unique id, for logs and stats. */
  readonly id = nextId++;
  readonly #socket: net.Socket;
  readonly #decoder: RespDecoder;
  readonly #writer = new RequestWriter();
  readonly #queue = new RingQueue<PendingCommand>(64);
  readonly #maxWriteBytes: number;
  #state: State = State.Connecting;
  #encoded = 0;
  #flushed = 0;
  #flushScheduled = false;
  #needDrain = false;
  #handshake: HandshakeResult | undefined;
  #closing: Promise<void> | undefined;
  #whenDrained: (() => void) | undefined;
  // RESP2 subscriber mode: pub/sub messages and confirmations arrive as ordinary arrays and
  // must be routed as pushes, not matched to the queue (RESP3 sends them as push frames).
  #subscriberMode = false;
  #pushBuffers = false;
  readonly #endpoint: string;
  /** Who owns this connection and where it goes, for diagnostics messages. */
  readonly #peer: ConnectionPeer;
  /** performance.now() of the last bytes read: a connection that reads nothing is suspect. */
  #lastReadAt = performance.now();
  /**
   * The in-flight deadlines of every connection, on the library's one deadline structure
   * (util/deadlines.ts). A connection is one entry, due at the earliest deadline of its queue,
   * so sending a command costs no heap work; when it comes due, the scan of the queue (in reply
   * order: connection/deadlines.ts) fails what expired and enters the connection again at the
   * next deadline. Unref'd: the socket keeps the process alive while commands are in flight.
   */
  static readonly #deadlines = new Deadlines<Connection>((conn, now) => conn.#onDeadline(now), {
    ref: false,
  });
  /** When this connection is due in #deadlines (Infinity: not scheduled). */
  #deadlineAt = Number.POSITIVE_INFINITY;
  #heartbeat: NodeJS.Timeout | undefined;
  /**
   * Set by an owner that resends what a lost connection leaves behind (the multiplexer installs
   * client/replay-policy.ts's `replayDecision`): asked for each unanswered command when the
   * connection dies. Unset (leases), every unanswered command fails instead, since its state
   * dies with the socket.
   */
  replay: ReplayDecision | undefined = undefined;

  /**
   * Dial, run the handshake (HELLO/AUTH/SETNAME/SELECT/SETINFO) and resolve with a ready
   * connection. Rejects with the server's own `ReplyError` for a wrong password, or with a
   * `TransportError` when the socket fails or `connectTimeoutMs` passes.
   */
  static open(options: ConnectionOptions, dial: SocketFactory = dialSocket): Promise<Connection> {
    return new Promise((resolveOpen, rejectOpen) => {
      const conn = new Connection(dial(options), options);
      // Diagnostics: every attempt ends on respool:connection:connect, ready or failed.
      const startedAt = performance.now();
      const resolve = (ready: Connection): void => {
        if (connectChannel.hasSubscribers) {
          publishConnect(conn.#peer, conn.id, performance.now() - startedAt, undefined);
        }
        resolveOpen(ready);
      };
      const reject = (error: unknown): void => {
        if (connectChannel.hasSubscribers) {
          publishConnect(conn.#peer, conn.id, performance.now() - startedAt, error as Error);
        }
        rejectOpen(error);
      };
      const timer = setTimeout(() => {
        conn.destroy(
          new ConnectTimeoutError(
            `Connecting to ${describeEndpoint(options)} took longer than ${options.connectTimeoutMs} ms`,
          ),
        );
      }, options.connectTimeoutMs);
      const onEarlyClose = (error: Error | undefined): void => {
        clearTimeout(timer);
        reject(error ?? new ConnectionClosedError('Connection closed during connect', false));
      };
      conn.once('close', onEarlyClose);
      conn.#socket.once(readyEventOf(options), () => {
        runHandshake(conn, options).then(
          (result) => {
            clearTimeout(timer);
            conn.off('close', onEarlyClose);
            if (conn.#state !== State.Connecting) {
              reject(new ConnectionClosedError('Connection closed during the handshake', false));
              return;
            }
            conn.#handshake = result;
            conn.#state = State.Ready;
            resolve(conn);
          },
          (error: unknown) => {
            clearTimeout(timer);
            conn.off('close', onEarlyClose);
            conn.destroy();
            reject(error);
          },
        );
      });
    });
  }

  private constructor(socket: net.Socket, options: ConnectionOptions) {
    super();
    this.#socket = socket;
    this.#endpoint = describeEndpoint(options);
    this.#peer = connectionPeer(options);
    this.#maxWriteBytes = options.maxWriteBytes;
    this.#decoder = new RespDecoder({
      onReply: (value) => this.#onReply(value),
      onPush: (push) => this.emit('push', push),
    });
    socket.on('data', (chunk: Buffer) => {
      this.#lastReadAt = performance.now();
      try {
        this.#decoder.write(chunk);
      } catch (error) {
        this.destroy(error as Error);
      }
    });
    socket.on('drain', () => {
      this.#needDrain = false;
      this.#flush();
      if (!this.#needDrain && this.#state !== State.Closed) this.emit('drain');
    });
    socket.on('error', (error) => {
      this.destroy(this.#transportError(error.message, error));
    });
    socket.on('close', () => {
      if (this.#state === State.Closing && this.#queue.length === 0) this.#finish(undefined);
      else this.destroy(this.#transportError('the server closed the connection', undefined));
    });
  }

  /**
   * The error for a lost socket. While connecting no user command has been written, so it says
   * `written: false`; afterwards the commands that reached the socket may have run.
   */
  #transportError(what: string, cause: Error | undefined): ConnectionClosedError {
    const options = cause === undefined ? undefined : { cause };
    if (this.#state === State.Connecting) {
      return new ConnectionClosedError(
        `Could not connect to ${this.#endpoint}: ${what}`,
        false,
        options,
      );
    }
    return new ConnectionClosedError(
      `Connection to ${this.#endpoint} lost before the reply arrived (${what}); the command may have run`,
      true,
      options,
    );
  }

  /** Protocol spoken after the handshake (3 when the server accepted HELLO 3). */
  get protocol(): 2 | 3 {
    return this.#handshake?.protocol ?? 2;
  }

  /** What the handshake learned (server version, client id). */
  get handshake(): HandshakeResult | undefined {
    return this.#handshake;
  }

  /** True while commands can be sent. */
  get ready(): boolean {
    return this.#state === State.Ready;
  }

  /**
   * Ready, nothing in flight and no partial frame buffered: safe to lend to another caller. A
   * connection with unread bytes or unanswered commands would hand the next borrower someone
   * else's reply (Jedis #359).
   */
  get clean(): boolean {
    return this.#state === State.Ready && this.#queue.length === 0 && this.#decoder.idle;
  }

  /** Commands sent and not yet answered. */
  get inFlight(): number {
    return this.#queue.length;
  }

  /** Bytes not yet accepted by the kernel: encoded and unwritten, or buffered in the socket. */
  get bufferedBytes(): number {
    return this.#writer.pendingBytes + this.#socket.writableLength;
  }

  /** False while the socket is congested; `drain` follows when it is not any more. */
  get writable(): boolean {
    return !this.#needDrain;
  }

  /**
   * Queue a command. It is encoded now and written with everything else sent this turn. Never
   * throws for transport reasons: failures arrive through `cmd.fail`.
   * @returns false when the socket is congested: the command was taken, but the caller should
   * stop sending until `drain`.
   * @throws InvalidArgumentError synchronously when an argument cannot be encoded.
   */
  send(cmd: PendingCommand): boolean {
    if (this.#state === State.Closed || this.#state === State.Closing) {
      cmd.fail(new ConnectionClosedError('The connection is closing', false));
      return true;
    }
    const frame = cmd.frame;
    if (frame === undefined) {
      this.#writer.writeCommand(cmd.args);
    } else {
      // RESP2 subscriber mode tells pub/sub arrays from replies by decoding them; a raw reply
      // could not be told apart from a message.
      if (this.#subscriberMode) {
        throw new InvalidArgumentError('A raw frame cannot be sent on a subscriber connection');
      }
      this.#writer.writeFrame(frame);
    }
    // The decoder must know the mode of a reply before it parses it; the head of the queue is
    // the next reply to arrive.
    if (this.#queue.length === 0) {
      this.#decoder.returnBuffers = cmd.returnBuffers;
      this.#decoder.raw = cmd.raw === true;
    }
    this.#queue.push(cmd);
    this.#encoded++;
    const deadline = cmd.deadline;
    if (deadline !== undefined && deadline > 0 && deadline < this.#deadlineAt) {
      this.#armDeadline(deadline);
    }
    if (this.#writer.pendingBytes >= this.#maxWriteBytes) {
      this.#flush();
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#scheduledFlush);
    }
    return !this.#needDrain;
  }

  readonly #scheduledFlush = (): void => {
    this.#flushScheduled = false;
    this.#flush();
  };

  #flush(): void {
    if (this.#needDrain || this.#state === State.Closed) return;
    // During connect, handshake commands flush as soon as the socket is up (Node buffers writes
    // made before `connect`), so this needs no special case.
    const chunks = this.#writer.take();
    if (chunks.length === 0) return;
    this.#flushed = this.#encoded;
    const socket = this.#socket;
    let ok: boolean;
    if (chunks.length === 1) {
      ok = socket.write(chunks[0]!);
    } else {
      socket.cork();
      ok = true;
      for (const chunk of chunks) ok = socket.write(chunk);
      socket.uncork();
    }
    if (!ok) this.#needDrain = true;
  }

  #onReply(value: RespValue): void {
    if (this.#subscriberMode && Array.isArray(value) && isPubSubArray(value)) {
      this.emit('push', { kind: String(value[0]), data: value });
      return;
    }
    const cmd = this.#queue.shift();
    if (cmd === undefined) {
      throw new ProtocolError('The server sent a reply no command was waiting for');
    }
    const next = this.#queue.peek();
    const decoder = this.#decoder;
    if (next !== undefined) {
      decoder.returnBuffers = next.returnBuffers;
      decoder.raw = next.raw === true;
    } else {
      decoder.returnBuffers = this.#pushBuffers;
      decoder.raw = false;
    }
    // A command its deadline already failed: the reply is read (to keep the order) and dropped.
    if (!cmd.settled) cmd.reply(value);
    if (this.#queue.length === 0 && this.#whenDrained !== undefined) this.#whenDrained();
  }

  /**
   * Write a command that gets no reply of its own: (P|S)SUBSCRIBE and their UNSUBSCRIBEs, whose
   * confirmations arrive as pushes (RESP3) or, in subscriber mode, as arrays routed as pushes.
   * @throws InvalidArgumentError when an argument cannot be encoded.
   */
  sendWithoutReply(args: readonly RespArg[]): void {
    if (this.#state !== State.Ready) {
      throw new ConnectionClosedError('The connection is not ready', false);
    }
    // Not counted in #encoded: write status is tracked for queued commands only.
    this.#writer.writeCommand(args);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      process.nextTick(this.#scheduledFlush);
    }
  }

  /**
   * Route pub/sub arrays as pushes (RESP2 needs it; harmless in RESP3) and decode pushes to
   * Buffers or strings. Only a subscriber connection uses this.
   */
  setSubscriberMode(enabled: boolean, pushBuffers = false): void {
    this.#subscriberMode = enabled && this.protocol === 2;
    this.#pushBuffers = pushBuffers;
    if (this.#queue.length === 0) this.#decoder.returnBuffers = pushBuffers;
  }

  #armDeadline(at: number): void {
    this.#deadlineAt = at;
    Connection.#deadlines.add(this, at);
  }

  /** Fail every command whose deadline passed; schedule the earliest one left. */
  #onDeadline(now: number): void {
    this.#deadlineAt = Number.POSITIVE_INFINITY;
    const unflushed = this.#encoded - this.#flushed;
    const scan = expireDeadlines(this.#queue, unflushed, now, this.#lastReadAt, this.#endpoint);
    if (scan.stalledMs !== undefined) {
      this.destroy(
        new ConnectionClosedError(
          `${this.#endpoint} sent nothing for ${Math.round(now - this.#lastReadAt)} ms while commands waited (stalled or dead peer); the command may have run`,
          true,
        ),
      );
      return;
    }
    if (scan.next !== Number.POSITIVE_INFINITY) this.#armDeadline(scan.next);
  }

  /**
   * Idle heartbeat: every `intervalMs`, a connection that has read nothing since the last tick
   * and has nothing in flight sends PING with a deadline of `intervalMs`. The deadline's stall
   * rule destroys a connection whose PING goes unanswered, so a silently dead peer is found
   * within two intervals even when no caller is waiting on it.
   */
  startHeartbeat(intervalMs: number): void {
    if (intervalMs <= 0 || this.#heartbeat !== undefined) return;
    this.#heartbeat = setInterval(() => {
      const now = performance.now();
      // Quiet: nothing in flight and nothing read for (almost) a whole interval. The 10% slack
      // keeps the tick right after a PING's reply from skipping, so an idle connection pings
      // once per interval and a dead one is found within two.
      const quiet = this.#queue.length === 0 && now - this.#lastReadAt >= intervalMs * 0.9;
      if (!quiet || this.#state !== State.Ready) return;
      this.send(
        new BasicCommand({
          args: ['PING'],
          deadline: now + intervalMs,
          timeoutMs: intervalMs,
          reply() {},
          fail() {},
        }),
      );
    }, intervalMs);
    this.#heartbeat.unref();
  }

  /**
   * Graceful close: stop taking commands, wait for every in-flight reply, then send QUIT and let
   * the server close first. The side that closes first keeps the socket in TIME_WAIT; letting
   * the server do it keeps client hosts free of TIME_WAIT (incident 4). Past `timeoutMs` the
   * socket is destroyed and what is left fails with ERR_CONNECTION_CLOSED.
   */
  close(timeoutMs = 5000): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    if (this.#state === State.Closed) return Promise.resolve();
    this.#state = State.Closing;
    this.#closing = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.destroy(
          new ConnectionClosedError(`Close did not finish within ${timeoutMs} ms`, true),
        );
      }, timeoutMs);
      // Not unref'd: whoever awaits close() must see it finish, even with nothing else alive.
      this.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      const quit = (): void => {
        this.#whenDrained = undefined;
        // QUIT is answered +OK and then the server closes; the reply needs no owner.
        this.#queue.push(QUIT_COMMAND);
        this.#writer.writeCommand(QUIT_COMMAND.args);
        this.#encoded++;
        this.#flush();
        // No socket.end() here: our FIN would make this side the active closer and leave the
        // socket in TIME_WAIT on the client host. The server closes after +OK; Node answers its
        // FIN (allowHalfOpen is off), and the close deadline covers a server that never does.
      };
      if (this.#queue.length === 0) quit();
      else this.#whenDrained = quit;
    });
    return this.#closing;
  }

  /**
   * Immediate close. Commands not yet answered fail, except those the owner's `replay`
   * decision takes back to run on the next connection; those go back in their original order.
   */
  destroy(error?: Error): void {
    if (this.#state === State.Closed) return;
    this.#state = State.Closed;
    this.#socket.destroy();
    Connection.#deadlines.delete(this);
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    const reason = error ?? new ConnectionClosedError('The connection was destroyed', true);
    // Commands that reached the socket share one error; it must say they may have run.
    const written =
      isRespoolError(reason) && (reason as TransportError).written === true
        ? reason
        : new ConnectionClosedError(`${reason.message}; the command may have run`, true, {
            cause: reason,
          });
    const notWritten = new ConnectionClosedError(
      `Connection to ${this.#endpoint} closed before the command was sent (${reason.message})`,
      false,
      { cause: reason },
    );
    const decide = this.replay;
    const unwrittenCount = this.#encoded - this.#flushed;
    const all = this.#queue.drain();
    const writtenCount = all.length - unwrittenCount;
    const replay: PendingCommand[] = [];
    for (let i = 0; i < all.length; i++) {
      const cmd = all[i]!;
      if (cmd === QUIT_COMMAND || cmd.settled) continue;
      const wasWritten = i < writtenCount;
      if (decide?.(cmd, wasWritten, reason) === true) replay.push(cmd);
      else cmd.fail(wasWritten ? written : notWritten);
    }
    this.#finish(error, replay);
  }

  #finish(error: Error | undefined, unwritten: PendingCommand[] = []): void {
    // Only the socket's close ends a graceful close(); destroy() has already set Closed.
    const graceful = this.#state === State.Closing;
    this.#state = State.Closed;
    Connection.#deadlines.delete(this);
    this.#socket.destroy();
    // Diagnostics: only connections that were open (handshake done) report a close.
    if (closeChannel.hasSubscribers && this.#handshake !== undefined) {
      const reason = error !== undefined ? 'error' : graceful ? 'closed' : 'destroyed';
      publishClose(this.#peer, this.id, reason, error);
    }
    this.emit('close', error, unwritten);
  }
}

const QUIT_COMMAND: PendingCommand = new BasicCommand({ args: ['QUIT'], reply() {}, fail() {} });

export function describeEndpoint(options: DialOptions): string {
  return options.path !== undefined ? options.path : `${options.host}:${options.port}`;
}
