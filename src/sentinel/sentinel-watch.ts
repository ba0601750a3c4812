/**
 * One subscription per sentinel (PSUBSCRIBE *), kept up with backoff, so the client hears about
 * a failover from whichever sentinel runs it: only the leader publishes the failover's steps,
 * and the others learn of the new primary up to seconds later. Each message goes to `onEvent`
 * as (channel, text); a subscription that comes back after a loss reports `resync`, since
 * events may have been missed meanwhile.
 *
 * These connections go to the sentinels, not to the data nodes: they are outside
 * `maxConnections`.
 */
import { Connection } from '../connection/connection.js';
import type { RespPush } from '../protocol/resp-types.js';
import { backoffDelayMs } from '../util/backoff.js';
import type { ResolvedSentinelOptions } from './sentinel-options.js';
import { type NodeAddress, sentinelConnectionOptions } from './sentinel-query.js';

export type SentinelEventListener = (channel: string, message: string) => void;

/** Resubscribing to a sentinel: from 200 ms (after one loss) up to 2 s, equal jitter. */
const RETRY_BACKOFF = { baseMs: 100, maxMs: 2_000 } as const;

export class SentinelWatch {
  readonly #options: ResolvedSentinelOptions;
  readonly #onEvent: SentinelEventListener;
  readonly #onResync: () => void;
  readonly #conns = new Set<Connection>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #closed = false;

  constructor(
    options: ResolvedSentinelOptions,
    onEvent: SentinelEventListener,
    onResync: () => void,
  ) {
    this.#options = options;
    this.#onEvent = onEvent;
    this.#onResync = onResync;
  }

  /** Subscribe to every sentinel; returns at once, subscriptions come up in the background. */
  start(sentinels: readonly NodeAddress[]): void {
    for (const s of sentinels) void this.#watch(s, 0, false);
  }

  async #watch(sentinel: NodeAddress, failures: number, resync: boolean): Promise<void> {
    if (this.#closed) return;
    let conn: Connection;
    try {
      conn = await Connection.open(
        sentinelConnectionOptions(this.#options, sentinel),
        this.#options.client.socketFactory,
      );
    } catch {
      this.#retry(sentinel, failures + 1);
      return;
    }
    if (this.#closed) {
      conn.destroy();
      return;
    }
    this.#conns.add(conn);
    conn.setSubscriberMode(true);
    conn.on('push', (push: RespPush) => {
      if (push.kind !== 'pmessage') return;
      this.#onEvent(String(push.data[2]), String(push.data[3]));
    });
    conn.once('close', () => {
      this.#conns.delete(conn);
      this.#retry(sentinel, 1);
    });
    conn.sendWithoutReply(['PSUBSCRIBE', '*']);
    // A hung sentinel keeps its socket open and says nothing: PING finds it, so the watch
    // reconnects (to it, once it answers again). RESP2 answers PING in subscriber mode with a
    // pub/sub array, not a reply, so only RESP3 connections can be checked this way.
    if (conn.protocol === 3) conn.startHeartbeat(this.#options.client.pingIntervalMs);
    if (resync) this.#onResync();
  }

  #retry(sentinel: NodeAddress, failures: number): void {
    if (this.#closed) return;
    // The one backoff rule (util/backoff.ts). `failures + 1`: the first retry already waits
    // two steps (200 ms), as this watch always has.
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        void this.#watch(sentinel, failures, true);
      },
      backoffDelayMs(failures + 1, RETRY_BACKOFF),
    );
    timer.unref();
    this.#timers.add(timer);
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const c of this.#conns) c.destroy();
    this.#conns.clear();
  }
}
