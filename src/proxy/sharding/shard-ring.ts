/**
 * `ShardRing`: which of N standalone shards holds a key, placed exactly as a nutcracker pool with
 * the same servers, `hash`, `distribution`, `hash_tag` and weights would place it, with
 * twemproxy's auto-eject (`ShardHealth`): an ejected shard's keys move to the live ones (ketama
 * moves only those), and come back when it is re-admitted.
 *
 * Pure: no sockets, no timers. The caller reports failures and successes, and calls
 * `update(nowMs)` before routing (cheap when nothing is ejected) so a shard whose retry time has
 * come is put back, as nutcracker does on each request.
 *
 * ```ts
 * const ring = new ShardRing({ shards: [{ host: '10.0.0.1', port: 6379 }, …], hashTag: '{}' });
 * ring.update(now);
 * const shard = ring.shardFor(key); // index into `shards`, or -1 when every shard is ejected
 * ```
 */
import { InvalidArgumentError } from '../../errors.js';
import { rejectUnknownKeys, validateInteger, validateOneOf } from '../../validate.js';
import { HASH_NAMES, type HashName, type KeyHash, keyHash } from './hash-functions.js';
import { type HashTag, hashedPart, parseHashTag } from './hash-tag.js';
import { buildKetama, type Continuum, ketamaDispatch } from './ketama.js';
import { ShardHealth, type ShardHealthOptions } from './shard-health.js';

export const DISTRIBUTIONS = ['ketama', 'modula', 'random'] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** One standalone shard, as a line of a nutcracker `servers:` list (`host:port:weight [name]`). */
export interface ShardSpec {
  readonly host: string;
  /** Omitted for a Unix socket path in `host`. */
  readonly port?: number | undefined;
  /** Relative share of keys (ketama, modula). @default 1 */
  readonly weight?: number | undefined;
  /**
   * The shard's identity on the ketama circle. Give it to keep keys in place when a shard's
   * address changes. @default `host:port` (`host` alone for port 11211, as nutcracker does)
   */
  readonly name?: string | undefined;
}

export interface ShardRingOptions extends ShardHealthOptions {
  readonly shards: readonly ShardSpec[];
  /** nutcracker's `hash`. @default 'fnv1a_64' */
  readonly hash?: HashName;
  /** nutcracker's `distribution`. @default 'ketama' */
  readonly distribution?: Distribution;
  /** nutcracker's `hash_tag`: two characters such as `"{}"`. @default none */
  readonly hashTag?: string | undefined;
  /** A number in [0, 1) for the `random` distribution. @default Math.random */
  readonly random?: () => number;
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'shards',
  'hash',
  'distribution',
  'hashTag',
  'random',
  'autoEject',
  'maxFailures',
  'retryTimeoutMs',
]);

/** nutcracker leaves the port out of the ketama name for memcached's port. */
const KETAMA_LEGACY_PORT = 11211;

/** The name ketama hashes for a shard. */
export function ketamaName(shard: ShardSpec): string {
  if (shard.name !== undefined) return shard.name;
  if (shard.port === undefined || shard.port === KETAMA_LEGACY_PORT) return shard.host;
  return `${shard.host}:${shard.port}`;
}

/**
 * nutcracker's server order: it sorts a pool's servers by name (`string_compare`: shorter first,
 * then byte by byte) when it validates the configuration.
 */
function nutcrackerOrder(names: readonly string[]): number[] {
  const bytes = names.map((n) => Buffer.from(n, 'utf8'));
  return names
    .map((_, i) => i)
    .sort((a, b) => bytes[a]!.length - bytes[b]!.length || Buffer.compare(bytes[a]!, bytes[b]!));
}

export class ShardRing {
  readonly shards: readonly ShardSpec[];
  readonly hash: HashName;
  readonly distribution: Distribution;
  readonly health: ShardHealth;
  readonly #hashTag: HashTag | undefined;
  readonly #keyHash: KeyHash;
  readonly #random: () => number;
  readonly #names: readonly string[];
  readonly #weights: readonly number[];
  /** Shard indexes in nutcracker's server order: by name, shorter names first (see `#rebuild`). */
  readonly #order: readonly number[];
  /** ketama: the circle of live shards' points. */
  #continuum: Continuum = { values: new Uint32Array(0), shards: new Uint32Array(0) };
  /** modula and random: live shard indexes, each repeated `weight` times for modula. */
  #slots: Uint32Array = new Uint32Array(0);
  /** `health.version` the tables were built for. */
  #builtVersion = -1;

