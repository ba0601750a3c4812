/**
 * Client options: the public `ClientOptions` (all optional), frozen defaults, URL parsing and
 * `resolveClientOptions()`, which validates everything synchronously and returns the resolved,
 * readonly form the client runs on. The password is kept non-enumerable and out of `inspect`.
 */

import type tls from 'node:tls';
import { inspect } from 'node:util';
import {
  type CacheOptions,
  type ResolvedCacheOptions,
  resolveCacheOptions,
} from '../cache/cache-options.js';
import type { SocketFactory } from '../connection/connect.js';
import { InvalidArgumentError } from '../errors.js';
import { nextClientId } from '../metrics/client-scope.js';
import { hideSecret } from '../util/secret.js';
import {
  rejectUnknownKeys,
  validateBoolean,
  validateDurationMs,
  validateFunction,
  validateInteger,
  validateOneOf,
  validateString,
} from '../validate.js';
import { rejectForeignOptions } from './foreign-options.js';

/**
 * The highest database index accepted. The server allocates every database at start-up, so
 * real servers have a few to a few thousand; a larger number is a mistake (a port, a timestamp)
 * that SELECT would only report at the first connection, as a server error.
 */
export const MAX_DB = 65_535;

export interface ClientOptions {
  /**
   * `redis://[[user]:password@]host[:port][/db]`, `rediss://…` (TLS) or
   * `unix:///path/to/redis.sock[?db=N]`. Explicit options below override what the URL says.
   * @default 'redis://127.0.0.1:6379'
   */
  readonly url?: string;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 6379 */
  readonly port?: number;
  /** Unix socket path; when set, `host`/`port` are not used. */
  readonly path?: string;
  /** ACL user name (Redis 6+). @default 'default' when a password is given */
  readonly username?: string;
  /** Password for AUTH. Never appears in errors, logs or `inspect` output. */
  readonly password?: string;
  /** Database index selected on every connection. @default 0 */
  readonly db?: number;
  /** CLIENT SETNAME value, so the server's CLIENT LIST shows who holds the connection. */
  readonly name?: string;
  /** `true` or Node TLS options for a TLS connection (implied by `rediss://`). */
  readonly tls?: boolean | tls.ConnectionOptions;
  /** Preferred protocol: 3 (HELLO 3, falls back to 2 on old servers) or 2. @default 3 */
  readonly protocol?: 2 | 3;
  /**
   * Put this in front of every key the command table finds in a command (like ioredis's
   * `keyPrefix`). Patterns of KEYS/SCAN and the keys in their replies are left as they are;
   * see docs/migrating.md for the pitfalls.
   */
  readonly keyPrefix?: string;
  /** Decode replies to `Buffer`s instead of strings for every command of this client. @default false */
  readonly returnBuffers?: boolean;
  /** Budget for dialling plus the handshake, in ms. @default 10000 */
  readonly connectTimeoutMs?: number;
  /** TCP keepalive initial delay in ms; 0 turns keepalive off. @default 30000 */
  readonly keepAliveMs?: number;
  /** How long `close()` waits for in-flight replies before destroying, in ms. @default 5000 */
  readonly closeTimeoutMs?: number;
  /**
   * Most commands that may wait for a connection while it is being (re)established or while its
   * socket is congested; past it commands fail at once with ERR_QUEUE_FULL instead of piling up
   * in memory. @default 100000
   */
  readonly maxQueuedCommands?: number;
  /**
   * Deadline for each command's whole life (waiting for a connection, written, awaiting its
   * reply), in ms; 0 = none. Overridable per view with `withOptions({ timeoutMs })`. Blocking
   * commands use their own timeout plus `blockingGraceMs` instead. @default 10000
   */
  readonly commandTimeoutMs?: number;
  /**
   * Idle heartbeat: a multiplexed connection that read nothing for this long sends PING, and is
   * replaced if the PING gets no reply within the same time; 0 = off. Kept below the server's
   * `timeout` when it can be read. @default 5000
   */
  readonly pingIntervalMs?: number;
  /**
   * Most bytes the kernel has not accepted yet: commands waiting for a connection or for a
   * congested socket to drain, plus what the connection holds encoded or in its socket; past it
   * ERR_QUEUE_FULL. @default 67108864
   */
  readonly maxQueuedBytes?: number;
  /** First reconnect delay after a failed attempt; doubles per attempt, with jitter. @default 50 */
  readonly reconnectDelayMs?: number;
  /** Cap of the reconnect delay. @default 2000 */
  readonly maxReconnectDelayMs?: number;
  /** Largest single socket write in bytes; a bigger batch is split. @default 1048576 */
  readonly maxWriteBytes?: number;
  /**
   * The hard budget of connections to the server: the multiplexed connection plus every leased,
   * idle and connecting exclusive connection. Never exceeded; callers wait instead. With 1, only
   * the multiplexed connection exists and leases cannot be had. @default 10
   */
  readonly maxConnections?: number;
  /** Idle exclusive connections the evictor keeps (at most maxConnections - 1). @default 0 */
  readonly minIdle?: number;
  /** An exclusive connection idle longer than this is closed by the background evictor. @default 30000 */
  readonly idleTimeoutMs?: number;
  /** How long a lease or blocking command waits for a free connection before ERR_POOL_TIMEOUT; 0 = no limit. @default 10000 */
  readonly acquireTimeoutMs?: number;
  /** Most callers waiting for a lease at once; past it they fail with ERR_QUEUE_FULL. @default 10000 */
  readonly maxWaiters?: number;
  /**
   * Most exclusive connections dialled at once when many leases are wanted together: a burst of
   * callers opens connections a few at a time rather than all in one instant. @default 4
   */
  readonly maxConcurrentDials?: number;
  /** A lease held longer than this emits a `leak` warning with the acquiring stack; 0 = off. @default 60000 */
  readonly leakWarningMs?: number;
  /**
   * Added to a blocking command's own timeout to form its client-side deadline (network and
   * server scheduling). At the deadline its connection is destroyed, so it cannot take an
   * element later. @default 1000
   */
  readonly blockingGraceMs?: number;
  /** Dial function, for tests and custom transports. @default net/tls connect */
  readonly socketFactory?: SocketFactory;
  /**
   * Client-side caching for reads through `client.cached` (docs/caching.md): `true` for the
   * defaults, or limits and the tracking mode. @default off
   */
  readonly cache?: boolean | CacheOptions;
}

