/**
 * The doctor's I/O: one respool client per audited node, each a single named connection, and
 * the raw replies read over it (INFO sections, CONFIG GET, CLIENT LIST). A cluster seed is
 * recognised by `cluster_enabled:1`, and the nodes it lists in CLUSTER NODES are read too.
 *
 * Clients are kept between `collect()` calls so `--watch` reuses its connections instead of
 * dialling (and leaving TIME_WAIT behind) every interval; `close()` ends them all.
 *
 * Each read fails on its own: a forbidden CLIENT LIST leaves INFO and CONFIG readable. Only a
 * node that cannot be connected to (or refuses the credentials) is reported as not audited.
 */
import { createClient, type RespoolClient } from '../client/client.js';
import { parseRedisUrl } from '../client/options.js';
import { describeError, isServerRefusal } from './describe-error.js';
import { parseClusterNodes } from './parse/cluster-nodes.js';
import { parseInfoFields } from './parse/info.js';

/** INFO sections read on every node, one command each (multi-section INFO needs Redis 7). */
export const INFO_SECTIONS = ['server', 'clients', 'stats', 'replication', 'cluster'] as const;

/** Parameters read with one CONFIG GET. */
export const CONFIG_PARAMETERS = ['timeout', 'maxclients', 'tcp-keepalive'] as const;

/** The outcome of one read. */
export type Fetched<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string };

/** Where a node is. */
export interface NodeTarget {
  /** `host:port` (IPv6 in brackets) or the unix socket path. */
  readonly address: string;
  readonly host: string;
  /** `null` for a unix socket. */
  readonly port: number | null;
  readonly clusterNodeId: string | null;
}

/** What was read from one node. */
export interface RawNode {
  readonly target: NodeTarget;
  /** Why nothing could be read (connect or authentication failure); `null` otherwise. */
  readonly error: string | null;
  /** Keyed by INFO section name. Empty when `error` is set. */
  readonly info: ReadonlyMap<string, Fetched<string>>;
  /** `null` when `error` is set. */
  readonly config: Fetched<unknown> | null;
  readonly clientList: Fetched<string> | null;
  /** INFO commandstats, read before everything else on the node; `null` when `error` is set. */
  readonly commandStats: Fetched<string> | null;
  /**
   * Commands the doctor had sent on this node's connection before that INFO commandstats, by
   * commandstats name (`info`, `client|list`, …): the server counts them too, and the
   * difference between two reads is what the doctor itself ran in between.
   */
  readonly doctorCommands: ReadonlyMap<string, number>;
}

/** Everything one `collect()` read. */
export interface RawAudit {
  readonly mode: 'standalone' | 'cluster' | 'unknown';
  /** Seed first. */
  readonly nodes: readonly RawNode[];
  /** Why CLUSTER NODES could not be read on a cluster seed; `null` otherwise. */
  readonly discoveryError: string | null;
}

/** Options of {@link Collector}. */
export interface CollectorOptions {
  /** Seed URL, password included: it is only handed to `createClient`, never printed. */
  readonly url: string;
  /** CLIENT SETNAME of every connection the doctor opens. */
  readonly clientName: string;
  readonly connectTimeoutMs: number;
  readonly commandTimeoutMs: number;
}

/** Reads raw replies from the seed and, for a cluster, from every node. */
export class Collector {
  readonly #options: CollectorOptions;
  readonly #seed: NodeTarget;
  readonly #clients = new Map<string, RespoolClient>();
  /** Per node address: commands sent so far, by commandstats name. */
  readonly #sent = new Map<string, Map<string, number>>();

  /** @throws InvalidArgumentError when the URL is invalid (message shows it redacted). */
  constructor(options: CollectorOptions) {
    this.#options = options;
    const parts = parseRedisUrl(options.url);
    if (parts.path !== undefined) {
      this.#seed = { address: parts.path, host: parts.path, port: null, clusterNodeId: null };
    } else {
      const host = parts.host ?? '127.0.0.1';
      const port = parts.port ?? 6379;
      this.#seed = { address: formatAddress(host, port), host, port, clusterNodeId: null };
    }
  }

