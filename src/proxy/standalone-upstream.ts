/**
 * One standalone server behind the proxy, driven by the engine (`CoreSet`: a shared connection
 * per protocol and database in use, a bounded pool of leases, one budget). The pub/sub hub's
 * connection is lent by the default core's pool, so it counts in the budget too, as does the
 * `--cache` tracking connection (the set's tracking core, its slot reserved at construction).
 */
import type { CacheOptions } from '../cache/cache-options.js';
import { CachedClient } from '../client/cached-client.js';
import { defaultPolicy } from '../client/client.js';
import { SharedBudget } from '../pool/shared-budget.js';
import { CoreSet, type CoreSetStats, type EngineOptions } from './core-set.js';
import type { ProxyCacheBackend } from './proxy-cache.js';
import { PubSubHub } from './pubsub-hub.js';
import {
  type Lease,
  type SharedPath,
  type Upstream,
  UpstreamBase,
  type UpstreamStats,
} from './upstream.js';

export interface StandaloneUpstreamOptions {
  /** `redis://…` of the server, with its credentials (never shown to clients). */
  readonly url: string;
  readonly maxConnections: number;
  /** Extra engine options (timeouts, TLS). */
  readonly client?: EngineOptions | undefined;
  /** `--cache`: the tracking cache's bounds; its connection is one of `maxConnections`. */
  readonly cache?: CacheOptions | undefined;
}

export class StandaloneUpstream extends UpstreamBase implements Upstream {
  readonly routesByKey = false;
  override readonly publishSeesHub = true;
  readonly maxConnections: number;
  readonly hub: PubSubHub;
  readonly cache: ProxyCacheBackend | undefined;
  readonly #set: CoreSet;
  constructor(options: StandaloneUpstreamOptions) {
    super();
    this.maxConnections = options.maxConnections;
    const budget = new SharedBudget(options.maxConnections);
    this.#set = new CoreSet(
      options.url,
      budget,
      options.maxConnections,
      this.notifyDrain,
      options.client,
    );
    this.hub = new PubSubHub(this.#set.default.subscriber);
    this.cache = options.cache === undefined ? undefined : this.#cacheBackend(options.cache);
  }

  /** The tracking core takes its slot now: the budget (at least 3) always has it free here. */
  #cacheBackend(cache: CacheOptions): ProxyCacheBackend {
    const core = this.#set.tracking(cache);
    if (core instanceof Error) throw core;
    const tracking = core.cache!;
    const view = new CachedClient<Buffer>(core, tracking, {
      ...defaultPolicy(core.options),
      returnBuffers: true,
    });
    return {
      call: (...args) => view.call(...args),
      sync: () => view.sync(),
      peek: (name, key) => view.peek(name, key),
      stats: () => tracking.stats(),
    };
  }

  protected async versionSource(): Promise<CoreSet> {
    // The tracking connection up (tracking on) before the first read, or start-up fails fast.
    await this.#set.trackingCore?.mux.connect();
    return this.#set;
  }

  shared(protocol: 2 | 3, db: number): SharedPath | Error {
    const core = this.#set.core(protocol, db);
    return core instanceof Error ? core : core.mux;
  }

  lease(protocol: 2 | 3, db: number, timeoutMs: number): Promise<Lease> {
    return this.#set.lease(protocol, db, timeoutMs, () => this.#totals());
  }

  #totals(): CoreSetStats {
    return this.#set.stats({ connections: 0, leased: 0, idle: 0 });
  }

  stats(): UpstreamStats {
    return {
      ...this.#totals(),
      maxConnections: this.maxConnections,
      leaseWaits: this.#set.leaseWaits,
      leaseTimeouts: this.#set.leaseTimeouts,
      sharedPaths: this.#set.size,
      channels: this.hub.channelCount,
    };
  }

  async close(): Promise<void> {
    await this.#set.close();
  }
}