export const DEFAULT_CLIENT_OPTIONS = Object.freeze({
  host: '127.0.0.1',
  port: 6379,
  db: 0,
  protocol: 3 as 2 | 3,
  returnBuffers: false,
  connectTimeoutMs: 10_000,
  keepAliveMs: 30_000,
  closeTimeoutMs: 5_000,
  maxQueuedCommands: 100_000,
  maxWriteBytes: 1024 * 1024,
  commandTimeoutMs: 10_000,
  pingIntervalMs: 5_000,
  maxQueuedBytes: 64 * 1024 * 1024,
  reconnectDelayMs: 50,
  maxReconnectDelayMs: 2_000,
  maxConnections: 10,
  minIdle: 0,
  idleTimeoutMs: 30_000,
  acquireTimeoutMs: 10_000,
  maxWaiters: 10_000,
  maxConcurrentDials: 4,
  leakWarningMs: 60_000,
  blockingGraceMs: 1_000,
});

export interface ResolvedClientOptions {
  /**
   * Not an option: a process-unique id (`respool-1`, …) assigned on resolution, by which
   * diagnostics_channel messages and metric labels tell clients apart.
   */
  readonly clientId: string;
  readonly host: string;
  readonly port: number;
  readonly path: string | undefined;
  readonly username: string | undefined;
  /** Non-enumerable: absent from JSON, spreads and inspect. */
  readonly password: string | undefined;
  readonly db: number;
  readonly name: string | undefined;
  readonly tls: tls.ConnectionOptions | undefined;
  readonly protocol: 2 | 3;
  readonly returnBuffers: boolean;
  /** Undefined when no prefix (or an empty one) was given. */
  readonly keyPrefix: string | undefined;
  readonly connectTimeoutMs: number;
  readonly keepAliveMs: number;
  readonly closeTimeoutMs: number;
  readonly maxQueuedCommands: number;
  readonly maxWriteBytes: number;
  readonly commandTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly maxQueuedBytes: number;
  readonly reconnectDelayMs: number;
  readonly maxReconnectDelayMs: number;
  readonly maxConnections: number;
  readonly minIdle: number;
  readonly idleTimeoutMs: number;
  readonly acquireTimeoutMs: number;
  readonly maxWaiters: number;
  readonly maxConcurrentDials: number;
  readonly leakWarningMs: number;
  readonly blockingGraceMs: number;
  readonly socketFactory: SocketFactory | undefined;
  /** Undefined when caching is off. */
  readonly cache: ResolvedCacheOptions | undefined;
}

