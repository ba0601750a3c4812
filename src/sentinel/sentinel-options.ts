/**
 * Options of `createSentinel()`: where the sentinels are, which master group to follow, how to
 * talk to the sentinels, and every client option for the data connections (the primary or the
 * replica). Also `redis+sentinel://` URL parsing. Validation is synchronous and names the option
 * and the value; passwords are never echoed.
 */
import type tls from 'node:tls';
import { inspect } from 'node:util';
import {
  CLIENT_OPTION_NAMES,
  type ClientOptions,
  type ResolvedClientOptions,
  resolveClientOptions,
  resolveTls,
} from '../client/options.js';
import { InvalidArgumentError } from '../errors.js';
import { hideSecret } from '../util/secret.js';
import {
  rejectUnknownKeys,
  validateDurationMs,
  validateInteger,
  validateOneOf,
  validateString,
} from '../validate.js';

/** One sentinel's address. */
export interface SentinelAddress {
  readonly host: string;
  /** @default 26379 */
  readonly port?: number;
}

export type SentinelRole = 'primary' | 'replica';

/** The client options that still make sense behind Sentinel (the address comes from Sentinel). */
type DataOptions = Omit<ClientOptions, 'url' | 'host' | 'port' | 'path' | 'name'>;

export interface SentinelOptions extends DataOptions {
  /**
   * `redis+sentinel://[user:pass@]host1:port1,host2:port2/mymaster[/db][?role=replica]`. The
   * credentials in it are the data nodes' (the primary's and replicas'); the sentinels'
   * own go in `sentinelUsername`/`sentinelPassword`. Explicit options override the URL.
   */
  readonly url?: string;
  /** The sentinels to ask, tried in turn; the one that answers moves to the front. */
  readonly sentinels?: readonly SentinelAddress[];
  /** The master group's name, as in `sentinel monitor <name> …`. */
  readonly name?: string;
  /** Connect to the primary (writes) or to one healthy replica (reads). @default 'primary' */
  readonly role?: SentinelRole;
  /** CLIENT SETNAME of the data connections (`name` is the master group here). */
  readonly clientName?: string;
  /** ACL user for the sentinels (`requirepass`/ACL in sentinel.conf). */
  readonly sentinelUsername?: string;
  /** Password for the sentinels. Never appears in errors, logs or `inspect` output. */
  readonly sentinelPassword?: string;
  /** `true` or TLS options for the connections to the sentinels. */
  readonly sentinelTls?: boolean | tls.ConnectionOptions;
  /** Budget to connect to one sentinel and get its answer, before trying the next. @default 1000 */
  readonly sentinelTimeoutMs?: number;
  /**
   * Once a sentinel announces that it is promoting a replica, new connections wait for the
   * outcome (`+switch-master`, or an abort) instead of going to the old primary, for at most
   * this long; commands wait meanwhile, within their own deadline. @default 10000
   */
  readonly maxFailoverWaitMs?: number;
}

export interface ResolvedSentinelOptions {
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  readonly name: string;
  readonly role: SentinelRole;
  readonly sentinelUsername: string | undefined;
  /** Non-enumerable: absent from JSON, spreads and inspect. */
  readonly sentinelPassword: string | undefined;
  readonly sentinelTls: tls.ConnectionOptions | undefined;
  readonly sentinelTimeoutMs: number;
  readonly maxFailoverWaitMs: number;
  /** The data connections' options; host and port are placeholders the resolver replaces. */
  readonly client: ResolvedClientOptions;
}

const SENTINEL_PORT = 26379;

const OWN_KEYS = [
  'url',
  'sentinels',
  'name',
  'role',
  'clientName',
  'sentinelUsername',
  'sentinelPassword',
  'sentinelTls',
  'sentinelTimeoutMs',
  'maxFailoverWaitMs',
] as const;

/** The client options that still apply: the address comes from the sentinels. */
const NOT_BEHIND_SENTINEL = new Set(['url', 'host', 'port', 'path', 'name']);
const CLIENT_KEYS = [...CLIENT_OPTION_NAMES].filter((k) => !NOT_BEHIND_SENTINEL.has(k));

const KNOWN = new Set<string>([...OWN_KEYS, ...CLIENT_KEYS]);

interface SentinelUrlParts {
  sentinels: { host: string; port: number }[];
  name: string;
  username?: string;
  password?: string;
  db?: number;
  role?: SentinelRole;
}

/**
 * Validate and resolve.
 * @throws InvalidArgumentError naming the option and the value.
 */
