/**
 * A client's command (or one part of a split command) on its way through a Redis Cluster: a raw
 * request the engine's router can route by slot, park, and send again. Its reply is the server's
 * bytes; the few error replies that are the cluster's business (MOVED, ASK, TRYAGAIN,
 * CLUSTERDOWN, LOADING) go to the engine's redirect handler first, so a client never sees them
 * while the engine can still follow them. Everything else is relayed as it came.
 */
import type { RoutedCommand } from '../cluster/cluster-command.js';
import { isReadOnly } from '../commands/classify.js';
import type { PendingCommand } from '../connection/pending-command.js';
import { ReplyError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';
import { backoffCapMs } from '../util/backoff.js';

/** What a relayed command needs of the cluster. */
export interface RelayHost {
  readonly onServerError: (cmd: RoutedCommand, error: ReplyError) => boolean;
  /** Route it again from scratch. */
  readonly dispatch: (cmd: RoutedCommand) => void;
}

/** Error prefixes the redirect handler acts on; any other error reply is the client's. */
const CLUSTER_ERRORS: ReadonlySet<string> = new Set([
  'MOVED',
  'ASK',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'LOADING',
]);
const MINUS = 0x2d;
/** The longest prefix worth reading from an error frame ("CLUSTERDOWN"). */
const MAX_PREFIX_BYTES = 12;
const TRANSIENT_BACKOFF = { baseMs: 10, maxMs: 500 } as const;
/**
 * How long a command keeps being retried on TRYAGAIN or CLUSTERDOWN (a slot's keys half moved, a
 * failover being voted). This bounds the wait of a request without a deadline of its own
 * (`upstreamTimeoutMs` 0).
 */
const TRANSIENT_BUDGET_MS = 10_000;

export class ClusterRelay implements RoutedCommand {
  readonly args: readonly RespArg[];
  readonly frame: Buffer;
  readonly raw = true;
  readonly returnBuffers = false;
  /** Which shared connection of a node it takes: its client's protocol. */
  readonly protocol: 2 | 3;
  slot: number;
  hops = 0;
  primaryOnly = false;
  readonly #target: PendingCommand;
  readonly #host: RelayHost;
  #transientSince = 0;
  #transientAttempts = 0;
  #retriedWritten = false;

  constructor(
    target: PendingCommand,
    args: readonly RespArg[],
    frame: Buffer,
    slot: number,
    protocol: 2 | 3,
    host: RelayHost,
  ) {
    this.#target = target;
    this.args = args;
    this.frame = frame;
    this.slot = slot;
    this.protocol = protocol;
    this.#host = host;
  }

  /** The client's deadline (`upstreamTimeoutMs`), across redirects and retries. */
  get deadline(): number {
    return this.#target.deadline ?? 0;
  }

  get timeoutMs(): number {
    return this.#target.timeoutMs ?? 0;
  }

  /** The client's command settles once; this relay has no outcome of its own. */
  get settled(): boolean {
    return this.#target.settled;
  }

  reply(value: unknown): void {
    const frame = value as Buffer;
    if (frame[0] === MINUS) {
      const end = frame.indexOf(0x20, 1);
      const prefix = frame.toString(
        'latin1',
        1,
        end === -1 ? Math.min(frame.length, MAX_PREFIX_BYTES) : end,
      );
      if (CLUSTER_ERRORS.has(prefix)) {
        const error = new ReplyError(frame.toString('utf8', 1, frame.length - 2));
        if (this.#host.onServerError(this, error)) return;
      }
    }
    this.#target.reply(frame);
  }

  fail(error: Error): void {
    this.#target.fail(error);
  }

  /**
   * Written, then its connection died (a node closing idle connections, a node lost): sent
   * again once when it only reads, as the engine does for its own commands.
   */
  retryable(): boolean {
    if (this.settled || this.#retriedWritten || !isReadOnly(this.args)) return false;
    this.#retriedWritten = true;
    return true;
  }

  retryTransient(): boolean {
    const now = performance.now();
    if (this.#transientAttempts === 0) this.#transientSince = now;
    const deadline = this.deadline;
    const left =
      Math.min(this.#transientSince + TRANSIENT_BUDGET_MS, deadline > 0 ? deadline : Infinity) -
      now;
    if (left <= 0) return false;
    const delay = Math.min(backoffCapMs(this.#transientAttempts + 1, TRANSIENT_BACKOFF), left);
    this.#transientAttempts++;
    setTimeout(() => {
      if (!this.settled) this.#host.dispatch(this);
    }, delay).unref();
    return true;
  }
}
