/**
 * One standalone server behind the proxy, driven by the engine: a `ClientCore` per protocol and
 * database in use (its multiplexed connection is the shared path; its pool lends leases), all
 * under one `SharedBudget` of `maxConnections`.
 *
 * Why a shared path per (protocol, db) rather than a lease per SELECTing client: a reply is
 * relayed as the server's bytes, so a RESP3 client needs a RESP3 connection, and a client that
 * SELECTs db 9 needs a connection in db 9. Leasing would pin every such client to its own
 * connection for as long as it stays there (the whole session, for most), so 1,000 clients in
 * db 1 would need 1,000 connections; one multiplexed connection per (protocol, db) carries them
 * all. Each takes one slot of the budget when first needed, for the proxy's lifetime; when the
 * budget has no slot left, the client's SELECT (or HELLO 3) is refused naming the limit.
 */
import { ClientCore } from '../client/client-core.js';
import { LeaseState } from '../client/lease-state.js';
import { type ClientOptions, resolveClientOptions } from '../client/options.js';
import type { Connection } from '../connection/connection.js';
import { SharedBudget } from '../pool/shared-budget.js';
import { PubSubHub } from './pubsub-hub.js';
import type { Lease, SharedPath, Upstream, UpstreamStats } from './upstream.js';

export interface StandaloneUpstreamOptions {
  /** `redis://…` of the server, with its credentials (never shown to clients). */
  readonly url: string;
  readonly maxConnections: number;
  /** The name upstream connections carry in CLIENT LIST. @default 'respool-proxy' */
  readonly name?: string;
  /** Extra engine options (timeouts, TLS). */
  readonly client?:
    | undefined
    | Omit<ClientOptions, 'url' | 'db' | 'protocol' | 'maxConnections' | 'name'>;
}

class CoreLease implements Lease {
  readonly connection: Connection;
  readonly #core: ClientCore;
  readonly #state: LeaseState;
  #done = false;

  constructor(core: ClientCore, connection: Connection, state: LeaseState) {
    this.#core = core;
    this.connection = connection;
    this.#state = state;
  }

  observe(args: readonly (string | Buffer)[]): void {
    this.#state.observe(args);
  }

  release(): void {
    if (this.#done) return;
    this.#done = true;
    this.#core.pool.release(this.connection);
  }

  destroy(): void {
    if (this.#done) return;
    this.#done = true;
    this.#core.pool.destroyLeased(this.connection);
  }
}

export class StandaloneUpstream implements Upstream {
  readonly routesByKey = false;
  readonly maxConnections: number;
  readonly hub: PubSubHub;
  readonly #options: StandaloneUpstreamOptions;
  readonly #budget: SharedBudget;
  /** (protocol, db) → core; key = protocol * 65536 + db. */
  readonly #cores = new Map<number, ClientCore>();
  readonly #drainListeners: (() => void)[] = [];
  readonly #default: ClientCore;
  #leaseWaits = 0;
  #leaseTimeouts = 0;
  #serverVersion = '7.0.0';

  constructor(options: StandaloneUpstreamOptions) {
    this.#options = options;
    this.maxConnections = options.maxConnections;
    this.#budget = new SharedBudget(options.maxConnections);
    this.#budget.reserve();
    this.#default = this.#createCore(2, 0);
    // The hub's connection is lent by the default core's pool: it counts in the budget.
    this.hub = new PubSubHub(this.#default.subscriber);
  }

  get serverVersion(): string {
    return this.#serverVersion;
  }

  #createCore(protocol: 2 | 3, db: number): ClientCore {
    const o = this.#options;
    const resolved = resolveClientOptions({
      ...o.client,
      url: o.url,
      db,
      protocol,
      name: o.name ?? 'respool-proxy',
      maxConnections: o.maxConnections,
      // A proxied request has no deadline of its own: its client decides how long to wait.
      commandTimeoutMs: 0,
    });
    const core = new ClientCore(resolved, undefined, this.#budget);
    core.events.on('drain', this.#onDrain);
    core.events.on('error', () => {
      // Surfaced to each waiting client as its command's error; nothing to do here.
    });
    this.#cores.set(protocol * 65536 + db, core);
    return core;
  }

  readonly #onDrain = (): void => {
    for (const listener of this.#drainListeners) listener();
  };

  onDrain(listener: () => void): void {
    this.#drainListeners.push(listener);
  }

  async start(): Promise<void> {
    const conn = await this.#default.mux.connect();
    const version = conn.handshake?.serverVersion;
    if (version !== undefined) this.#serverVersion = version;
    else {
      const info = await new Promise<string>((resolve, reject) => {
        conn.send({
          args: ['INFO', 'server'],
          returnBuffers: false,
          reply: (v) => resolve(String(v)),
          fail: reject,
        });
      });
      this.#serverVersion = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? this.#serverVersion;
    }
  }

  #core(protocol: 2 | 3, db: number): ClientCore | Error {
    const core = this.#cores.get(protocol * 65536 + db);
    if (core !== undefined) return core;
    // An idle pooled connection gives its slot up for a shared connection (the pool's reclaim).
    if (!this.#budget.tryTake() && !(this.#budget.reclaim(() => false) && this.#budget.tryTake())) {
      return new Error(
        `no upstream connection left for a new ${protocol === 3 ? 'RESP3 ' : ''}shared connection${db === 0 ? '' : ` to db ${db}`}: every one of --max-connections ${this.maxConnections} is in use`,
      );
    }
    // The slot just taken is the new core's multiplexed connection, reserved for its lifetime.
    this.#budget.give();
    this.#budget.reserve();
    return this.#createCore(protocol, db);
  }

  shared(protocol: 2 | 3, db: number): SharedPath | Error {
    const core = this.#core(protocol, db);
    return core instanceof Error ? core : core.mux;
  }

  async lease(protocol: 2 | 3, db: number, timeoutMs: number): Promise<Lease> {
    const core = this.#core(protocol, db);
    if (core instanceof Error) throw core;
    const stats = core.pool.stats();
    if (stats.idle === 0) this.#leaseWaits++;
    let conn: Connection;
    try {
      conn = await core.pool.acquire({ timeoutMs, trackLeak: false });
    } catch (error) {
      this.#leaseTimeouts++;
      const s = this.stats();
      throw new Error(
        `no upstream connection became free within ${timeoutMs} ms: --max-connections ${this.maxConnections} reached (${s.leased} leased, ${s.connections} open)`,
        { cause: error },
      );
    }
    const state = new LeaseState(db, this.#options.name ?? 'respool-proxy');
    core.pool.track(conn, state);
    return new CoreLease(core, conn, state);
  }

  stats(): UpstreamStats {
    let connections = 0;
    let leased = 0;
    let idle = 0;
    for (const core of this.#cores.values()) {
      const s = core.stats();
      connections += s.open + s.connecting;
      leased += s.leased;
      idle += s.idle;
    }
    return {
      connections,
      leased,
      idle,
      maxConnections: this.maxConnections,
      leaseWaits: this.#leaseWaits,
      leaseTimeouts: this.#leaseTimeouts,
      sharedPaths: this.#cores.size,
      channels: this.hub.channelCount,
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#cores.values()].map((core) => core.close()));
  }
}
