/**
 * Pub/sub on one dedicated connection per client, leased from the pool (so it counts in the
 * budget) and shared by every subscription. The server is told about a channel once, when its
 * first listener arrives, and told to forget it when its last listener leaves; when no
 * subscription is left the connection goes back to the pool.
 *
 * Confirmations: RESP3 answers (P|S)SUBSCRIBE with push frames only; RESP2 answers with arrays
 * that the connection routes as pushes in subscriber mode. Either way each channel's
 * confirmation resolves a waiter keyed `kind:name`, so a subscribe() resolves once the server
 * has really subscribed. Operations run one at a time, so the server's view and ours never
 * diverge (a subscribe racing an unsubscribe of the same channel).
 *
 * A lost subscriber connection is replaced and every live channel subscribed again; messages
 * published while it was down are lost (pub/sub has no replay: at-most-once). The outage is
 * reported: `subscriber-down`/`subscriber-up` on the client, `down`/`outage` on each
 * subscription, so a caller can tell which window it missed.
 */
import { EventEmitter } from 'node:events';
import type { Connection } from '../connection/connection.js';
import { ClientClosedError, ConnectionClosedError, InvalidArgumentError } from '../errors.js';
import type { RespPush, RespValue } from '../protocol/resp-types.js';
import { type BackoffOptions, backoffDelayMs } from '../util/backoff.js';
import type { ConnectionPool } from './connection-pool.js';
import type { ClientEventSink } from './events.js';
import { type SubscribeKind, type Subscription, SubscriptionHandle } from './subscription.js';

export type { SubscribeKind, Subscription } from './subscription.js';

export type MessageListener<S> = (message: S, channel: string, pattern?: string) => void;

/** What a subscriber reports to its owner (a cluster moves subscriptions on these). */
export interface SubscriberEvents {
  /** The server ended channels on its own (a cluster node that lost their slot: SUNSUBSCRIBE). */
  dropped: [kind: SubscribeKind, names: string[]];
  /** The subscriber connection was lost; its channels are being subscribed again. */
  lost: [error: Error];
  /** After `lost`: every live channel is subscribed again. */
  restored: [];
}

interface Entry {
  readonly listener: MessageListener<string | Buffer>;
  readonly buffers: boolean;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

const UNSUBSCRIBE: Record<SubscribeKind, string> = {
  subscribe: 'unsubscribe',
  psubscribe: 'punsubscribe',
  ssubscribe: 'sunsubscribe',
};
const KINDS: readonly SubscribeKind[] = ['subscribe', 'psubscribe', 'ssubscribe'];

export class Subscriber {
  readonly #pool: ConnectionPool;
  readonly events = new EventEmitter<SubscriberEvents>();
  #conn: Connection | null = null;
  #acquiring: Promise<Connection> | null = null;
  /** `kind:name` → listeners. */
  readonly #listeners = new Map<string, Set<Entry>>();
  /** `confirmationKind:name` → waiters, oldest first. */
  readonly #waiters = new Map<string, Waiter[]>();
  #bufferEntries = 0;
  #closed = false;
  #serial: Promise<unknown> = Promise.resolve();
  /** Live subscriptions, told about outages. */
  readonly #subscriptions = new Set<SubscriptionHandle>();
  /** When the current outage began (Date.now()); undefined while subscribed. */
  #downAt: number | undefined;
  readonly #events: ClientEventSink | undefined;
  readonly #onPush = (push: RespPush): void => this.#dispatch(push);
  readonly #onClose = (error: Error | undefined): void => this.#connectionLost(error);

  /** The client's reconnect backoff (reconnectDelayMs…maxReconnectDelayMs), equal jitter. */
  readonly #backoff: BackoffOptions;

  constructor(pool: ConnectionPool, backoff: BackoffOptions, events?: ClientEventSink) {
    this.#pool = pool;
    this.#backoff = backoff;
    this.#events = events;
  }

  /** Live `kind:name` channels (for stats and tests). */
  get channelCount(): number {
    return this.#listeners.size;
  }

  subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
    buffers: boolean,
  ): Promise<Subscription> {
    let list: string[];
    try {
      list = validateNames(kind, names);
      if (typeof listener !== 'function') {
        throw new InvalidArgumentError(
          `${kind}: the listener must be a function, got ${typeof listener}`,
        );
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run(async () => {
      if (this.#closed) {
        throw new ClientClosedError('The client is closed; create a new client to subscribe');
      }
      const conn = await this.#connection();
      const entry: Entry = { listener, buffers };
      const fresh: string[] = [];
      for (const name of list) {
        const key = `${kind}:${name}`;
        let set = this.#listeners.get(key);
        if (set === undefined) {
          set = new Set();
          this.#listeners.set(key, set);
        }
        if (set.size === 0) fresh.push(name);
        set.add(entry);
      }
      if (buffers) this.#setBuffers(+1);
      try {
        if (fresh.length > 0) await this.#command(conn, kind, fresh);
      } catch (error) {
        this.#removeEntry(kind, list, entry);
        await this.#releaseIfUnused();
        throw error;
      }
      let active = true;
      const subscription: SubscriptionHandle = new SubscriptionHandle(kind, list, () =>
        this.#run(async () => {
          if (!active) return;
          active = false;
          this.#subscriptions.delete(subscription);
          const emptied = this.#removeEntry(kind, list, entry);
          const conn = this.#conn;
          if (emptied.length > 0 && conn !== null) {
            await this.#command(conn, UNSUBSCRIBE[kind], emptied).catch(() => {
              // The connection died meanwhile: the server forgot the channels with it.
            });
          }
          await this.#releaseIfUnused();
        }),
      );
      this.#subscriptions.add(subscription);
      return subscription;
    });
  }

  /** End every subscription: the connection is retired with QUIT, the server closing first. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#run(async () => {
      this.#listeners.clear();
      this.#subscriptions.clear();
      const conn = this.#conn;
      if (conn === null) return;
      this.#detach(conn);
      this.#pool.retireLeased(conn);
    });
  }

  /** Serialise operations: each starts when the previous one settled. */
  #run<T>(op: () => Promise<T>): Promise<T> {
    const next = this.#serial.then(op, op);
    this.#serial = next.catch(() => undefined);
    return next;
  }

  #connection(): Promise<Connection> {
    if (this.#conn !== null) return Promise.resolve(this.#conn);
    this.#acquiring ??= this.#pool
      .acquire({ trackLeak: false })
      .then((conn) => {
        conn.setSubscriberMode(true, this.#bufferEntries > 0);
        conn.on('push', this.#onPush);
        conn.once('close', this.#onClose);
        this.#conn = conn;
        return conn;
      })
      .finally(() => {
        this.#acquiring = null;
      });
    return this.#acquiring;
  }

  /** Send `command names…` and wait for the server's confirmation of each name. */
  #command(conn: Connection, command: string, names: readonly string[]): Promise<void> {
    const confirmations = names.map(
      (name) =>
        new Promise<void>((resolve, reject) => {
          const key = `${command}:${name}`;
          const list = this.#waiters.get(key);
          if (list === undefined) this.#waiters.set(key, [{ resolve, reject }]);
          else list.push({ resolve, reject });
        }),
    );
    try {
      conn.sendWithoutReply([command.toUpperCase(), ...names]);
    } catch (error) {
      this.#rejectWaiters(error as Error);
    }
    return Promise.all(confirmations).then(() => undefined);
  }

  #dispatch(push: RespPush): void {
    const d = push.data;
    switch (push.kind) {
      case 'message':
        this.#deliver('subscribe', text(d[1]), d[2] ?? null, text(d[1]), undefined);
        return;
      case 'smessage':
        this.#deliver('ssubscribe', text(d[1]), d[2] ?? null, text(d[1]), undefined);
        return;
      case 'pmessage':
        this.#deliver('psubscribe', text(d[1]), d[3] ?? null, text(d[2]), text(d[1]));
        return;
      default: {
        // A confirmation: subscribe, psubscribe, ssubscribe, unsubscribe, … name count
        const key = `${push.kind}:${text(d[1])}`;
        const list = this.#waiters.get(key);
        const waiter = list?.shift();
        if (list !== undefined && list.length === 0) this.#waiters.delete(key);
        if (waiter !== undefined) waiter.resolve();
        else this.#serverUnsubscribed(push.kind, text(d[1]));
      }
    }
  }

  #deliver(
    kind: SubscribeKind,
    name: string,
    payload: RespValue,
    channel: string,
    pattern: string | undefined,
  ): void {
    const set = this.#listeners.get(`${kind}:${name}`);
    if (set === undefined) return;
    for (const entry of set) {
      const message = entry.buffers ? asBuffer(payload) : text(payload);
      try {
        entry.listener(message, channel, pattern);
      } catch (error) {
        // A listener's bug must not take down the connection every subscription shares.
        process.emitWarning(error as Error, { code: 'RESPOOL_LISTENER_ERROR' });
      }
    }
  }

  /**
   * An unsubscribe nobody asked for: the server dropped the channel (a cluster node whose slot
   * moved away). Its listeners are forgotten here, so a reconnect does not subscribe it again on
   * this node; the owner is told, and may subscribe it where it lives now.
   */
  #serverUnsubscribed(pushKind: string, name: string): void {
    const kind = KINDS.find((k) => UNSUBSCRIBE[k] === pushKind);
    if (kind === undefined || !this.#listeners.delete(`${kind}:${name}`)) return;
    this.events.emit('dropped', kind, [name]);
    void this.#run(() => this.#releaseIfUnused());
  }

  /** Remove `entry` from each name; returns the names no listener is left for. */
  #removeEntry(kind: SubscribeKind, names: readonly string[], entry: Entry): string[] {
    const emptied: string[] = [];
    for (const name of names) {
      const key = `${kind}:${name}`;
      const set = this.#listeners.get(key);
      if (set === undefined || !set.delete(entry)) continue;
      if (set.size === 0) {
        this.#listeners.delete(key);
        emptied.push(name);
      }
    }
    if (entry.buffers) this.#setBuffers(-1);
    return emptied;
  }

  #setBuffers(delta: number): void {
    this.#bufferEntries += delta;
    this.#conn?.setSubscriberMode(true, this.#bufferEntries > 0);
  }

  async #releaseIfUnused(): Promise<void> {
    const conn = this.#conn;
    if (conn === null || this.#listeners.size > 0) return;
    this.#detach(conn);
    // Every channel was unsubscribed and confirmed: the connection is back in normal mode.
    conn.setSubscriberMode(false);
    this.#pool.release(conn);
  }

  #detach(conn: Connection): void {
    conn.off('push', this.#onPush);
    conn.off('close', this.#onClose);
    this.#conn = null;
  }

  #rejectWaiters(error: Error): void {
    for (const list of this.#waiters.values()) for (const w of list) w.reject(error);
    this.#waiters.clear();
  }

  #connectionLost(error: Error | undefined): void {
    const conn = this.#conn;
    if (conn === null) return;
    this.#detach(conn);
    this.#pool.release(conn); // not clean any more: the pool destroys it and frees the slot
    const closed = new ConnectionClosedError('The subscriber connection closed', true);
    this.#rejectWaiters(closed);
    if (this.#closed || this.#listeners.size === 0) return;
    this.events.emit('lost', closed);
    // Lost again while subscribing again: the same outage, and the running attempt retries.
    if (this.#downAt !== undefined) return;
    const downAt = Date.now();
    this.#downAt = downAt;
    this.#events?.emit('subscriber-down', { downAt, error, channels: this.#listeners.size });
    for (const s of this.#subscriptions) s.reportDown(downAt, error);
    void this.#resubscribe(0);
  }

  /** Every channel is subscribed again: the outage is over. */
  #up(): void {
    const downAt = this.#downAt;
    if (downAt === undefined) return;
    this.#downAt = undefined;
    const outage = { downAt, upAt: Date.now() };
    this.#events?.emit('subscriber-up', { ...outage, channels: this.#listeners.size });
    for (const s of this.#subscriptions) s.reportUp(outage);
  }

  /** Subscribe every live channel again on a new connection, retrying with backoff. */
  async #resubscribe(attempt: number): Promise<void> {
    try {
      await this.#run(async () => {
        if (this.#closed || this.#listeners.size === 0) {
          this.#downAt = undefined;
          return;
        }
        const conn = await this.#connection();
        for (const kind of KINDS) {
          const names = [...this.#listeners.keys()]
            .filter((k) => k.startsWith(`${kind}:`))
            .map((k) => k.slice(kind.length + 1));
          if (names.length > 0) await this.#command(conn, kind, names);
        }
        if (!this.#closed && this.#listeners.size > 0) this.events.emit('restored');
        this.#up();
      });
    } catch {
      if (this.#closed) return;
      const delayMs = backoffDelayMs(attempt + 1, this.#backoff);
      setTimeout(() => void this.#resubscribe(attempt + 1), delayMs).unref();
    }
  }
}

function validateNames(kind: SubscribeKind, names: string | readonly string[]): string[] {
  const list = typeof names === 'string' ? [names] : Array.isArray(names) ? [...names] : undefined;
  if (
    list === undefined ||
    list.length === 0 ||
    list.some((n) => typeof n !== 'string' || n === '')
  ) {
    throw new InvalidArgumentError(`${kind}: expected a non-empty channel name or array of names`);
  }
  return list;
}

function text(value: RespValue | undefined): string {
  return typeof value === 'string'
    ? value
    : Buffer.isBuffer(value)
      ? value.toString()
      : String(value);
}

function asBuffer(value: RespValue): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(text(value));
}
