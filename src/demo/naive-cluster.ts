/**
 * The cluster client from incident 5, rebuilt on purpose so the demo can show what it does to a
 * cluster. Do not use it for anything else.
 *
 * Mechanism, as redis-py-cluster behaved in the write-up:
 * - per node, a pool of connections with no limit (LIFO), handed out without a health check, so
 *   a connection the server closed for idling is only discovered when a command fails on it;
 * - on a connection error the command is retried on a *random* node, which mostly answers MOVED;
 * - MOVED patches the slot and sets one shared "refresh the table ASAP" flag;
 * - every command that starts an attempt while the flag is set rebuilds the topology itself,
 *   concurrently and without a lock: a fresh connection to every startup node in turn, CLUSTER
 *   SLOTS, close. The flag is cleared only when a rebuild finishes, so everyone who looked before
 *   that rebuilds too.
 *
 * Built on respool's own `Connection`, so the RESP it speaks is correct and the comparison
 * measures the recovery policy, not a different protocol implementation.
 */
import { parseRedirect } from '../cluster/redirect.js';
import { keySlot, SLOT_COUNT } from '../cluster/slot.js';
import { parseClusterSlots } from '../cluster/topology.js';
import { Connection, type ConnectionOptions } from '../connection/connection.js';
import { ReplyError, TransportError } from '../errors.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';
import { request } from './request.js';

/** Attempts per command before giving up, as redis-py-cluster's RedisClusterRequestTTL. */
const REQUEST_TTL = 16;

/** A node as the client addresses it. */
export interface NaiveNode {
  readonly host: string;
  readonly port: number;
}

/** The naive client's own counts. */
export interface NaiveClusterStats {
  /** Topology rebuilds run (the first one included). */
  readonly rebuilds: number;
  /** Most rebuilds running at the same moment. */
  readonly peakConcurrentRebuilds: number;
  /** CLUSTER SLOTS it sent. */
  readonly topologyQueries: number;
  /** Connections it opened: pooled ones and the rebuilds' throwaway ones. */
  readonly dialled: number;
  /** Commands that failed on a dead connection (and went to a random node next). */
  readonly connectionErrors: number;
  /** MOVED replies it got. */
  readonly moved: number;
}