const KNOWN = new Set<string>([
  'url',
  'host',
  'port',
  'path',
  'username',
  'password',
  'db',
  'name',
  'tls',
  'protocol',
  'returnBuffers',
  'keyPrefix',
  'connectTimeoutMs',
  'keepAliveMs',
  'closeTimeoutMs',
  'maxQueuedCommands',
  'maxWriteBytes',
  'commandTimeoutMs',
  'pingIntervalMs',
  'maxQueuedBytes',
  'reconnectDelayMs',
  'maxReconnectDelayMs',
  'maxConnections',
  'minIdle',
  'idleTimeoutMs',
  'acquireTimeoutMs',
  'maxWaiters',
  'maxConcurrentDials',
  'leakWarningMs',
  'blockingGraceMs',
  'socketFactory',
  'cache',
]);

/** Every option name `createClient` accepts (createCluster accepts these and its own). */
export const CLIENT_OPTION_NAMES: ReadonlySet<string> = KNOWN;

interface UrlParts {
  host?: string;
  port?: number;
  path?: string;
  username?: string;
  password?: string;
  db?: number;
  tls?: boolean;
}

/**
 * Validate and resolve. `clientId` is internal: a cluster gives its node clients its own id, so
 * their diagnostics messages are attributed to the cluster client.
 * @throws InvalidArgumentError naming the option and the value.
 */