  /** Read the seed, and every cluster node when the seed is in a cluster. */
  async collect(): Promise<RawAudit> {
    const seed = await this.#read(this.#seed);
    const cluster = clusterEnabled(seed);
    if (cluster === undefined) return { mode: 'unknown', nodes: [seed], discoveryError: null };
    if (!cluster) {
      this.#closeAllBut(new Set([this.#seed.address]));
      return { mode: 'standalone', nodes: [seed], discoveryError: null };
    }
    let text: string;
    try {
      text = asText(
        await this.#call(
          this.#seed.address,
          this.#client(this.#seed),
          'cluster|nodes',
          'CLUSTER',
          'NODES',
        ),
      );
    } catch (error) {
      return {
        mode: 'cluster',
        nodes: [seed],
        discoveryError: `CLUSTER NODES: ${describeError(error)}`,
      };
    }
    const listed = parseClusterNodes(text, this.#seed.host);
    const myself = listed.find((n) => n.myself);
    const seedNode: RawNode = {
      ...seed,
      target: { ...this.#seed, clusterNodeId: myself?.id ?? null },
    };
    const others = listed
      .filter((n) => !n.myself)
      .map((n) => ({
        address: formatAddress(n.host, n.port),
        host: n.host,
        port: n.port,
        clusterNodeId: n.id,
      }));
    // Nodes that left the cluster since the last collect() keep no connection.
    this.#closeAllBut(new Set([this.#seed.address, ...others.map((t) => t.address)]));
    const rest = await Promise.all(others.map((target) => this.#read(target)));
    return { mode: 'cluster', nodes: [seedNode, ...rest], discoveryError: null };
  }

  /** Close every connection the doctor opened. Idempotent. */
  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((c) => c.close()));
  }

  async #read(target: NodeTarget): Promise<RawNode> {
    const client = this.#client(target);
    try {
      await client.ready();
    } catch (error) {
      return failed(target, describeError(error));
    }
    // Sent first, on the node's one connection, so the count before it is exact: the server
    // runs the doctor's commands in the order they were written.
    const doctorCommands = new Map(this.#sentTo(target.address));
    const statsRead = fetch(
      this.#call(target.address, client, 'info', 'INFO', 'commandstats'),
      asText,
    );
    const infoReads = INFO_SECTIONS.map((section) =>
      fetch(this.#call(target.address, client, 'info', 'INFO', section), asText),
    );
    const configRead = fetch(
      this.#call(target.address, client, 'config|get', 'CONFIG', 'GET', ...CONFIG_PARAMETERS),
      (v) => v,
    );
    const listRead = fetch(
      this.#call(target.address, client, 'client|list', 'CLIENT', 'LIST'),
      asText,
    );
    const [commandStats, infos, config, clientList] = await Promise.all([
      statsRead,
      Promise.all(infoReads),
      configRead,
      listRead,
    ]);
    const all = [commandStats, ...infos, config, clientList];
    // Every read failing without a server reply means the connection itself failed (the server
    // went away between ready() and the reads): the node was not audited.
    const transport = all.every((r) => !r.ok && !r.refused);
    const first = all.find((r) => !r.ok);
    if (transport && first !== undefined && !first.ok) return failed(target, first.error);
    return {
      target,
      error: null,
      info: new Map(INFO_SECTIONS.map((s, i) => [s, strip(infos[i])])),
      config: strip(config),
      clientList: strip(clientList),
      commandStats: strip(commandStats),
      doctorCommands,
    };
  }

  /**
   * One more CLIENT LIST of every node read by the last `collect()`, keyed by address: the
   * samples of a sampling window, to see connections open and close. A node that fails is
   * left out.
   */
  async sampleClientLists(): Promise<Map<string, string>> {
    const reads = [...this.#clients].map(async ([address, client]) => {
      try {
        const text = asText(await this.#call(address, client, 'client|list', 'CLIENT', 'LIST'));
        return [address, text] as const;
      } catch {
        return undefined;
      }
    });
    const done = await Promise.all(reads);
    return new Map(done.filter((entry) => entry !== undefined));
  }

  #sentTo(address: string): Map<string, number> {
    let sent = this.#sent.get(address);
    if (sent === undefined) {
      sent = new Map();
      this.#sent.set(address, sent);
    }
    return sent;
  }

  /** `client.call(...args)`, counted under `name` for the node's commandstats arithmetic. */
  #call(address: string, client: RespoolClient, name: string, ...args: string[]): Promise<unknown> {
    const sent = this.#sentTo(address);
    sent.set(name, (sent.get(name) ?? 0) + 1);
    const [command = '', ...rest] = args;
    return client.call(command, ...rest);
  }

  #client(target: NodeTarget): RespoolClient {
    let client = this.#clients.get(target.address);
    if (client === undefined) {
      const location = target.port === null ? {} : { host: target.host, port: target.port };
      client = createClient({
        url: this.#options.url,
        ...location,
        name: this.#options.clientName,
        connectTimeoutMs: this.#options.connectTimeoutMs,
        commandTimeoutMs: this.#options.commandTimeoutMs,
        // The doctor's footprint is one connection per node: it never leases.
        maxConnections: 1,
      });
      this.#clients.set(target.address, client);
    }
    return client;
  }

  #closeAllBut(keep: ReadonlySet<string>): void {
    for (const [address, client] of this.#clients) {
      if (keep.has(address)) continue;
      this.#clients.delete(address);
      this.#sent.delete(address);
      void client.close();
    }
  }
}

type Attempt<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: string; readonly refused: boolean };

async function fetch<T>(call: Promise<unknown>, convert: (v: unknown) => T): Promise<Attempt<T>> {
  try {
    return { ok: true, value: convert(await call) };
  } catch (error) {
    return { ok: false, error: describeError(error), refused: isServerRefusal(error) };
  }
}

function strip<T>(attempt: Attempt<T> | undefined): Fetched<T> {
  if (attempt === undefined) return { ok: false, error: 'not read' };
  return attempt.ok ? attempt : { ok: false, error: attempt.error };
}

function failed(target: NodeTarget, error: string): RawNode {
  return {
    target,
    error,
    info: new Map(),
    config: null,
    clientList: null,
    commandStats: null,
    doctorCommands: new Map(),
  };
}

/** true/false from INFO cluster; `undefined` when the seed could not be read. */
function clusterEnabled(seed: RawNode): boolean | undefined {
  if (seed.error !== null) return undefined;
  const section = seed.info.get('cluster');
  if (section === undefined || !section.ok) return false;
  return parseInfoFields(section.value)['cluster_enabled'] === '1';
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  throw new TypeError(`expected a text reply, got ${typeof value}`);
}

/** `host:port`, with an IPv6 host in brackets. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
