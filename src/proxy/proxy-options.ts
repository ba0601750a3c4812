/**
 * `createProxy` options: validated once, synchronously, each error naming the option and the
 * value (secrets never echoed).
 */
import type { ClientOptions } from '../client/options.js';
import { InvalidArgumentError } from '../errors.js';
import { DEFAULT_REQUEST_LIMITS, type RequestParserLimits } from '../protocol/request-parser.js';
import {
  rejectUnknownKeys,
  validateDurationMs,
  validateInteger,
  validateString,
} from '../validate.js';
import type { HashName } from './sharding/hash-functions.js';
import type { Distribution } from './sharding/shard-ring.js';

export interface ProxyOptions {
  /** Where clients connect: `host:port`, `:port`, a port number, or a Unix socket path. */
  readonly listen: string | number | readonly (string | number)[];
  /** The standalone server behind the proxy (`redis://user:pass@host:port`). */
  readonly upstream?: string;
  /** Instead of `upstream`: standalone shards, keys placed as twemproxy places them. */
  readonly shards?: readonly {
    readonly name?: string;
    readonly url: string;
    readonly weight?: number;
  }[];
  /**
   * Instead of `upstream`: a Redis Cluster, by any of its nodes (`redis://[user:pass@]host:port`;
   * credentials and TLS come from the first). Clients see one ordinary server.
   */
  readonly cluster?: { readonly nodes: readonly string[] };
  /** Shards: twemproxy's `hash`. @default 'fnv1a_64' */
  readonly hash?: HashName;
  /** Shards: twemproxy's `distribution`. @default 'ketama' */
  readonly distribution?: Distribution;
  /** Shards: twemproxy's `hash_tag`, such as `"{}"`. */
  readonly hashTag?: string;
  /** Shards: eject a failing shard (`auto_eject_hosts`). @default false */
  readonly autoEjectHosts?: boolean;
  /** Shards: consecutive failures that eject (`server_failure_limit`). @default 2 */
  readonly serverFailureLimit?: number;
  /** Shards: how long an ejected shard stays out (`server_retry_timeout`). @default 30000 */
  readonly serverRetryTimeoutMs?: number;
  /**
   * Cached one-key reads (GET, HGET, HGETALL, SMEMBERS, EXISTS, TYPE, …) for every client, from
   * one tracking connection to the upstream or, with `cluster`, one per primary (each with its
   * own cache of these bounds), every one counted in maxConnections; `true` for 10000 entries and
   * 64 MiB. Not with `shards`. docs/caching.md, proxy.
   */
  readonly cache?: boolean | { readonly maxEntries?: number; readonly maxBytes?: number };
  /** Upstream connections, all kinds together, never more. @default 16 */
  readonly maxConnections?: number;
  /** Client connections at once; beyond: `-ERR max number of clients reached`. @default 10000 */
  readonly maxClients?: number;
  /** The `default` user's password clients must AUTH with. */
  readonly requirepass?: string;
  /** More proxy users: username → password. */
  readonly users?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Close a client silent this long (0 = never; pub/sub and blocked clients exempt). @default 0 */
  readonly clientIdleTimeoutMs?: number;
  /** Close a client whose unread replies pass this many bytes. @default 67108864 */
  readonly maxClientOutputBytes?: number;
  /** Close a client whose partial request passes this many bytes. @default 134217728 */
  readonly maxQueryBufferBytes?: number;
  /** How long a client waits for a lease (MULTI, WATCH, a blocking command). @default 5000 */
  readonly leaseTimeoutMs?: number;
  /**
   * How long a relayed command waits for the server's reply before its client gets an error
   * (twemproxy's `timeout`); a blocking command waits its own timeout plus this, and one that
   * blocks for ever is exempt. A connection silent that long is closed and redialled, and with
   * shards each timeout counts as a failure for auto-eject. 0 = wait for ever, as a direct
   * connection without a socket timeout does. @default 0
   */
  readonly upstreamTimeoutMs?: number;
  /** Databases clients may SELECT (the server's `databases`). @default 16 */
  readonly databases?: number;
  /** Engine options for the upstream connections (timeouts, TLS). */
  readonly upstreamOptions?: Omit<
    ClientOptions,
    'url' | 'db' | 'protocol' | 'maxConnections' | 'name'
  >;
}

