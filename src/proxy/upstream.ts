/**
 * What a client session needs of the servers behind the proxy, whatever their shape (one
 * standalone server, a Redis Cluster, a ring of shards). A session never dials: it sends raw
 * requests on a shared path, borrows a lease for stateful work, and subscribes through the hub.
 * Every upstream connection any of these opens counts against one budget, `maxConnections`.
 */
import { BasicCommand, type PendingCommand } from '../connection/pending-command.js';
import type { CoreSet } from './core-set.js';
import type { ProxyCacheBackend } from './proxy-cache.js';
import type { PubSubHub } from './pubsub-hub.js';

/** Where a session's ordinary commands go; compared by identity to keep one client's order. */
export interface SharedPath {
  /**
   * Send one raw request (`frame`, `raw: true`). False when the upstream is congested: stop
   * reading clients until the upstream's `onDrain` listener runs.
   */
  send(cmd: PendingCommand): boolean;
  /**
   * Nothing sent on it is unanswered and nothing waits to be sent: a request sent now travels
   * alone, so the turn batch sends it at once instead of holding it for the turn (turn-batch.ts).
   * A path that cannot tell says false, and its requests are batched.
   */
  readonly idle: boolean;
}

/**
 * An exclusive upstream connection lent to one session for its stateful work. Commands go
 * through the lease, not its connection: a cluster's lease checks their slots, and a transaction
 * begun with MULTI alone picks its node only when its first key is known.
 */
/** What a keyed upstream (shards, cluster) does with a command of its shared path. */
export interface KeyRouter {
  route(cmd: PendingCommand, protocol: 2 | 3): boolean;
}

/** The shared path of a keyed upstream in one protocol: every command routed by its keys. */
export class KeyRoutedPath implements SharedPath {
  readonly #router: KeyRouter;
  readonly #protocol: 2 | 3;

  constructor(router: KeyRouter, protocol: 2 | 3) {
    this.#router = router;
    this.#protocol = protocol;
  }

  send(cmd: PendingCommand): boolean {
    return this.#router.route(cmd, this.#protocol);
  }

  /** Several servers behind it: always batched, so one turn's requests to a node go together. */
  get idle(): boolean {
    return false;
  }
}

export interface Lease {
  /** Send one command (its `args` carry its keys when the upstream routes by key). */
  send(cmd: PendingCommand): void;
  /** False once its connection is lost (its state with it). */
  readonly ready: boolean;
  /** True when nothing on it is owed a reply or blocked (it can be lent again as it is). */
  readonly clean: boolean;
  /** Note a command sent on the lease (state to undo on release). */
  observe(args: readonly (string | Buffer)[]): void;
  /** Give it back: reset and reused if clean, destroyed otherwise. */
  release(): void;
  /** Close it now (a client gone while blocked, a state that cannot be undone). */
  destroy(): void;
  /**
   * `CLIENT UNBLOCK` for the command blocked on this lease (`error`: the ERROR form), sent on
   * another connection to the same server; resolves with the server's answer (1 unblocked, 0 not
   * blocked there or not known).
   */
  unblock(error: boolean): Promise<number>;
}

export interface UpstreamStats {
  /** Upstream connections open or opening (shared plus leased plus idle plus hub). */
  readonly connections: number;
  readonly leased: number;
  readonly idle: number;
  readonly maxConnections: number;
  readonly leaseWaits: number;
  readonly leaseTimeouts: number;
  readonly sharedPaths: number;
  readonly channels: number;
}

export interface Upstream {
  /** True when ordinary commands are routed by key (the session passes their arguments). */
  readonly routesByKey: boolean;
  /** See UpstreamBase.publishSeesHub. */
  readonly publishSeesHub: boolean;
  readonly maxConnections: number;
  /** The server's version, for HELLO, once known. */
  readonly serverVersion: string;
  /** The shared path for a protocol and database, or the reason there is none. */
  shared(protocol: 2 | 3, db: number): SharedPath | Error;
  /**
   * Borrow an exclusive connection, waiting at most `timeoutMs`; rejects naming the budget.
   * `key` (the first key of the command that starts the lease) picks the node of a keyed shape.
   */
  lease(protocol: 2 | 3, db: number, timeoutMs: number, key?: Buffer): Promise<Lease>;
  readonly hub: PubSubHub;
  /** `--cache`: cached reads on tracking connections under this upstream's budget; else none. */
  readonly cache?: ProxyCacheBackend | undefined;
  /** Called whenever a congested shared path can take commands again. */
  onDrain(listener: () => void): void;
  /** Connect the default shared path now (fail fast at start-up). */
  start(): Promise<void>;
  stats(): UpstreamStats;
  /** Graceful: in-flight work answered, connections closed with QUIT. */
  close(): Promise<void>;
}

/** The server's version, from the handshake (RESP3) or INFO server. */
export async function serverVersionOf(set: CoreSet): Promise<string | undefined> {
  const conn = await set.default.mux.connect();
  const version = conn.handshake?.serverVersion;
  if (version !== undefined) return version;
  const info = await new Promise<string>((resolve, reject) => {
    conn.send(
      new BasicCommand({
        args: ['INFO', 'server'],
        reply: (v) => resolve(String(v)),
        fail: reject,
      }),
    );
  });
  return /redis_version:([^\r\n]+)/.exec(info)?.[1];
}

/**
 * What every shape does the same way: the drain listeners, and the server version learnt at
 * start-up from one server (`versionSource`, which also fails start-up fast when unreachable).
 */
export abstract class UpstreamBase {
  /**
   * PUBLISH goes to the server the hub subscribes on, so its reply counts the hub's connection
   * and the session can count the proxy's clients instead (standalone). Shards and a cluster
   * count per server, and their replies are relayed as they are.
   */
  readonly publishSeesHub: boolean = false;

  readonly #drainListeners: (() => void)[] = [];
  #serverVersion = '7.0.0';

  get serverVersion(): string {
    return this.#serverVersion;
  }

  /** Give to the engine as its drain callback: tells every listener. */
  protected readonly notifyDrain = (): void => {
    for (const listener of this.#drainListeners) listener();
  };

  onDrain(listener: () => void): void {
    this.#drainListeners.push(listener);
  }

  /** The server whose version HELLO reports, once the upstream can name one. */
  protected abstract versionSource(): Promise<CoreSet>;

  async start(): Promise<void> {
    const set = await this.versionSource();
    this.#serverVersion = (await serverVersionOf(set)) ?? this.#serverVersion;
  }
}
