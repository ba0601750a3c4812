/**
 * The engine behind one upstream server: a `ClientCore` per protocol and database in use (its
 * multiplexed connection is a shared path; its pool lends leases), created when first needed, all
 * under a `SharedBudget` that several servers (shards) may share.
 *
 * Why a shared connection per (protocol, db) rather than a lease per SELECTing client: a reply is
 * relayed as the server's bytes, so a RESP3 client needs a RESP3 connection, and a client that
 * SELECTs db 9 needs a connection in db 9. Leasing would pin every such client to its own
 * connection for as long as it stays there (the whole session, for most), so 1,000 clients in
 * db 1 would need 1,000 connections; one multiplexed connection per (protocol, db) carries them
 * all. Each takes one slot of the budget when first needed (an idle pooled connection gives its
 * slot up for it) and keeps it; when no slot can be had, the client's SELECT (or HELLO 3) is
 * refused naming the limit.
 *
 * With `--cache`, the set also holds the cache's tracking connection to its server (`tracking`):
 * a RESP3 ClientCore with the `cache` option, whose multiplexed connection takes one slot of the
 * same budget for good, and whose pool (the RESP2 redirect connection, should the server refuse
 * RESP3) dials only with a slot of it. So the cache's connections are counted like every other.
 */
import type { CacheOptions } from '../cache/cache-options.js';
import { ClientCore } from '../client/client-core.js';
import { LeaseState } from '../client/lease-state.js';
import { type ClientOptions, resolveClientOptions } from '../client/options.js';
import type { Connection } from '../connection/connection.js';
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import type { SharedBudget } from '../pool/shared-budget.js';
import type { Lease } from './upstream.js';

export type EngineOptions = Omit<
  ClientOptions,
  'url' | 'db' | 'protocol' | 'maxConnections' | 'name'
>;

/** Each connection's server-side id, asked once per connection that HELLO did not tell it. */
const SERVER_IDS = new WeakMap<Connection, Promise<number | undefined>>();

/**
 * The server's id for `conn` (CLIENT UNBLOCK names a client by it). HELLO 3 told it; a RESP2
 * connection is asked `CLIENT ID` before its first lease's first command, in the same write, since
 * once a command blocks on it nothing more can be asked. Unknown (ACL refused it): undefined.
 */
function serverIdOf(conn: Connection): Promise<number | undefined> {
  const told = conn.handshake?.clientId;
  if (told !== undefined) return Promise.resolve(told);
  let id = SERVER_IDS.get(conn);
  if (id === undefined) {
    id = new Promise((resolve) => {
      conn.send(
        new BasicCommand({
          args: ['CLIENT', 'ID'],
          reply: (value) => resolve(typeof value === 'number' ? value : undefined),
          fail: () => resolve(undefined),
        }),
      );
    });
    SERVER_IDS.set(conn, id);
  }
  return id;
}

class CoreLease implements Lease {
  readonly connection: Connection;
  readonly #core: ClientCore;
  readonly #state: LeaseState;
  readonly #serverId: Promise<number | undefined>;
  #done = false;

  constructor(core: ClientCore, connection: Connection, state: LeaseState) {
    this.#core = core;
    this.connection = connection;
    this.#state = state;
    this.#serverId = serverIdOf(connection);
  }

