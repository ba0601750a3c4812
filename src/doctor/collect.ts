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
      text = asText(await this.#client(this.#seed).call('CLUSTER', 'NODES'));
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
    const infoReads = INFO_SECTIONS.map((section) => fetch(client.call('INFO', section), asText));
    const configRead = fetch(client.call('CONFIG', 'GET', ...CONFIG_PARAMETERS), (v) => v);
    const listRead = fetch(client.call('CLIENT', 'LIST'), asText);
    const [infos, config, clientList] = await Promise.all([
      Promise.all(infoReads),
      configRead,
      listRead,
    ]);
    const all = [...infos, config, clientList];
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
    };
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
  return { target, error, info: new Map(), config: null, clientList: null };
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