export function resolveSentinelOptions(input: string | SentinelOptions): ResolvedSentinelOptions {
  const options: SentinelOptions = typeof input === 'string' ? { url: input } : input;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(
      `createSentinel expects a redis+sentinel:// URL or an options object, got ${Array.isArray(options) ? 'an array' : typeof options}`,
    );
  }
  rejectUnknownKeys(options, KNOWN, 'sentinel options');
  const fromUrl = options.url !== undefined ? parseSentinelUrl(options.url) : undefined;

  const sentinels =
    options.sentinels !== undefined
      ? validateSentinels(options.sentinels)
      : (fromUrl?.sentinels ?? validateSentinels(undefined));
  const name = validateString(options.name ?? fromUrl?.name, 'name');
  const role = validateOneOf(options.role ?? fromUrl?.role ?? 'primary', 'role', [
    'primary',
    'replica',
  ] as const);
  const sentinelUsername =
    options.sentinelUsername === undefined
      ? undefined
      : validateString(options.sentinelUsername, 'sentinelUsername');
  const sentinelPassword =
    options.sentinelPassword === undefined
      ? undefined
      : validateString(options.sentinelPassword, 'sentinelPassword', {
          secret: true,
          allowEmpty: true,
        });
  const sentinelTls = resolveTls(options.sentinelTls, 'sentinelTls');
  const sentinelTimeoutMs = validateInteger(
    options.sentinelTimeoutMs ?? 1_000,
    'sentinelTimeoutMs',
    1,
    2 ** 31 - 1,
  );
  const maxFailoverWaitMs = validateDurationMs(
    options.maxFailoverWaitMs ?? 10_000,
    'maxFailoverWaitMs',
  );

  const clientInput: Record<string, unknown> = {};
  for (const key of CLIENT_KEYS) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) clientInput[key] = value;
  }
  if (fromUrl?.username !== undefined) clientInput['username'] ??= fromUrl.username;
  if (fromUrl?.password !== undefined) clientInput['password'] ??= fromUrl.password;
  if (fromUrl?.db !== undefined) clientInput['db'] ??= fromUrl.db;
  if (options.clientName !== undefined) clientInput['name'] = options.clientName;
  // The first sentinel stands in for the address until the resolver replaces it: only
  // diagnostics would ever see it.
  const first = sentinels[0] ?? { host: '127.0.0.1', port: SENTINEL_PORT };
  const client = resolveClientOptions({
    ...(clientInput as ClientOptions),
    host: first.host,
    port: first.port,
  });

  const resolved = {
    sentinels,
    name,
    role,
    sentinelUsername,
    sentinelTls,
    sentinelTimeoutMs,
    maxFailoverWaitMs,
    client,
  } as Omit<ResolvedSentinelOptions, 'sentinelPassword'> as ResolvedSentinelOptions;
  hideSecret(resolved, 'sentinelPassword', sentinelPassword);
  Object.defineProperty(resolved, inspect.custom, {
    value: () => ({
      ...resolved,
      sentinelPassword: sentinelPassword === undefined ? undefined : '<redacted>',
    }),
    enumerable: false,
  });
  return Object.freeze(resolved);
}

function validateSentinels(value: unknown): { host: string; port: number }[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidArgumentError(
      `Invalid option "sentinels": expected a non-empty array of { host, port }, got ${Array.isArray(value) ? 'an empty array' : typeof value}`,
    );
  }
  return value.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) {
      throw new InvalidArgumentError(
        `Invalid option "sentinels[${i}]": expected { host, port }, got ${typeof entry}`,
      );
    }
    const e = entry as Record<string, unknown>;
    return {
      host: validateString(e['host'], `sentinels[${i}].host`),
      port: validateInteger(e['port'] ?? SENTINEL_PORT, `sentinels[${i}].port`, 1, 65535),
    };
  });
}

/**
 * Parse `redis+sentinel://[user:pass@]host1[:port1],host2[:port2]/name[/db][?role=replica]`.
 * Errors show the URL with its password replaced, never the password.
 * @throws InvalidArgumentError
 */
export function parseSentinelUrl(url: unknown): SentinelUrlParts {
  if (typeof url !== 'string' || url === '') {
    throw new InvalidArgumentError(
      `Invalid option "url": expected a non-empty string, got ${typeof url}`,
    );
  }
  const shown = JSON.stringify(url.replace(/^([a-z+]+:\/\/)([^:@/]*):([^@/]*)@/i, '$1$2:***@'));
  const match =
    /^redis\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]+)\/([^/?#]+)(?:\/([^/?#]*))?\/?(?:\?([^#]*))?$/i.exec(
      url,
    );
  if (match === null) {
    throw new InvalidArgumentError(
      `Invalid option "url": ${shown} is not redis+sentinel://[user:pass@]host:port[,host:port…]/name[/db]`,
    );
  }
  const [, user, pass, hosts = '', name = '', dbText, query] = match;
  const parts: SentinelUrlParts = {
    sentinels: hosts.split(',').map((h) => parseHostPort(h, shown)),
    name: decodeURIComponent(name),
  };
  if (user !== undefined && user !== '') parts.username = decodeURIComponent(user);
  if (pass !== undefined && pass !== '') parts.password = decodeURIComponent(pass);
  if (dbText !== undefined && dbText !== '') {
    if (!/^\d{1,10}$/.test(dbText) || Number(dbText) > 2 ** 31 - 1) {
      throw new InvalidArgumentError(
        `Invalid option "url": database ${JSON.stringify(dbText)} in ${shown} is not a number`,
      );
    }
    parts.db = Number(dbText);
  }
  const role = new URLSearchParams(query ?? '').get('role');
  if (role !== null) parts.role = validateOneOf(role, 'url role', ['primary', 'replica'] as const);
  return parts;
}

function parseHostPort(text: string, shown: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[3] === undefined ? SENTINEL_PORT : Number(m[3]);
  if (m === null || port < 1 || port > 65535) {
    throw new InvalidArgumentError(
      `Invalid option "url": sentinel address ${JSON.stringify(text)} in ${shown} is not host[:port]`,
    );
  }
  return { host: m[1] ?? m[2] ?? '', port };
}
