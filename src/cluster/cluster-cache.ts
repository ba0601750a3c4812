/**
 * Client-side caching on a cluster (docs/caching.md, cluster): `cluster.cached.get(k)` and the
 * other cacheable reads. Every node's client has its own cache, kept fresh by CLIENT TRACKING on
 * that node's own multiplexed connection (the `cache` option reaches each node's ClientCore), so
 * an entry is only ever stored by the node whose invalidations can remove it, and is flushed
 * when that node's connection closes or reconnects, as on a single client.
 *
 * What the cluster adds: a read is looked up in the cache of the node that owns its slot now;
 * a miss is sent to that node directly (never redirected, so its reply is tracked where it is
 * stored); a MOVED or ASK reply stores nothing, empties that node's cache and sends the read
 * through the router, which follows the redirect. A node's whole cache is emptied when a
 * topology change or a MOVED patch takes any slot away from it (`CacheSlotWatch`). Reads whose
 * keys span slots, and reads while no node owns the slot, go through the router uncached.
 */

import { MISS } from '../cache/tracking-cache.js';
import type { CacheableMethod, CachedClient } from '../client/cached-client.js';
import { CommandApi } from '../client/command-api.js';
import type { CommandPolicy } from '../client/promise-command.js';
import type { Transform } from '../client/reply-transforms.js';
import { prefixKeys } from '../commands/key-prefix.js';
import { InvalidArgumentError, ReplyError } from '../errors.js';
import { commandTraced } from '../metrics/channels.js';
import type { RespArg } from '../protocol/resp-types.js';
import type { ClusterEngine } from './cluster-engine.js';
import type { NodeClient } from './node-client.js';
import { keySlot, SLOT_COUNT } from './slot.js';
import type { Topology } from './topology.js';

/** `cluster.cached`: cacheable reads, and `sync()`. */
export type ClusterCachedReads<S extends string | Buffer = string> = Pick<
  ClusterCachedClient<S>,
  CacheableMethod | 'sync'
>;

function isRedirect(error: unknown): boolean {
  return error instanceof ReplyError && (error.prefix === 'MOVED' || error.prefix === 'ASK');
}

export class ClusterCachedClient<S extends string | Buffer = string> extends CommandApi<
  'async',
  S
> {
  readonly #engine: ClusterEngine;
  readonly #prefix: string | undefined;
  /** The nodes' views use this policy: the view's, without the prefix (applied here). */
  readonly #nodePolicy: CommandPolicy;

  /** @internal Use `cluster.cached`. */
  constructor(engine: ClusterEngine, policy: CommandPolicy) {
    super();
    this.#engine = engine;
    this.#prefix = policy.keyPrefix;
    this.#nodePolicy = { ...policy, keyPrefix: undefined };
  }

  /** Each node's cached-read view for this cluster view, made once per node. */
  readonly #views = new WeakMap<NodeClient, CachedClient<string | Buffer> | null>();

  #viewOf(node: NodeClient): CachedClient<string | Buffer> | undefined {
    let view = this.#views.get(node);
    if (view === undefined) {
      view =
        node.cachedView?.(this.#nodePolicy, (args, transform, error) => {
          if (!isRedirect(error)) return Promise.reject(error);
          // The slot is not this node's any more: nothing of its may be trusted for it.
          node.flushCache?.();
          return this.#engine.router.run(args, this.#nodePolicy, transform);
        }) ?? null;
      // "No cache" is remembered only for a node that has none; a proxy's node may have no
      // tracking connection yet (its budget was full) and be asked again on its next read.
      if (view !== null || node.cachedView === undefined) this.#views.set(node, view);
    }
    return view ?? undefined;
  }

  /** The cached-read view of the node that owns `slot` now, if it has a cache. */
  #view(slot: number): CachedClient<string | Buffer> | undefined {
    const node = this.#engine.nodeFor(slot, false);
    return node === undefined ? undefined : this.#viewOf(node);
  }

  /** The hot path: a hit costs the key's slot and the node's own hit path. */
  override get(key: RespArg): Promise<S | null> {
    if (this.#prefix === undefined && typeof key === 'string' && !commandTraced()) {
      const view = this.#view(keySlot(key));
      if (view !== undefined) return view.get(key) as Promise<S | null>;
    }
    return super.get(key);
  }

  protected override _cmd(args: RespArg[], transform: Transform | undefined): Promise<unknown> {
    if (this.#prefix !== undefined) args = prefixKeys(args, this.#prefix);
    let slot: number;
    try {
      slot = this.#engine.router.slotOf(args);
    } catch {
      // Keys in several slots: the router splits what it can split, or says why it cannot.
      return this.#engine.router.run(args, this.#nodePolicy, transform);
    }
    const view = this.#view(slot);
    if (view === undefined) return this.#engine.router.run(args, this.#nodePolicy, transform);
    return view.read(args, transform);
  }

  /**
   * @internal The stored reply of the one-key read `name key` in the cache of the node that
   * owns the key's slot now, or MISS (see CachedClient.peek).
   */
  peek(name: string, key: string): unknown {
    const view = this.#view(keySlot(key));
    // Not `??`: a stored nil (a missing key's GET) is a hit.
    return view === undefined ? MISS : view.peek(name, key);
  }

  protected override _block(): Promise<unknown> {
    return Promise.reject(
      new InvalidArgumentError('Blocking commands cannot be cached; use the cluster client itself'),
    );
  }

  /**
   * One round trip on every serving node's tracking connection: once it resolves, every write
   * acknowledged (to any client, on any node) before it was called has been invalidated here.
   */
  async sync(): Promise<void> {
    const e = this.#engine;
    await e.ready();
    const topology = e.topology;
    if (topology === undefined) return;
    const views: CachedClient<string | Buffer>[] = [];
    for (const shard of topology.shards) {
      const view = this.#viewOf(e.registry.get(shard.primary));
      if (view !== undefined) views.push(view);
    }
    await Promise.all(views.map((v) => v.sync()));
  }
}

/**
 * Empties a node's cache when slots move away from it: on every applied topology (compared
 * with the one before, slot by slot) and on every MOVED patch.
 */
export class CacheSlotWatch {
  readonly #engine: ClusterEngine;
  #last: Topology | undefined;

  constructor(engine: ClusterEngine) {
    this.#engine = engine;
  }

  /** A new topology is in place: a node that owned a slot it no longer owns loses its cache. */
  applied(next: Topology): void {
    const prev = this.#last;
    this.#last = next;
    if (prev === undefined) return;
    const losers = new Set<string>();
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const before = prev.primaryFor(slot)?.address;
      if (before !== undefined && before !== next.primaryFor(slot)?.address) losers.add(before);
    }
    for (const address of losers) this.#engine.nodes.get(address)?.flushCache?.();
  }

  /** A MOVED says `slot` is served at `to` now: its previous owner loses its cache. */
  moved(slot: number, to: { address: string }): void {
    const before = this.#engine.topology?.primaryFor(slot)?.address;
    if (before !== undefined && before !== to.address) {
      this.#engine.nodes.get(before)?.flushCache?.();
    }
  }
}
