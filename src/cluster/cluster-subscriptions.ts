/**
 * The cluster's pub/sub, following each channel's owner. SUBSCRIBE and PSUBSCRIBE channels are
 * cluster-wide (a message published on any node reaches subscribers on every node), so they go
 * to one node, the primary of slot 0, and move to another node when theirs is lost. SSUBSCRIBE
 * channels live on the node serving their slot, and move when that changes: the node drops them
 * itself (SUNSUBSCRIBE, on a failover or a slot migration), a refresh names another owner, or
 * the node is lost and a failover promotes another.
 *
 * A move is reported as `subscriptionDown` (when the old node stopped delivering) and
 * `subscriptionUp` (subscribed again, with the gap): messages published in between are lost, as
 * pub/sub is at-most-once. Each placement's listener is muted once the entry moves on, so a node
 * that comes back before its unsubscribe is processed cannot deliver a message twice.
 */

import type { MessageListener, SubscribeKind, Subscription } from '../client/subscriber.js';
import { SubscriptionHandle } from '../client/subscription.js';
import { ClusterDownError, CrossSlotError, InvalidArgumentError } from '../errors.js';
import { backoffDelayMs } from '../util/backoff.js';
import type { NodeClient } from './node-client.js';
import type { NodeRegistry } from './node-registry.js';
import { keySlot } from './slot.js';
import type { Topology } from './topology.js';

/** What the cluster reports about a subscription that had to move (docs/cluster.md, Pub/sub). */
export interface SubscriptionEvents {
  /** Its node stopped delivering (lost, or no longer the channel's owner); `at` is Date.now(). */
  subscriptionDown: [
    info: {
      kind: SubscribeKind;
      channels: readonly string[];
      node: string;
      reason: string;
      at: number;
    },
  ];
  /** Subscribed again on `node`; messages published during the `downMs` between were lost. */
  subscriptionUp: [
    info: { kind: SubscribeKind; channels: readonly string[]; node: string; downMs: number },
  ];
}

/** Where the events go (the cluster's emitter). */
export interface SubscriptionEventSink {
  emit<K extends keyof SubscriptionEvents>(event: K, ...args: SubscriptionEvents[K]): unknown;
}

/** What the subscriptions need of the cluster. */
export interface SubscriptionHost {
  ready(): Promise<void>;
  readonly topology: Topology | undefined;
  nodeFor(slot: number, readOnly: boolean): NodeClient | undefined;
  readonly registry: NodeRegistry;
  /** Ask for a topology refresh now (urgent: a subscription waits for it). */
  refresh(reason: string): void;
}

/**
 * Waits before trying again a move that could not be made (no node, or it refused): 100 ms,
 * doubling to 2 s (util/backoff.ts; no jitter: one timer per cluster client, not a fleet's
 * reconnect storm, and a refresh is triggered first, which has its own jitter).
 */
const RETRY_BACKOFF = { baseMs: 100, maxMs: 2_000, jitter: 'none' } as const;

class Entry {
  readonly kind: SubscribeKind;
  readonly names: readonly string[];
  /** The channels' slot for SSUBSCRIBE; -1 for cluster-wide channels. */
  readonly slot: number;
  readonly listener: MessageListener<string | Buffer>;
  readonly buffers: boolean;
  node: NodeClient | undefined;
  inner: Subscription | undefined;
  /** Identifies the current placement: listeners of older placements stay silent. */
  token: object = {};
  /** Date.now() when it stopped being delivered, until it is subscribed again. */
  downAt: number | undefined;
  /** The node it is on no longer delivers it (dropped it, or its connection is down). */
  stale = false;
  /** The node that dropped it (SUNSUBSCRIBE): not subscribed there again until it owns it. */
  droppedBy: NodeClient | undefined;
  active = true;
  retries = 0;

  constructor(
    kind: SubscribeKind,
    names: readonly string[],
    slot: number,
    listener: MessageListener<string | Buffer>,
    buffers: boolean,
  ) {
    this.kind = kind;
    this.names = names;
    this.slot = slot;
    this.listener = listener;
    this.buffers = buffers;
  }
}