  constructor(options: ShardRingOptions) {
    rejectUnknownKeys(options, KNOWN_OPTIONS, 'ShardRing options');
    if (!Array.isArray(options.shards) || options.shards.length === 0) {
      throw new InvalidArgumentError(
        'Invalid option "shards": expected a non-empty array of { host, port, weight?, name? }',
      );
    }
    this.shards = options.shards.map((s, i) => {
      if (typeof s?.host !== 'string' || s.host === '') {
        throw new InvalidArgumentError(
          `Invalid option "shards[${i}].host": expected a non-empty string`,
        );
      }
      if (s.port !== undefined) validateInteger(s.port, `shards[${i}].port`, 1, 65_535);
      return Object.freeze({ ...s });
    });
    this.#weights = this.shards.map((s, i) =>
      validateInteger(s.weight ?? 1, `shards[${i}].weight`, 1, 1_000_000),
    );
    this.#names = this.shards.map(ketamaName);
    this.#order = nutcrackerOrder(this.#names);
    if (new Set(this.#names).size !== this.#names.length) {
      throw new InvalidArgumentError(
        'Invalid option "shards": two shards have the same name (host:port or name); nutcracker refuses that too',
      );
    }
    this.hash = validateOneOf(options.hash ?? 'fnv1a_64', 'hash', HASH_NAMES);
    this.distribution = validateOneOf(
      options.distribution ?? 'ketama',
      'distribution',
      DISTRIBUTIONS,
    );
    this.#hashTag = parseHashTag(options.hashTag);
    this.#keyHash = keyHash(this.hash);
    this.#random = options.random ?? Math.random;
    this.health = new ShardHealth(this.shards.length, options);
    this.#rebuild();
  }

  get size(): number {
    return this.shards.length;
  }

  get liveCount(): number {
    return this.health.liveCount;
  }

  isLive(index: number): boolean {
    return this.health.isLive(index);
  }

  /** The hash of a key as the ring computes it (after the hash tag), for tests and tools. */
  hashOf(key: Uint8Array | string): number {
    const part = hashedPart(typeof key === 'string' ? Buffer.from(key) : key, this.#hashTag);
    // nutcracker hashes an empty key (or empty hashed part) to 0 without calling the hash.
    return part.length === 0 ? 0 : this.#keyHash(part);
  }

  /**
   * The index in `shards` of the live shard holding `key`, or -1 when every shard is ejected.
   * Strings are hashed as their UTF-8 bytes.
   */
  shardFor(key: Uint8Array | string): number {
    if (this.#builtVersion !== this.health.version) this.#rebuild();
    if (this.health.liveCount === 0) return -1;
    // As nutcracker: a one-server pool skips hashing.
    if (this.shards.length === 1) return 0;
    switch (this.distribution) {
      case 'ketama':
        return ketamaDispatch(this.#continuum, this.hashOf(key));
      case 'modula':
        return this.#slots[this.hashOf(key) % this.#slots.length]!;
      default:
        return this.#slots[Math.floor(this.#random() * this.#slots.length)]!;
    }
  }

  /** Re-admits shards whose retry time has come; true when the ring changed. */
  update(nowMs: number): boolean {
    if (!this.health.update(nowMs)) return false;
    this.#rebuild();
    return true;
  }

  /** Counts a failure of a shard; true when it was ejected (its keys now map elsewhere). */
  recordFailure(index: number, nowMs: number): boolean {
    if (!this.health.recordFailure(index, nowMs)) return false;
    this.#rebuild();
    return true;
  }

  /** A shard answered: its consecutive-failure count starts again. */
  recordSuccess(index: number): void {
    this.health.recordSuccess(index);
  }

  /** When `update` can next re-admit a shard; undefined when none is ejected. */
  get nextRetryAtMs(): number | undefined {
    return this.health.nextRetryAtMs;
  }

  #rebuild(): void {
    this.#builtVersion = this.health.version;
    if (this.distribution === 'ketama') {
      this.#continuum = buildKetama(
        this.shards.map((_, i) => ({
          name: this.#names[i]!,
          weight: this.#weights[i]!,
          live: this.health.isLive(i),
        })),
      );
      return;
    }
    // nutcracker sorts its servers by name before building the table, so modula's slots follow
    // that order, not the order of the configuration.
    const slots: number[] = [];
    for (const i of this.#order) {
      if (!this.health.isLive(i)) continue;
      // modula gives a shard one slot per unit of weight; random ignores weights.
      const copies = this.distribution === 'modula' ? this.#weights[i]! : 1;
      for (let c = 0; c < copies; c++) slots.push(i);
    }
    this.#slots = Uint32Array.from(slots);
  }
}
