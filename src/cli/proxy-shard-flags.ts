/**
 * `respool proxy --shard …`: the shards shape (twemproxy's pool of standalone servers) from the
 * command line. Each flag is checked here, so a mistake names the flag and the value (with any
 * password hidden) before the proxy starts; the names follow nutcracker's config keys so a
 * nutcracker pool translates line by line.
 */
import { redactUrl } from '../client/options.js';
import {
  DISTRIBUTIONS,
  type Distribution,
  HASH_NAMES,
  type HashName,
} from '../proxy/sharding/index.js';
import { UsageError } from './cli-error.js';

/** `parseArgs` definitions of the shard flags. */
export const SHARD_FLAG_OPTIONS = {
  shard: { type: 'string', multiple: true },
  hash: { type: 'string' },
  distribution: { type: 'string' },
  'hash-tag': { type: 'string' },
  'auto-eject-hosts': { type: 'boolean' },
  'server-failure-limit': { type: 'string' },
  'server-retry-timeout': { type: 'string' },
} as const;

/** Help rows for the shard flags. */
export const SHARD_FLAG_HELP: readonly (readonly [string, string])[] = [
  ['--shard [name=]<url>[:weight]', 'a standalone shard instead of --upstream; repeat for each'],
  ['--hash <name>', `key hash (fnv1a_64): ${HASH_NAMES.join(', ')}`],
  ['--distribution <name>', `key placement (ketama): ${DISTRIBUTIONS.join(', ')}`],
  ['--hash-tag <two chars>', 'hash only the part of a key between them, e.g. "{}"'],
  ['--auto-eject-hosts', 'take a failing shard out of the ring (and back after the retry time)'],
  ['--server-failure-limit <n>', 'consecutive failures that eject a shard (2)'],
  ['--server-retry-timeout <ms>', 'how long an ejected shard stays out (30000)'],
];

export interface ShardFlagValues {
  readonly shard?: string[] | undefined;
  readonly hash?: string | undefined;
  readonly distribution?: string | undefined;
  readonly 'hash-tag'?: string | undefined;
  readonly 'auto-eject-hosts'?: boolean | undefined;
  readonly 'server-failure-limit'?: string | undefined;
  readonly 'server-retry-timeout'?: string | undefined;
}

export interface ShardSpecOption {
  readonly name?: string;
  readonly url: string;
  readonly weight?: number;
}

// `name=` before the scheme; the name is anything without `=` or `/` (nutcracker's are words).
const NAMED = /^([^=/]+)=(.+)$/;
// A weight after the port: `redis://[auth@]host:port:weight[/db]`.
const WEIGHTED = /^(rediss?:\/\/(?:[^@/]*@)?(?:\[[^\]]*\]|[^:/[]+):\d+):(\d+)(\/.*)?$/i;

/** One `--shard` value as `{ name?, url, weight? }`. */
export function parseShardFlag(text: string, usage: string): ShardSpecOption {
  const shown = JSON.stringify(redactUrl(text.replace(/^[^=/]+=/, '')));
  const named = NAMED.exec(text);
  const name = named?.[1];
  const rest = named === null ? text : named[2]!;
  if (!/^(rediss?|unix):\/\//i.test(rest)) {
    throw new UsageError(`--shard expects [name=]redis://host:port[:weight], got ${shown}`, usage);
  }
  const weighted = WEIGHTED.exec(rest);
  let url = rest;
  let weight: number | undefined;
  if (weighted !== null) {
    url = weighted[1]! + (weighted[3] ?? '');
    weight = Number(weighted[2]);
    if (!Number.isSafeInteger(weight) || weight < 1) {
      throw new UsageError(`--shard weight must be a whole number ≥ 1, got ${shown}`, usage);
    }
  }
  try {
    // Fails on what the engine would refuse later (no host, a bad port), with the flag named.
    const parsed = new URL(url);
    if (parsed.protocol !== 'unix:' && parsed.hostname === '') throw new Error('no host');
    if (parsed.pathname !== '' && parsed.pathname !== '/' && parsed.protocol !== 'unix:') {
      throw new Error('a database');
    }
  } catch {
    throw new UsageError(
      `--shard expects [name=]redis://host:port[:weight] (database 0 only), got ${shown}`,
      usage,
    );
  }
  return {
    ...(name === undefined ? {} : { name }),
    url,
    ...(weight === undefined ? {} : { weight }),
  };
}

function wholeNumber(value: string | undefined, flag: string, min: number, usage: string) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(
      `${flag} expects a whole number ≥ ${min}, got ${JSON.stringify(value)}`,
      usage,
    );
  }
  return n;
}

/**
 * The `createProxy` options the shard flags set (none when no shard flag was given). The
 * placement flags need shards, from `--shard` or the `--config` file (`configHasShards`).
 * @throws UsageError naming the flag and its value.
 */
export function shardOptionsFromFlags(
  values: ShardFlagValues,
  usage: string,
  configHasShards = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (values.shard !== undefined) out['shards'] = values.shard.map((s) => parseShardFlag(s, usage));
  if (values.hash !== undefined) {
    if (!(HASH_NAMES as readonly string[]).includes(values.hash)) {
      throw new UsageError(
        `--hash expects one of ${HASH_NAMES.join(', ')}; got ${JSON.stringify(values.hash)}`,
        usage,
      );
    }
    out['hash'] = values.hash as HashName;
  }
  if (values.distribution !== undefined) {
    if (!(DISTRIBUTIONS as readonly string[]).includes(values.distribution)) {
      throw new UsageError(
        `--distribution expects one of ${DISTRIBUTIONS.join(', ')}; got ${JSON.stringify(values.distribution)}`,
        usage,
      );
    }
    out['distribution'] = values.distribution as Distribution;
  }
  const tag = values['hash-tag'];
  if (tag !== undefined) {
    if (Buffer.byteLength(tag) !== 2) {
      throw new UsageError(
        `--hash-tag expects two single-byte characters such as "{}", got ${JSON.stringify(tag)}`,
        usage,
      );
    }
    out['hashTag'] = tag;
  }
  if (values['auto-eject-hosts'] === true) out['autoEjectHosts'] = true;
  const limit = wholeNumber(values['server-failure-limit'], '--server-failure-limit', 1, usage);
  if (limit !== undefined) out['serverFailureLimit'] = limit;
  const retry = wholeNumber(values['server-retry-timeout'], '--server-retry-timeout', 0, usage);
  if (retry !== undefined) out['serverRetryTimeoutMs'] = retry;
  if (values.shard === undefined && !configHasShards) {
    const stray = Object.keys(out)[0];
    if (stray !== undefined) {
      const flag = `--${stray.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new UsageError(`${flag} applies only to shards: give --shard too`, usage);
    }
  }
  return out;
}