export interface ResolvedProxyOptions {
  readonly listen: readonly (string | number)[];
  readonly upstream: string | undefined;
  readonly shards: ProxyOptions['shards'];
  readonly cluster: { readonly nodes: readonly string[] } | undefined;
  readonly sharding: {
    readonly hash: HashName | undefined;
    readonly distribution: Distribution | undefined;
    readonly hashTag: string | undefined;
    readonly autoEject: boolean;
    readonly maxFailures: number;
    readonly retryTimeoutMs: number;
  };
  readonly maxConnections: number;
  /** The `cache` option resolved; undefined when off. */
  readonly cache: { readonly maxEntries: number; readonly maxBytes: number } | undefined;
  readonly maxClients: number;
  readonly requirepass: string | undefined;
  readonly users: ReadonlyMap<string, string>;
  readonly clientIdleTimeoutMs: number;
  readonly maxClientOutputBytes: number;
  /** Reading a client pauses while this much of its output is unsent. */
  readonly clientOutputPauseBytes: number;
  readonly requestLimits: RequestParserLimits;
  readonly leaseTimeoutMs: number;
  /** 0 = none. */
  readonly upstreamTimeoutMs: number;
  readonly databases: number;
  readonly upstreamOptions: ProxyOptions['upstreamOptions'];
}

const KNOWN = new Set([
  'listen',
  'upstream',
  'shards',
  'cluster',
  'hash',
  'distribution',
  'hashTag',
  'autoEjectHosts',
  'serverFailureLimit',
  'serverRetryTimeoutMs',
  'maxConnections',
  'cache',
  'maxClients',
  'requirepass',
  'users',
  'clientIdleTimeoutMs',
  'maxClientOutputBytes',
  'maxQueryBufferBytes',
  'leaseTimeoutMs',
  'upstreamTimeoutMs',
  'databases',
  'upstreamOptions',
]);