export class ClusterSubscriptions {
  readonly #host: SubscriptionHost;
  readonly #events: SubscriptionEventSink;
  readonly #entries = new Set<Entry>();
  /** Moves run one at a time, so two triggers never move one entry twice. */
  #serial: Promise<unknown> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  /** Consecutive retries without every entry placed; 0 once they all are. */
  #retries = 0;
  #closed = false;

  constructor(host: SubscriptionHost, events: SubscriptionEventSink) {
    this.#host = host;
    this.#events = events;
    const registry = host.registry.events;
    registry.on('subscriptionsDropped', (node, kind, names) => this.#dropped(node, kind, names));
    registry.on('subscriberLost', (node) => this.#lost(node));
    registry.on('subscriberRestored', (node) => this.#restored(node));
  }

  async subscribe(
    kind: SubscribeKind,
    names: string | readonly string[],
    listener: MessageListener<string | Buffer>,
    buffers: boolean,
  ): Promise<Subscription> {
    const list = typeof names === 'string' ? [names] : Array.isArray(names) ? [...names] : [];
    if (list.length === 0 || list.some((n) => typeof n !== 'string' || n === '')) {
      throw new InvalidArgumentError(
        `${kind}: expected a non-empty channel name or array of names`,
      );
    }
    let slot = -1;
    if (kind === 'ssubscribe') {
      const slots = new Set(list.map((c) => keySlot(c)));
      if (slots.size !== 1)
        throw new CrossSlotError('SSUBSCRIBE channels must share one slot (use a hash tag)');
      slot = [...slots][0]!;
    }
    await this.#host.ready();
    const entry = new Entry(kind, list, slot, listener, buffers);
    const node = this.#target(entry);
    if (node === undefined)
      throw new ClusterDownError(`No node serves slot ${Math.max(slot, 0)}`, false);
    await this.#place(entry, node);
    this.#entries.add(entry);
    return new SubscriptionHandle(kind, list, async () => {
      if (!entry.active) return;
      entry.active = false;
      this.#entries.delete(entry);
      await entry.inner?.unsubscribe();
    });
  }

  /** A new topology is in place: move what its owner no longer serves. */
  follow(reason: string): void {
    if (this.#entries.size === 0) return;
    void this.#run(async () => {
      for (const entry of this.#entries) {
        const target = this.#target(entry);
        if (target === undefined) continue;
        if (target === entry.node) {
          // In place, or its node subscribes it again by itself after a reconnect.
          if (entry.inner !== undefined) continue;
          // Dropped by a node the topology still names: not converged yet; asked again later.
          if (entry.droppedBy === target) continue;
        }
        await this.#move(entry, target, reason);
      }
    }).finally(() => this.#retryLater());
  }

  /**
   * Stop following. A move in flight is not waited for (it may be waiting on a lost node): the
   * node clients, closed next by the cluster, end what it started.
   */
  close(): void {
    this.#closed = true;
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    for (const entry of this.#entries) entry.active = false;
    this.#entries.clear();
  }

  /** Where `entry` belongs now: its slot's primary, or for cluster-wide channels a live node. */
  #target(entry: Entry): NodeClient | undefined {
    const host = this.#host;
    if (entry.slot !== -1) return host.nodeFor(entry.slot, false);
    const topology = host.topology;
    const known = new Set(topology?.nodes().map((n) => n.address) ?? []);
    const current = entry.node;
    if (current !== undefined && !entry.stale && known.has(current.address)) return current;
    const preferred = host.nodeFor(0, false);
    if (preferred !== undefined && preferred !== current) return preferred;
    // Any other node will do: classic messages cross the whole cluster. Primaries first.
    const other = topology?.nodes().find((n) => n.address !== current?.address);
    return other === undefined ? preferred : host.registry.get(other);
  }

  async #place(entry: Entry, node: NodeClient): Promise<void> {
    const token = {};
    entry.token = token;
    entry.node = node;
    entry.stale = false;
    entry.droppedBy = undefined;
    const listener: MessageListener<string | Buffer> = (message, channel, pattern) => {
      if (entry.token === token && entry.active) entry.listener(message, channel, pattern);
    };
    entry.inner = await node.subscribe(entry.kind, entry.names, listener, entry.buffers);
  }

  async #move(entry: Entry, target: NodeClient, reason: string): Promise<void> {
    if (!entry.active || this.#closed) return;
    this.#markDown(entry, reason);
    const old = entry.inner;
    entry.inner = undefined;
    entry.token = {};
    // Not awaited: a lost node's unsubscribe waits behind its reconnect attempts.
    void old?.unsubscribe().catch(() => undefined);
    try {
      await this.#place(entry, target);
    } catch {
      entry.inner = undefined;
      entry.stale = true;
      entry.retries++;
      return;
    }
    entry.retries = 0;
    this.#markUp(entry);
  }

  #dropped(node: NodeClient, kind: SubscribeKind, names: readonly string[]): void {
    let any = false;
    for (const entry of this.#entries) {
      if (entry.node !== node || entry.kind !== kind) continue;
      if (!entry.names.some((n) => names.includes(n))) continue;
      // The node forgot these channels: nothing arrives until they are subscribed elsewhere.
      entry.stale = true;
      entry.inner = undefined;
      entry.droppedBy = node;
      this.#markDown(
        entry,
        `${node.address} dropped them (${kind === 'ssubscribe' ? 'SUNSUBSCRIBE' : 'unsubscribe'})`,
      );
      any = true;
    }
    if (any) this.#host.refresh(`${node.address} dropped subscriptions`);
  }