export function resolveClientOptions(
  input: string | ClientOptions | undefined,
  clientId?: string,
): ResolvedClientOptions {
  const options: ClientOptions =
    typeof input === 'string' ? { url: input } : input === undefined ? {} : input;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(
      `createClient expects a URL string or an options object, got ${Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
  rejectForeignOptions(options, 'client options');
  rejectUnknownKeys(options, KNOWN, 'client options');
  const fromUrl = options.url !== undefined ? parseRedisUrl(options.url) : {};
  const d = DEFAULT_CLIENT_OPTIONS;

  const host = validateString(options.host ?? fromUrl.host ?? d.host, 'host');
  const port = validateInteger(options.port ?? fromUrl.port ?? d.port, 'port', 1, 65535);
  const path = pick(options.path, fromUrl.path, (v) => validateString(v, 'path'));
  const username = pick(options.username, fromUrl.username, (v) => validateString(v, 'username'));
  const password = pick(options.password, fromUrl.password, (v) =>
    validateString(v, 'password', { secret: true, allowEmpty: true }),
  );
  const db = validateInteger(options.db ?? fromUrl.db ?? d.db, 'db', 0, MAX_DB);
  const name = pick(options.name, undefined, (v) => {
    const s = validateString(v, 'name');
    // The server rejects names with spaces or newlines; say so here, not at connect time.
    if (/[\s]/.test(s)) {
      throw new InvalidArgumentError(
        `Invalid option "name": ${JSON.stringify(s)} contains white space`,
      );
    }
    return s;
  });
  const tlsOptions = resolveTls(options.tls ?? fromUrl.tls, 'tls');
  const protocol = validateOneOf(options.protocol ?? d.protocol, 'protocol', [2, 3] as const);
  const returnBuffers = validateBoolean(options.returnBuffers ?? d.returnBuffers, 'returnBuffers');
  const prefixInput =
    options.keyPrefix === undefined
      ? ''
      : validateString(options.keyPrefix, 'keyPrefix', { allowEmpty: true });
  const keyPrefix = prefixInput === '' ? undefined : prefixInput;
  const connectTimeoutMs = positiveMs(
    options.connectTimeoutMs ?? d.connectTimeoutMs,
    'connectTimeoutMs',
  );
  const keepAliveMs = validateDurationMs(options.keepAliveMs ?? d.keepAliveMs, 'keepAliveMs');
  const closeTimeoutMs = positiveMs(options.closeTimeoutMs ?? d.closeTimeoutMs, 'closeTimeoutMs');
  const maxQueuedCommands = validateInteger(
    options.maxQueuedCommands ?? d.maxQueuedCommands,
    'maxQueuedCommands',
    1,
    2 ** 31 - 1,
  );
  const maxWriteBytes = validateInteger(
    options.maxWriteBytes ?? d.maxWriteBytes,
    'maxWriteBytes',
    1024,
    2 ** 30,
  );
  const commandTimeoutMs = validateDurationMs(
    options.commandTimeoutMs ?? d.commandTimeoutMs,
    'commandTimeoutMs',
  );
  const pingIntervalMs = validateDurationMs(
    options.pingIntervalMs ?? d.pingIntervalMs,
    'pingIntervalMs',
  );
  const maxQueuedBytes = validateInteger(
    options.maxQueuedBytes ?? d.maxQueuedBytes,
    'maxQueuedBytes',
    1024,
    2 ** 40,
  );
  const reconnectDelayMs = positiveMs(
    options.reconnectDelayMs ?? d.reconnectDelayMs,
    'reconnectDelayMs',
  );
  const maxReconnectDelayMs = positiveMs(
    options.maxReconnectDelayMs ?? d.maxReconnectDelayMs,
    'maxReconnectDelayMs',
  );
  if (maxReconnectDelayMs < reconnectDelayMs) {
    throw new InvalidArgumentError(
      `Invalid option "maxReconnectDelayMs": ${maxReconnectDelayMs} is below reconnectDelayMs ${reconnectDelayMs}`,
    );
  }
  const maxConnections = validateInteger(
    options.maxConnections ?? d.maxConnections,
    'maxConnections',
    1,
    100_000,
  );
  const minIdle = validateInteger(options.minIdle ?? d.minIdle, 'minIdle', 0, 100_000);
  if (minIdle > maxConnections - 1) {
    throw new InvalidArgumentError(
      `Invalid option "minIdle": ${minIdle} idle connections do not fit in maxConnections ${maxConnections} (one connection is the multiplexed one)`,
    );
  }
  const idleTimeoutMs = positiveMs(options.idleTimeoutMs ?? d.idleTimeoutMs, 'idleTimeoutMs');
  const acquireTimeoutMs = validateDurationMs(
    options.acquireTimeoutMs ?? d.acquireTimeoutMs,
    'acquireTimeoutMs',
  );
  const maxWaiters = validateInteger(
    options.maxWaiters ?? d.maxWaiters,
    'maxWaiters',
    0,
    10_000_000,
  );
  const maxConcurrentDials = validateInteger(
    options.maxConcurrentDials ?? d.maxConcurrentDials,
    'maxConcurrentDials',
    1,
    10_000,
  );
  const leakWarningMs = validateDurationMs(
    options.leakWarningMs ?? d.leakWarningMs,
    'leakWarningMs',
  );
  const blockingGraceMs = validateDurationMs(
    options.blockingGraceMs ?? d.blockingGraceMs,
    'blockingGraceMs',
  );
  const socketFactory =
    options.socketFactory === undefined
      ? undefined
      : validateFunction<SocketFactory>(options.socketFactory, 'socketFactory');

  const resolved = {
    clientId: clientId ?? nextClientId(),
    host,
    port,
    path,
    username,
    db,
    name,
    tls: tlsOptions,
    protocol,
    returnBuffers,
    keyPrefix,
    connectTimeoutMs,
    keepAliveMs,
    closeTimeoutMs,
    maxQueuedCommands,
    maxWriteBytes,
    commandTimeoutMs,
    pingIntervalMs,
    maxQueuedBytes,
    reconnectDelayMs,
    maxReconnectDelayMs,
    maxConnections,
    minIdle,
    idleTimeoutMs,
    acquireTimeoutMs,
    maxWaiters,
    maxConcurrentDials,
    leakWarningMs,
    blockingGraceMs,
    socketFactory,
    cache: resolveCacheOptions(options.cache),
  } as ResolvedClientOptions;
  return seal(resolved, password);
}

/**
 * The same resolved options for another server (a cluster's node): nothing is validated or
 * resolved again, and the password stays hidden.
 */
export function withEndpoint(
  o: ResolvedClientOptions,
  host: string,
  port: number,
): ResolvedClientOptions {
  return seal({ ...o, host, port, path: undefined }, o.password);
}

/** Frozen, with the password hidden (util/secret.ts) and redacted from `inspect`. */
function seal(fields: ResolvedClientOptions, password: string | undefined): ResolvedClientOptions {
  hideSecret(fields, 'password', password);
  Object.defineProperty(fields, inspect.custom, {
    value: () => ({ ...fields, password: password === undefined ? undefined : '<redacted>' }),
    enumerable: false,
  });
  return Object.freeze(fields);
}

/** `true`, `false` or TLS options → the TLS options, or undefined for none. */
export function resolveTls(input: unknown, name: string): tls.ConnectionOptions | undefined {
  if (input === undefined || input === false) return undefined;
  if (input === true) return {};
  if (typeof input !== 'object' || input === null) {
    throw new InvalidArgumentError(
      `Invalid option "${name}": expected true, false or TLS options, got ${typeof input}`,
    );
  }
  return input as tls.ConnectionOptions;
}

function positiveMs(value: unknown, name: string): number {
  return validateInteger(value, name, 1, 2 ** 31 - 1);
}

function pick<T>(
  explicit: unknown,
  fromUrl: T | undefined,
  validate: (v: unknown) => T,
): T | undefined {
  if (explicit !== undefined) return validate(explicit);
  return fromUrl;
}

/**
 * Parse a Redis URL. Errors show the URL with its password replaced, never the password.
 * @throws InvalidArgumentError
 */
export function parseRedisUrl(url: unknown): UrlParts {
  if (typeof url !== 'string' || url === '') {
    throw new InvalidArgumentError(
      `Invalid option "url": expected a non-empty string, got ${typeof url}`,
    );
  }
  if (/^redis\+sentinel:/i.test(url)) {
    throw new InvalidArgumentError(
      `Invalid option "url": ${JSON.stringify(redactUrl(url))} names sentinels; pass it to createSentinel(), not createClient()`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(
      `Invalid option "url": ${JSON.stringify(redactUrl(url))} is not a valid URL`,
    );
  }
  const shown = JSON.stringify(redactUrl(url));
  const parts: UrlParts = {};
  if (parsed.username !== '') parts.username = decodeUrlPart(parsed.username, 'user name', shown);
  if (parsed.password !== '') parts.password = decodeUrlPart(parsed.password, 'password', shown);
  switch (parsed.protocol) {
    case 'redis:':
    case 'rediss:': {
      if (parsed.protocol === 'rediss:') parts.tls = true;
      if (parsed.hostname === '') {
        throw new InvalidArgumentError(`Invalid option "url": ${shown} names no host`);
      }
      parts.host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
      if (parsed.port !== '') parts.port = Number(parsed.port);
      const dbPath = parsed.pathname.replace(/^\//, '');
      if (dbPath !== '') parts.db = parseDb(dbPath, shown);
      break;
    }
    case 'unix:': {
      const path = decodeUrlPart(parsed.pathname, 'socket path', shown);
      if (path === '' || path === '/') {
        throw new InvalidArgumentError(`Invalid option "url": ${shown} names no socket path`);
      }
      parts.path = path;
      break;
    }
    default:
      throw new InvalidArgumentError(
        `Invalid option "url": ${shown} must start with redis://, rediss:// or unix://`,
      );
  }
  for (const name of parsed.searchParams.keys()) {
    if (!URL_PARAMETERS.has(name)) {
      throw new InvalidArgumentError(
        `Invalid option "url": unknown query parameter ${JSON.stringify(name)} in ${shown}; the only one is "db" (give other settings as options)`,
      );
    }
  }
  const db = parsed.searchParams.get('db');
  if (db !== null) parts.db = parseDb(db, shown);
  return parts;
}

/** Query parameters a URL may carry; anything else is refused rather than ignored. */
const URL_PARAMETERS: ReadonlySet<string> = new Set(['db']);

/** A percent-encoded part of the URL, decoded; a malformed escape is the caller's error. */
function decodeUrlPart(text: string, what: string, shown: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidArgumentError(
      `Invalid option "url": the ${what} in ${shown} has a malformed percent escape`,
    );
  }
}

function parseDb(text: string, shown: string): number {
  if (!/^\d{1,10}$/.test(text) || Number(text) > MAX_DB) {
    throw new InvalidArgumentError(
      `Invalid option "url": database ${JSON.stringify(text)} in ${shown} is not a number from 0 to ${MAX_DB}`,
    );
  }
  return Number(text);
}

/** The URL with any password replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)([^:@/]*):([^@/]*)@/i, '$1$2:***@');
}
