/**
 * A stand-in for `Connection` with no socket, for the unit tests of the layers above it
 * (multiplexer, pool of connections, lease, subscriber), injected through their factories.
 * The test plays the server: it answers the commands in order (`answer`), pushes messages
 * (`push`), congests the socket (`congested`, `drain`) and kills the connection (`drop`), which
 * hands back what the real connection would (unwritten commands, and written retryable ones).
 */
import { EventEmitter } from 'node:events';
import type { Connection, ConnectionEvents } from '../../src/connection/connection.js';
import type { PendingCommand, ReplayDecision } from '../../src/connection/pending-command.js';
import { ConnectionClosedError } from '../../src/errors.js';
import type { RespArg, RespPush, RespValue } from '../../src/protocol/resp-types.js';

let nextId = 1;

export class FakeConnection extends EventEmitter<ConnectionEvents> {
  readonly id = nextId++;
  /** The owner's replay decision (the multiplexer installs client/replay-policy.ts's). */
  replay: ReplayDecision | undefined = undefined;
  /** Commands awaiting a reply, oldest first. */
  readonly inFlightQueue: PendingCommand[] = [];
  /** Every command sent, in order (including answered ones). */
  readonly sent: (readonly RespArg[])[] = [];
  /** Commands written without a reply (pub/sub). */
  readonly sentWithoutReply: (readonly RespArg[])[] = [];
  /** While true, send() reports congestion (returns false). */
  congested = false;
  subscriberMode = false;
  state: 'ready' | 'closed' = 'ready';
  destroyedWith: Error | undefined;
  /** Commands answered automatically (CONFIG GET timeout on open): name → reply. */
  readonly autoReplies = new Map<string, RespValue>([['CONFIG', ['timeout', '0']]]);

  get ready(): boolean {
    return this.state === 'ready';
  }
  get clean(): boolean {
    return this.state === 'ready' && this.inFlightQueue.length === 0;
  }
  get inFlight(): number {
    return this.inFlightQueue.length;
  }
  get bufferedBytes(): number {
    return 0;
  }
  get writable(): boolean {
    return !this.congested;
  }

  send(cmd: PendingCommand): boolean {
    if (this.state !== 'ready') {
      cmd.fail(new ConnectionClosedError('fake: closed', false));
      return true;
    }
    this.sent.push(cmd.args);
    const auto = this.autoReplies.get(String(cmd.args[0]).toUpperCase());
    if (auto !== undefined) {
      queueMicrotask(() => cmd.reply(auto));
      return !this.congested;
    }
    this.inFlightQueue.push(cmd);
    return !this.congested;
  }

  sendWithoutReply(args: readonly RespArg[]): void {
    this.sentWithoutReply.push(args);
  }

  setSubscriberMode(enabled: boolean): void {
    this.subscriberMode = enabled;
  }

  startHeartbeat(): void {}

  /** The server answers the oldest command in flight. */
  answer(value: RespValue): void {
    const cmd = this.inFlightQueue.shift();
    if (cmd === undefined) throw new Error('fake: nothing in flight to answer');
    if (!cmd.settled) cmd.reply(value);
  }

  /** A push frame from the server (pub/sub message or confirmation). */
  push(kind: string, ...data: RespValue[]): void {
    const frame = { kind, data: [kind, ...data] } as unknown as RespPush;
    this.emit('push', frame);
  }

  /** The socket takes everything: congestion ends. */
  drain(): void {
    this.congested = false;
    this.emit('drain');
  }

  /**
   * The connection dies (server kill, reset). Everything in flight counts as written: the
   * owner's `replay` decision takes some back, the rest fail.
   */
  drop(error: Error = new ConnectionClosedError('fake: reset by peer', true)): void {
    this.#end(error);
  }

  #end(error: Error | undefined): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const replay: PendingCommand[] = [];
    const reason = error ?? new ConnectionClosedError('fake: closed', true);
    for (const cmd of this.inFlightQueue.splice(0)) {
      if (cmd.settled) continue;
      if (this.replay?.(cmd, true, reason) === true) replay.push(cmd);
      else cmd.fail(new ConnectionClosedError('fake: closed with the command written', true));
    }
    this.emit('close', error, replay);
  }

  close(): Promise<void> {
    this.#end(undefined);
    return Promise.resolve();
  }

  destroy(error?: Error): void {
    this.destroyedWith = error;
    this.#end(error ?? new ConnectionClosedError('fake: destroyed', true));
  }

  /** Typed as the real thing for injection. */
  asConnection(): Connection {
    return this as unknown as Connection;
  }
}

/** A connection factory handing out fakes (or failing on cue); records every dial. */
export class FakeDialer {
  readonly made: FakeConnection[] = [];
  /** Errors the next dials fail with, in order. */
  readonly failures: Error[] = [];
  dials = 0;
  /** Dials never finish (a server that accepts but never answers the handshake). */
  hang = false;

  readonly open = (): Promise<Connection> => {
    this.dials++;
    if (this.hang) return new Promise<Connection>(() => undefined);
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    const conn = new FakeConnection();
    this.made.push(conn);
    return Promise.resolve(conn.asConnection());
  };

  get last(): FakeConnection {
    const conn = this.made.at(-1);
    if (conn === undefined) throw new Error('fake: nothing dialled yet');
    return conn;
  }
}