/** Incident 5's cluster client: random-node retries and lock-free concurrent rebuilds. */
export class NaiveClusterClient {
  readonly #startupNodes: readonly NaiveNode[];
  readonly #options: (node: NaiveNode) => ConnectionOptions;
  /** Owner of each slot, `host:port`. */
  #slots: (string | undefined)[] = new Array<string | undefined>(SLOT_COUNT);
  readonly #nodes = new Map<string, NaiveNode>();
  readonly #idle = new Map<string, Connection[]>();
  #refreshAsap = false;
  #runningRebuilds = 0;
  #stats = {
    rebuilds: 0,
    peakConcurrentRebuilds: 0,
    topologyQueries: 0,
    dialled: 0,
    connectionErrors: 0,
    moved: 0,
  };

  /**
   * @param startupNodes Asked in turn by every rebuild.
   * @param options Connection options for one node (address, name, timeouts).
   */
  constructor(startupNodes: readonly NaiveNode[], options: (node: NaiveNode) => ConnectionOptions) {
    this.#startupNodes = startupNodes;
    this.#options = options;
  }

  /** Build the slot table (what the client does at startup). */
  initialize(): Promise<void> {
    return this.#rebuild();
  }

  /** Run `args`, whose key is `key`, the way incident 5's client did. */
  async command(args: readonly RespArg[], key: RespArg): Promise<RespValue> {
    const slot = keySlot(key);
    let tryRandom = false;
    for (let attempt = 0; attempt < REQUEST_TTL; attempt++) {
      if (this.#refreshAsap) {
        // Every caller that gets here while the flag is up rebuilds: no lock, no single flight.
        await this.#rebuild();
        this.#refreshAsap = false;
      }
      const address = tryRandom ? this.#randomNode() : this.#slots[slot];
      tryRandom = false;
      const node = address === undefined ? undefined : this.#nodes.get(address);
      if (address === undefined || node === undefined) {
        this.#refreshAsap = true;
        continue;
      }
      let conn: Connection;
      try {
        conn = this.#idle.get(address)?.pop() ?? (await this.#dial(node));
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        this.#stats.connectionErrors++;
        tryRandom = true;
        continue;
      }
      try {
        const reply = await request(conn, args);
        this.#release(address, conn);
        return reply;
      } catch (error) {
        if (error instanceof TransportError) {
          // The idle-closed socket: drop it and, as the incident's client did, go anywhere.
          this.#stats.connectionErrors++;
          conn.destroy();
          tryRandom = true;
          continue;
        }
        this.#release(address, conn);
        const redirect = error instanceof ReplyError ? parseRedirect(error, node.host) : undefined;
        if (redirect === undefined || redirect.kind !== 'MOVED') throw error;
        this.#stats.moved++;
        this.#nodes.set(redirect.address, { host: redirect.host, port: redirect.port });
        this.#slots[redirect.slot] = redirect.address;
        this.#refreshAsap = true;
      }
    }
    throw new Error(`Too many cluster redirections for ${String(args[0])} ${String(key)}`);
  }

  stats(): NaiveClusterStats {
    return { ...this.#stats };
  }

  /** Connections on the idle lists (dead ones included: nothing checks them). */
  get idleConnections(): number {
    let n = 0;
    for (const list of this.#idle.values()) n += list.length;
    return n;
  }

  /** Close every idle connection gracefully. Busy ones are not tracked: wait for callers first. */
  async close(): Promise<void> {
    const all = [...this.#idle.values()].flatMap((list) => list.splice(0));
    await Promise.all(all.map((conn) => conn.close()));
  }

  /** Destroy every idle connection at once. */
  destroy(): void {
    for (const list of this.#idle.values()) for (const conn of list.splice(0)) conn.destroy();
  }

  /** From scratch: a fresh connection to every startup node in turn, CLUSTER SLOTS, close. */
  async #rebuild(): Promise<void> {
    this.#stats.rebuilds++;
    this.#runningRebuilds++;
    this.#stats.peakConcurrentRebuilds = Math.max(
      this.#stats.peakConcurrentRebuilds,
      this.#runningRebuilds,
    );
    try {
      const slots = new Array<string | undefined>(SLOT_COUNT);
      const nodes = new Map<string, NaiveNode>();
      let answered = 0;
      for (const seed of this.#startupNodes) {
        let conn: Connection;
        try {
          conn = await this.#dial(seed);
        } catch (error) {
          if (error instanceof TransportError) continue;
          throw error;
        }
        try {
          this.#stats.topologyQueries++;
          const topology = parseClusterSlots(await request(conn, ['CLUSTER', 'SLOTS']), seed.host);
          answered++;
          for (const shard of topology.shards) {
            for (const n of [shard.primary, ...shard.replicas]) nodes.set(n.address, n);
            for (const [from, to] of shard.ranges) slots.fill(shard.primary.address, from, to + 1);
          }
        } finally {
          // Dropped, not returned to a pool: the client side closes, as a discarded object would.
          conn.destroy();
        }
      }
      if (answered === 0) throw new Error('No startup node answered CLUSTER SLOTS');
      this.#slots = slots;
      for (const [address, node] of nodes) this.#nodes.set(address, node);
    } finally {
      this.#runningRebuilds--;
    }
  }

  #randomNode(): string | undefined {
    const all = [...this.#nodes.keys()];
    return all[Math.floor(Math.random() * all.length)];
  }

  async #dial(node: NaiveNode): Promise<Connection> {
    this.#stats.dialled++;
    return Connection.open(this.#options(node));
  }

  #release(address: string, conn: Connection): void {
    // Returned even if the server is about to close it: nothing here looks.
    let list = this.#idle.get(address);
    if (list === undefined) {
      list = [];
      this.#idle.set(address, list);
    }
    list.push(conn);
  }
}
