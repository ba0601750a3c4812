/**
 * The complete typed API: every family, plus the blocking commands. Blocking commands go
 * through `_block`, which on the client leases an exclusive connection (never the multiplexed
 * one), on a lease runs them in place, and in a pipeline refuses them.
 */
import type { RespArg } from '../protocol/resp-types.js';
import type { ApiMode, Out } from './command-base.js';
import type { ScanOptions } from './command-options.js';
import {
  toBlockingPop,
  toBlockingZPop,
  toMultiPop,
  toMultiZPop,
  toNumber,
} from './reply-transforms.js';
import { ServerCommands } from './server-commands.js';

export type { ApiMode, Out } from './command-base.js';
export type {
  BitFieldOperation,
  ExpireCondition,
  GeoSearchBy,
  GeoSearchFrom,
  GeoSearchOptions,
  LcsOptions,
  MigrateOptions,
  RestoreOptions,
  ScanOptions,
  SetOptions,
  SortOptions,
  WeightsOptions,
  XAddOptions,
  XClaimOptions,
  XReadOptions,
  XTrimOptions,
  ZAddOptions,
  ZMember,
  ZRangeOptions,
} from './command-options.js';

const seconds = (s: number): number => Math.round(s * 1000);

export abstract class CommandApi<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends ServerCommands<M, S> {
  /** BLPOP: wait up to `timeoutSeconds` (0 = forever) for an element; `[key, element]` or null. */
  blpop(
    keys: readonly RespArg[],
    timeoutSeconds: number,
  ): Out<M, [key: S, element: S] | null, this> {
    return this._b(['BLPOP', ...keys, timeoutSeconds], seconds(timeoutSeconds), toBlockingPop);
  }
  brpop(
    keys: readonly RespArg[],
    timeoutSeconds: number,
  ): Out<M, [key: S, element: S] | null, this> {
    return this._b(['BRPOP', ...keys, timeoutSeconds], seconds(timeoutSeconds), toBlockingPop);
  }
  blmove(
    source: RespArg,
    destination: RespArg,
    from: 'LEFT' | 'RIGHT',
    to: 'LEFT' | 'RIGHT',
    timeoutSeconds: number,
  ): Out<M, S | null, this> {
    return this._b(
      ['BLMOVE', source, destination, from, to, timeoutSeconds],
      seconds(timeoutSeconds),
    );
  }
  blmpop(
    timeoutSeconds: number,
    keys: readonly RespArg[],
    where: 'LEFT' | 'RIGHT',
    count?: number,
  ): Out<M, { key: S; elements: S[] } | null, this> {
    const args: RespArg[] = ['BLMPOP', timeoutSeconds, keys.length, ...keys, where];
    if (count !== undefined) args.push('COUNT', count);
    return this._b(args, seconds(timeoutSeconds), toMultiPop);
  }
  bzpopmin(
    keys: readonly RespArg[],
    timeoutSeconds: number,
  ): Out<M, { key: S; member: S; score: number } | null, this> {
    return this._b(['BZPOPMIN', ...keys, timeoutSeconds], seconds(timeoutSeconds), toBlockingZPop);
  }
  bzpopmax(
    keys: readonly RespArg[],
    timeoutSeconds: number,
  ): Out<M, { key: S; member: S; score: number } | null, this> {
    return this._b(['BZPOPMAX', ...keys, timeoutSeconds], seconds(timeoutSeconds), toBlockingZPop);
  }
  bzmpop(
    timeoutSeconds: number,
    keys: readonly RespArg[],
    which: 'MIN' | 'MAX',
    count?: number,
  ): Out<M, { key: S; members: { member: S; score: number }[] } | null, this> {
    const args: RespArg[] = ['BZMPOP', timeoutSeconds, keys.length, ...keys, which];
    if (count !== undefined) args.push('COUNT', count);
    return this._b(args, seconds(timeoutSeconds), toMultiZPop);
  }
  /** BRPOPLPUSH (deprecated since 6.2: `blmove(source, destination, 'RIGHT', 'LEFT', timeout)`). */
  brpoplpush(
    source: RespArg,
    destination: RespArg,
    timeoutSeconds: number,
  ): Out<M, S | null, this> {
    return this._b(['BRPOPLPUSH', source, destination, timeoutSeconds], seconds(timeoutSeconds));
  }
  /**
   * WAITAOF (Redis 7.2): wait until earlier writes are fsynced to the AOF of `numLocal` (0 or 1)
   * local and `numReplicas` replica servers, up to `timeoutMs` (0 = forever). Resolves
   * `[local, replicas]` acknowledged.
   */
  waitaof(
    numLocal: number,
    numReplicas: number,
    timeoutMs: number,
  ): Out<M, [local: number, replicas: number], this> {
    return this._b(['WAITAOF', numLocal, numReplicas, timeoutMs], timeoutMs);
  }
  /** WAIT for `numReplicas` to acknowledge earlier writes, up to `timeoutMs` (0 = forever). */
  wait(numReplicas: number, timeoutMs: number): Out<M, number, this> {
    return this._b(['WAIT', numReplicas, timeoutMs], timeoutMs);
  }

  // ── iterators (async mode only: `this` must be a client, lease or cluster) ────────────────
  /**
   * Every key of the database, by SCAN pages, one key at a time. MATCH, COUNT and TYPE as in
   * `scan`. SCAN's guarantee holds: a key present for the whole walk is returned at least once;
   * keys may repeat; keys added or removed meanwhile may or may not appear. On a cluster, every
   * primary is walked (see RespoolCluster.scanIterator).
   */
  async *scanIterator(this: CommandApi<'async', S>, options: ScanOptions = {}): AsyncGenerator<S> {
    let cursor = '0';
    do {
      const page = await this.scan(cursor, options);
      cursor = page.cursor;
      yield* page.items;
    } while (cursor !== '0');
  }
  /** Every `[field, value]` of a hash, by HSCAN pages. */
  async *hscanIterator(
    this: CommandApi<'async', S>,
    key: RespArg,
    options: Omit<ScanOptions, 'type'> = {},
  ): AsyncGenerator<[field: S, value: S]> {
    let cursor = '0';
    do {
      const page = await this.hscan(key, cursor, options);
      cursor = page.cursor;
      const items = page.items;
      for (let i = 0; i + 1 < items.length; i += 2) yield [items[i]!, items[i + 1]!];
    } while (cursor !== '0');
  }
  /** Every member of a set, by SSCAN pages. */
  async *sscanIterator(
    this: CommandApi<'async', S>,
    key: RespArg,
    options: Omit<ScanOptions, 'type'> = {},
  ): AsyncGenerator<S> {
    let cursor = '0';
    do {
      const page = await this.sscan(key, cursor, options);
      cursor = page.cursor;
      yield* page.items;
    } while (cursor !== '0');
  }
  /** Every `{ member, score }` of a sorted set, by ZSCAN pages. */
  async *zscanIterator(
    this: CommandApi<'async', S>,
    key: RespArg,
    options: Omit<ScanOptions, 'type'> = {},
  ): AsyncGenerator<{ member: S; score: number }> {
    let cursor = '0';
    do {
      const page = await this.zscan(key, cursor, options);
      cursor = page.cursor;
      const items = page.items;
      for (let i = 0; i + 1 < items.length; i += 2) {
        yield { member: items[i]!, score: toNumber(items[i + 1]!) };
      }
    } while (cursor !== '0');
  }
}