  async unblock(error: boolean): Promise<number> {
    const id = await this.#serverId;
    if (id === undefined) return 0;
    return new Promise((resolve) => {
      // On the server's shared connection: the lease itself is the one blocked.
      this.#core.mux.send(
        new BasicCommand({
          args: ['CLIENT', 'UNBLOCK', id, error ? 'ERROR' : 'TIMEOUT'],
          reply: (value) => resolve(typeof value === 'number' ? value : 0),
          fail: () => resolve(0),
        }),
      );
    });
  }

  send(cmd: PendingCommand): void {
    this.connection.send(cmd);
  }

  get ready(): boolean {
    return this.connection.ready;
  }

  get clean(): boolean {
    return this.connection.clean;
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

export interface CoreSetStats {
  connections: number;
  leased: number;
  idle: number;
}

export class CoreSet {
  readonly url: string;
  readonly #name: string;
  readonly #engine: EngineOptions | undefined;
  readonly #maxConnections: number;
  readonly #budget: SharedBudget;
  readonly #onDrain: () => void;
  /** (protocol, db) → core; key = protocol * 65536 + db. */
  readonly #cores = new Map<number, ClientCore>();
  /** RESP2, db 0: created with the set, its slot reserved. */
  readonly default: ClientCore;
  leaseWaits = 0;
  leaseTimeouts = 0;
  #onConnectFailed: ((core: ClientCore, error: Error | undefined) => void) | undefined;
  /** `--cache`: the tracking core, once made. */
  #tracking: ClientCore | undefined;

  constructor(
    url: string,
    budget: SharedBudget,
    maxConnections: number,
    onDrain: () => void,
    engine?: EngineOptions,
    name = 'respool-proxy',
  ) {
    this.url = url;
    this.#budget = budget;
    this.#maxConnections = maxConnections;
    this.#onDrain = onDrain;
    this.#engine = engine;
    this.#name = name;
    budget.reserve();
    this.default = this.#create(2, 0);
  }

  #create(protocol: 2 | 3, db: number): ClientCore {
    const resolved = resolveClientOptions({
      ...this.#engine,
      url: this.url,
      db,
      protocol,
      name: this.#name,
      maxConnections: this.#maxConnections,
      // A proxied request has no deadline of its own: its client decides how long to wait.
      commandTimeoutMs: 0,
    });
    const core = new ClientCore(resolved, undefined, this.#budget);
    core.events.on('drain', this.#onDrain);
    core.events.on('error', () => {
      // Each waiting client gets its command's error; nothing more to do here.
    });
    core.events.on('reconnecting', (info) => {
      // Attempt 1 is a lost connection about to be redialled; later ones follow a failed dial.
      if (info.attempt > 1) this.#onConnectFailed?.(core, info.error);
    });
    this.#cores.set(protocol * 65536 + db, core);
    return core;
  }

  /**
   * Be told when a dial to this server failed while commands wait for it (the server went away
   * after working: the engine keeps them waiting and redials). A shard takes them back to fail
   * them, as twemproxy answers at once for a dead server.
   */
  onConnectFailed(listener: (core: ClientCore, error: Error | undefined) => void): void {
    this.#onConnectFailed = listener;
  }

  /** The core for (protocol, db), created on first use; an Error naming the budget if none. */
  core(protocol: 2 | 3, db: number): ClientCore | Error {
    const core = this.#cores.get(protocol * 65536 + db);
    if (core !== undefined) return core;
    const budget = this.#budget;
    if (!budget.tryTake() && !(budget.reclaim(() => false) && budget.tryTake())) {
      return new Error(
        `no upstream connection left for a new ${protocol === 3 ? 'RESP3 ' : ''}shared connection${db === 0 ? '' : ` to db ${db}`}: every one of --max-connections ${this.#maxConnections} is in use`,
      );
    }
    // The slot just taken becomes the new core's multiplexed connection, reserved for good.
    budget.give();
    budget.reserve();
    return this.#create(protocol, db);
  }

  /**
   * `--cache`: the tracking core (RESP3, db 0, the `cache` option), made on first use with one
   * slot of the budget reserved for its multiplexed connection; an Error naming the budget when
   * no slot can be had (the reads then go uncached, never over the budget).
   */
  tracking(cache: CacheOptions): ClientCore | Error {
    if (this.#tracking !== undefined) return this.#tracking;
    const budget = this.#budget;
    if (!budget.tryTake() && !(budget.reclaim(() => false) && budget.tryTake())) {
      return new Error(
        `no upstream connection left for the cache's tracking connection: every one of --max-connections ${this.#maxConnections} is in use`,
      );
    }
    budget.give();
    budget.reserve();
    const resolved = resolveClientOptions({
      ...this.#engine,
      url: this.url,
      db: 0,
      protocol: 3,
      // Its own name, so CLIENT LIST and the doctor tell tracking connections apart.
      name: `${this.#name}-cache`,
      // The pool holds at most the RESP2 redirect connection, and only with a slot of the budget.
      maxConnections: 2,
      cache,
    });
    const core = new ClientCore(resolved, undefined, this.#budget);
    core.events.on('error', () => {
      // A failed cached read answers its client; a lost connection flushes the cache.
    });
    this.#tracking = core;
    return core;
  }

  /** The tracking core, if `tracking` made one. */
  get trackingCore(): ClientCore | undefined {
    return this.#tracking;
  }

  /** Slots this set holds reserved: one per shared connection, and the tracking one. */
  get reservedSlots(): number {
    return this.#cores.size + (this.#tracking === undefined ? 0 : 1);
  }

  async lease(
    protocol: 2 | 3,
    db: number,
    timeoutMs: number,
    total: () => CoreSetStats,
  ): Promise<Lease> {
    const core = this.core(protocol, db);
    if (core instanceof Error) throw core;
    if (core.pool.stats().idle === 0) this.leaseWaits++;
    let conn: Connection;
    try {
      conn = await core.pool.acquire({ timeoutMs, trackLeak: false });
    } catch (error) {
      this.leaseTimeouts++;
      const s = total();
      throw new Error(
        `no upstream connection became free within ${timeoutMs} ms: --max-connections ${this.#maxConnections} reached (${s.leased} leased, ${s.connections} open)`,
        { cause: error },
      );
    }
    const state = new LeaseState(db, this.#name);
    core.pool.track(conn, state);
    return new CoreLease(core, conn, state);
  }

  stats(into: CoreSetStats): CoreSetStats {
    for (const core of this.#cores.values()) {
      const s = core.stats();
      into.connections += s.open + s.connecting;
      into.leased += s.leased;
      into.idle += s.idle;
    }
    const tracking = this.#tracking?.stats();
    if (tracking !== undefined) into.connections += tracking.open + tracking.connecting;
    return into;
  }

  get size(): number {
    return this.#cores.size;
  }

  async close(): Promise<void> {
    const cores = [...this.#cores.values()];
    if (this.#tracking !== undefined) cores.push(this.#tracking);
    await Promise.all(cores.map((core) => core.close()));
  }
}