export function resolveProxyOptions(options: ProxyOptions): ResolvedProxyOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`createProxy expects an options object, got ${typeof options}`);
  }
  rejectUnknownKeys(options, KNOWN, 'proxy options');
  const listen = (Array.isArray(options.listen) ? options.listen : [options.listen]) as (
    | string
    | number
  )[];
  if (listen.length === 0 || listen.some((l) => typeof l !== 'string' && typeof l !== 'number')) {
    throw new InvalidArgumentError(
      `Invalid option "listen": expected "host:port", a port or a socket path, got ${JSON.stringify(options.listen)}`,
    );
  }
  const maxOutput = validateInteger(
    options.maxClientOutputBytes ?? 64 * 1024 * 1024,
    'maxClientOutputBytes',
    1024,
    2 ** 40,
  );
  const users =
    options.users instanceof Map ? options.users : new Map(Object.entries(options.users ?? {}));
  const shards = options.shards;
  const shapes = [options.upstream, shards, options.cluster].filter((s) => s !== undefined);
  if (shapes.length !== 1) {
    throw new InvalidArgumentError(
      'Give exactly one of the options "upstream", "shards" and "cluster"',
    );
  }
  const cluster = options.cluster;
  if (
    cluster !== undefined &&
    (typeof cluster !== 'object' ||
      cluster === null ||
      !Array.isArray(cluster.nodes) ||
      cluster.nodes.length === 0 ||
      cluster.nodes.some((n) => typeof n !== 'string'))
  ) {
    throw new InvalidArgumentError(
      'Invalid option "cluster": expected { nodes: ["redis://host:port", …] } with at least one seed URL',
    );
  }
  if (shards !== undefined && (!Array.isArray(shards) || shards.length === 0)) {
    throw new InvalidArgumentError(
      'Invalid option "shards": expected a non-empty array of { name?, url, weight? }',
    );
  }
  const maxConnections = validateInteger(
    options.maxConnections ?? 16,
    'maxConnections',
    2,
    100_000,
  );
  return {
    listen,
    cache: resolveProxyCache(options.cache, shards !== undefined, maxConnections),
    upstream:
      options.upstream === undefined
        ? undefined
        : validateString(options.upstream, 'upstream', { secret: true }),
    shards,
    cluster: cluster === undefined ? undefined : { nodes: [...cluster.nodes] },
    sharding: {
      hash: options.hash,
      distribution: options.distribution,
      hashTag: options.hashTag,
      autoEject: options.autoEjectHosts ?? false,
      maxFailures: validateInteger(
        options.serverFailureLimit ?? 2,
        'serverFailureLimit',
        1,
        1_000_000,
      ),
      retryTimeoutMs: validateDurationMs(
        options.serverRetryTimeoutMs ?? 30_000,
        'serverRetryTimeoutMs',
      ),
    },
    maxConnections,
    maxClients: validateInteger(options.maxClients ?? 10_000, 'maxClients', 1, 10_000_000),
    requirepass:
      options.requirepass === undefined
        ? undefined
        : validateString(options.requirepass, 'requirepass', { secret: true }),
    users: users as ReadonlyMap<string, string>,
    clientIdleTimeoutMs: validateDurationMs(
      options.clientIdleTimeoutMs ?? 0,
      'clientIdleTimeoutMs',
    ),
    maxClientOutputBytes: maxOutput,
    clientOutputPauseBytes: Math.min(maxOutput, 1024 * 1024),
    requestLimits: {
      ...DEFAULT_REQUEST_LIMITS,
      maxQueryBufferBytes: validateInteger(
        options.maxQueryBufferBytes ?? DEFAULT_REQUEST_LIMITS.maxQueryBufferBytes,
        'maxQueryBufferBytes',
        1024,
        2 ** 40,
      ),
    },
    leaseTimeoutMs: validateDurationMs(options.leaseTimeoutMs ?? 5_000, 'leaseTimeoutMs'),
    upstreamTimeoutMs: validateDurationMs(options.upstreamTimeoutMs ?? 0, 'upstreamTimeoutMs'),
    databases: validateInteger(options.databases ?? 16, 'databases', 1, 1_000_000),
    upstreamOptions: options.upstreamOptions,
  };
}

function resolveProxyCache(
  cache: ProxyOptions['cache'],
  sharded: boolean,
  maxConnections: number,
): ResolvedProxyOptions['cache'] {
  if (cache === undefined || cache === false) return undefined;
  if (cache !== true && (typeof cache !== 'object' || cache === null)) {
    throw new InvalidArgumentError(
      `Invalid option "cache": expected true or { maxEntries, maxBytes }, got ${JSON.stringify(cache)}`,
    );
  }
  if (sharded) {
    throw new InvalidArgumentError(
      'Invalid option "cache": only with "upstream" or "cluster", not "shards"',
    );
  }
  if (maxConnections < 3) {
    throw new InvalidArgumentError(
      `Invalid option "cache": needs maxConnections (--max-connections) of at least 3 (the shared connection, the cache's tracking connection and one for leases and pub/sub), got ${maxConnections}`,
    );
  }
  const o = cache === true ? {} : cache;
  return {
    maxEntries: validateInteger(o.maxEntries ?? 10_000, 'cache.maxEntries', 1, 100_000_000),
    maxBytes: validateInteger(o.maxBytes ?? 64 * 1024 * 1024, 'cache.maxBytes', 1024, 2 ** 40),
  };
}
