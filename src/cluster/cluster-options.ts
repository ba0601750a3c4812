/**
 * Options of `createCluster`: the seeds, the cluster-only knobs, and every client option (they
 * apply to each node's connections). Validated synchronously, like the client's.
 */

import { rejectForeignOptions } from '../client/foreign-options.js';
import type { ClientOptions, ResolvedClientOptions } from '../client/options.js';
import {
  CLIENT_OPTION_NAMES,
  parseRedisUrl,
  resolveClientOptions,
  withEndpoint,
} from '../client/options.js';
import { InvalidArgumentError } from '../errors.js';
import {
  rejectUnknownKeys,
  validateDurationMs,
  validateInteger,
  validateOneOf,
} from '../validate.js';

export interface ClusterOptions
  extends Omit<ClientOptions, 'url' | 'host' | 'port' | 'path' | 'db'> {
  /**
   * Seed nodes, as `redis://[[user]:password@]host:port` / `rediss://…` URLs or `{ host, port }`.
   * Any reachable node of the cluster will do; the rest are discovered.
   */
  readonly nodes: readonly (string | { readonly host: string; readonly port: number })[];
  /**
   * Most exclusive connections (leases, blocking commands, pub/sub) to all nodes together, plus
   * one slot held by each open multiplexed connection; 0 = no total cap. A node's multiplexed
   * connection is always allowed (without it the node cannot be reached), so the total can only
   * exceed this by the number of nodes in use beyond it. An idle pooled connection on one node
   * gives its slot up when another node needs one. Each node also stays under maxConnections.
   * @default 0
   */
  readonly maxConnectionsTotal?: number;
  /** Where read-only commands go: the slot's primary, or one of its replicas when it has any. @default 'primary' */
  readonly readFrom?: 'primary' | 'replica-preferred';
  /** Most MOVED/ASK redirects one command follows before ERR_MAX_REDIRECTS. @default 5 */
  readonly maxRedirects?: number;
  /** Least time between two topology refreshes. @default 1000 */
  readonly refreshCooldownMs?: number;
  /** Random delay before a triggered refresh, so bursts of triggers coalesce. @default 100 */
  readonly refreshJitterMs?: number;
  /** Period of the cheap consistency check (CLUSTER INFO on one node); 0 = off. @default 30000 */
  readonly topologyCheckIntervalMs?: number;
}

/**
 * The defaults of the cluster-only options (the client options' are `DEFAULT_CLIENT_OPTIONS`,
 * applied to every node). Frozen; exported, and listed in docs/api.md.
 */
export const DEFAULT_CLUSTER_OPTIONS = Object.freeze({
  maxConnectionsTotal: 0,
  readFrom: 'primary' as 'primary' | 'replica-preferred',
  maxRedirects: 5,
  refreshCooldownMs: 1_000,
  refreshJitterMs: 100,
  topologyCheckIntervalMs: 30_000,
});

export interface ResolvedClusterOptions {
  readonly seeds: readonly { readonly host: string; readonly port: number }[];
  /**
   * The client options every node's client runs on, resolved once; each node gets them at its
   * own address (`nodeOptions`).
   */
  readonly node: ResolvedClientOptions;
  readonly maxConnectionsTotal: number;
  readonly readFrom: 'primary' | 'replica-preferred';
  readonly maxRedirects: number;
  readonly refreshCooldownMs: number;
  readonly refreshJitterMs: number;
  readonly topologyCheckIntervalMs: number;
}

const CLUSTER_ONLY = new Set([
  'nodes',
  'maxConnectionsTotal',
  'readFrom',
  'maxRedirects',
  'refreshCooldownMs',
  'refreshJitterMs',
  'topologyCheckIntervalMs',
]);

const CLUSTER_OPTION_NAMES: ReadonlySet<string> = new Set([
  ...CLIENT_OPTION_NAMES,
  ...CLUSTER_ONLY,
]);

/** @throws InvalidArgumentError naming the option and the value. */
export function resolveClusterOptions(input: ClusterOptions): ResolvedClusterOptions {
  if (typeof input !== 'object' || input === null) {
    throw new InvalidArgumentError(
      `createCluster expects an options object with "nodes", got ${typeof input}`,
    );
  }
  rejectForeignOptions(input, 'createCluster options');
  rejectUnknownKeys(input, CLUSTER_OPTION_NAMES, 'createCluster options');
  const nodes = input.nodes;
  if (!Array.isArray(nodes) || nodes.length === 0) {
    throw new InvalidArgumentError(
      'Invalid option "nodes": expected a non-empty array of seed URLs or { host, port }',
    );
  }
  if ('db' in input || 'url' in input || 'host' in input || 'port' in input || 'path' in input) {
    throw new InvalidArgumentError(
      'Invalid options for createCluster: "url", "host", "port", "path" and "db" do not apply; give seeds in "nodes" (a cluster has only database 0)',
    );
  }
  // Credentials and TLS may come with the first seed URL, as they would in createClient.
  const clientInput: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (!CLUSTER_ONLY.has(k)) clientInput[k] = v;
  const seeds = nodes.map((n, i) => {
    if (typeof n === 'string') {
      const parts = parseRedisUrl(n);
      if (i === 0) {
        if (parts.username !== undefined) clientInput['username'] ??= parts.username;
        if (parts.password !== undefined) clientInput['password'] ??= parts.password;
        if (parts.tls === true) clientInput['tls'] ??= true;
      }
      if (parts.db !== undefined && parts.db !== 0) {
        throw new InvalidArgumentError(
          `Invalid option "nodes[${i}]": a cluster has only database 0`,
        );
      }
      return { host: parts.host ?? '127.0.0.1', port: parts.port ?? 6379 };
    }
    if (typeof n !== 'object' || n === null) {
      throw new InvalidArgumentError(
        `Invalid option "nodes[${i}]": expected a URL or { host, port }`,
      );
    }
    return { host: String(n.host), port: validateInteger(n.port, `nodes[${i}].port`, 1, 65535) };
  });
  const node = resolveClientOptions(clientInput as ClientOptions);
  const d = DEFAULT_CLUSTER_OPTIONS;
  return Object.freeze({
    seeds,
    node,
    maxConnectionsTotal: validateInteger(
      input.maxConnectionsTotal ?? d.maxConnectionsTotal,
      'maxConnectionsTotal',
      0,
      10_000_000,
    ),
    readFrom: validateOneOf(input.readFrom ?? d.readFrom, 'readFrom', [
      'primary',
      'replica-preferred',
    ] as const),
    maxRedirects: validateInteger(input.maxRedirects ?? d.maxRedirects, 'maxRedirects', 0, 100),
    refreshCooldownMs: validateDurationMs(
      input.refreshCooldownMs ?? d.refreshCooldownMs,
      'refreshCooldownMs',
    ),
    refreshJitterMs: validateDurationMs(
      input.refreshJitterMs ?? d.refreshJitterMs,
      'refreshJitterMs',
    ),
    topologyCheckIntervalMs: validateDurationMs(
      input.topologyCheckIntervalMs ?? d.topologyCheckIntervalMs,
      'topologyCheckIntervalMs',
    ),
  });
}

/**
 * One node's resolved client options: the cluster's, at this node's address (nothing is
 * resolved again). What the cluster decides per node beyond them (READONLY) goes to the node
 * factory as NodeSettings.
 */
export function nodeOptions(
  cluster: ResolvedClusterOptions,
  host: string,
  port: number,
): ResolvedClientOptions {
  return withEndpoint(cluster.node, host, port);
}