  #lost(node: NodeClient): void {
    const classic: Entry[] = [];
    let sharded = false;
    for (const entry of this.#entries) {
      if (entry.node !== node) continue;
      entry.stale = true;
      this.#markDown(entry, `lost the connection to ${node.address}`);
      if (entry.slot === -1) classic.push(entry);
      else sharded = true;
    }
    if (classic.length > 0) {
      // Cluster-wide channels need no particular node: resume on another one now.
      void this.#run(async () => {
        for (const entry of classic) {
          if (entry.node !== node || !entry.stale) continue;
          const target = this.#target(entry);
          if (target !== undefined) await this.#move(entry, target, `${node.address} lost`);
        }
      }).finally(() => this.#retryLater());
    }
    // A shard channel belongs to its slot's owner: the node resubscribes by itself if it comes
    // back; if it failed over, the refresh names the new owner and follow() moves it.
    if (sharded) this.#host.refresh(`subscriber connection to ${node.address} lost`);
  }

  #restored(node: NodeClient): void {
    for (const entry of this.#entries) {
      if (entry.node !== node || entry.inner === undefined || !entry.stale) continue;
      entry.stale = false;
      this.#markUp(entry);
    }
  }

  #markDown(entry: Entry, reason: string): void {
    if (entry.downAt !== undefined) return;
    entry.downAt = Date.now();
    this.#events.emit('subscriptionDown', {
      kind: entry.kind,
      channels: entry.names,
      node: entry.node?.address ?? '',
      reason,
      at: entry.downAt,
    });
  }

  #markUp(entry: Entry): void {
    const downAt = entry.downAt;
    if (downAt === undefined) return;
    entry.downAt = undefined;
    this.#events.emit('subscriptionUp', {
      kind: entry.kind,
      channels: entry.names,
      node: entry.node?.address ?? '',
      downMs: Date.now() - downAt,
    });
  }

  /** Entries left without a working placement are tried again after a refresh, with backoff. */
  #retryLater(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    const waiting = [...this.#entries].some((e) => e.inner === undefined || e.stale);
    if (!waiting) {
      this.#retries = 0;
      return;
    }
    this.#retries++;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        this.#host.refresh('subscriptions waiting for their owner');
        // If the refresh changes nothing (cooldown, same answer), try the placement anyway.
        this.follow('retry');
      },
      backoffDelayMs(this.#retries, RETRY_BACKOFF),
    );
    this.#retryTimer.unref();
  }

  #run(op: () => Promise<void>): Promise<void> {
    const next = this.#serial.then(op, op);
    this.#serial = next.catch(() => undefined);
    return next;
  }
}
