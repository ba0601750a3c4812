/**
 * Typed methods of the `sorted-set` group. See command-base.ts. BZPOPMIN, BZPOPMAX and BZMPOP
 * block, so they live in command-api.ts.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { arrayArgument, countedKeys } from './argument-guard.js';
import type { ApiMode, Out } from './command-base.js';
import {
  type ScanOptions,
  type WeightsOptions,
  weightsArgs,
  withScanOptions,
  type ZAddOptions,
  type ZMember,
  type ZRangeOptions,
  zrangeArgs,
} from './command-options.js';
import {
  toMultiZPop,
  toNumber,
  toNumberArray,
  toNumberOrNull,
  toScanPage,
  toScoredMembers,
} from './reply-transforms.js';
import { SetCommands } from './set-commands.js';

type Scored<S> = { member: S; score: number }[];
type Limit = { readonly offset: number; readonly count: number };

export abstract class SortedSetCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends SetCommands<M, S> {
  // ── sorted sets ──────────────────────────────────────────────────────────────────────────
  /** ZADD one `{ score, member }` or many; resolves members added (changed with `ch`). */
  zadd(
    key: RespArg,
    entries: ZMember | readonly ZMember[],
    options: ZAddOptions = {},
  ): Out<M, number, this> {
    const args: RespArg[] = ['ZADD', key];
    if (options.nx === true) args.push('NX');
    if (options.xx === true) args.push('XX');
    if (options.gt === true) args.push('GT');
    if (options.lt === true) args.push('LT');
    if (options.ch === true) args.push('CH');
    const list: readonly ZMember[] = Array.isArray(entries) ? entries : [entries as ZMember];
    for (const e of list) args.push(e.score, e.member);
    return this._r(args);
  }
  zincrby(key: RespArg, increment: number, member: RespArg): Out<M, number, this> {
    return this._r(['ZINCRBY', key, increment, member], toNumber);
  }
  zrem(key: RespArg, ...members: RespArg[]): Out<M, number, this> {
    return this._r(['ZREM', key, ...members]);
  }
  zscore(key: RespArg, member: RespArg): Out<M, number | null, this> {
    return this._r(['ZSCORE', key, member], toNumberOrNull);
  }
  zmscore(key: RespArg, members: readonly RespArg[]): Out<M, (number | null)[], this> {
    return this._r(
      ['ZMSCORE', key, ...arrayArgument(members, 'zmscore', 'members')],
      toNumberArray,
    );
  }
  zcard(key: RespArg): Out<M, number, this> {
    return this._r(['ZCARD', key]);
  }
  zcount(key: RespArg, min: RespArg, max: RespArg): Out<M, number, this> {
    return this._r(['ZCOUNT', key, min, max]);
  }
  zrank(key: RespArg, member: RespArg): Out<M, number | null, this> {
    return this._r(['ZRANK', key, member]);
  }
  zrevrank(key: RespArg, member: RespArg): Out<M, number | null, this> {
    return this._r(['ZREVRANK', key, member]);
  }
  zrange(
    key: RespArg,
    start: RespArg,
    stop: RespArg,
    options: ZRangeOptions = {},
  ): Out<M, S[], this> {
    return this._r(zrangeArgs(['ZRANGE', key], start, stop, options, false));
  }
  zrangeWithScores(
    key: RespArg,
    start: RespArg,
    stop: RespArg,
    options: ZRangeOptions = {},
  ): Out<M, { member: S; score: number }[], this> {
    return this._r(zrangeArgs(['ZRANGE', key], start, stop, options, true), toScoredMembers);
  }
  zpopmin(key: RespArg, count = 1): Out<M, { member: S; score: number }[], this> {
    return this._r(['ZPOPMIN', key, count], toScoredMembers);
  }
  zpopmax(key: RespArg, count = 1): Out<M, { member: S; score: number }[], this> {
    return this._r(['ZPOPMAX', key, count], toScoredMembers);
  }
  zremrangebyscore(key: RespArg, min: RespArg, max: RespArg): Out<M, number, this> {
    return this._r(['ZREMRANGEBYSCORE', key, min, max]);
  }
  zremrangebyrank(key: RespArg, start: number, stop: number): Out<M, number, this> {
    return this._r(['ZREMRANGEBYRANK', key, start, stop]);
  }
  zscan(
    key: RespArg,
    cursor: string | number,
    options: ScanOptions = {},
  ): Out<M, { cursor: string; items: S[] }, this> {
    return this._r(withScanOptions(['ZSCAN', key, cursor], options, false), toScanPage);
  }
  /** ZADD … INCR: add `increment` to one member's score; the new score, or null when NX/XX/GT/LT prevented it. */
  zaddIncr(
    key: RespArg,
    increment: number,
    member: RespArg,
    options: ZAddOptions = {},
  ): Out<M, number | null, this> {
    const args: RespArg[] = ['ZADD', key];
    if (options.nx === true) args.push('NX');
    if (options.xx === true) args.push('XX');
    if (options.gt === true) args.push('GT');
    if (options.lt === true) args.push('LT');
    if (options.ch === true) args.push('CH');
    args.push('INCR', increment, member);
    return this._r(args, toNumberOrNull);
  }
  zlexcount(key: RespArg, min: RespArg, max: RespArg): Out<M, number, this> {
    return this._r(['ZLEXCOUNT', key, min, max]);
  }
  zremrangebylex(key: RespArg, min: RespArg, max: RespArg): Out<M, number, this> {
    return this._r(['ZREMRANGEBYLEX', key, min, max]);
  }
  /** ZRANGESTORE: store the range in `destination`; resolves its size. */
  zrangestore(
    destination: RespArg,
    source: RespArg,
    start: RespArg,
    stop: RespArg,
    options: ZRangeOptions = {},
  ): Out<M, number, this> {
    return this._r(zrangeArgs(['ZRANGESTORE', destination, source], start, stop, options, false));
  }
  /** ZRANGEBYSCORE (deprecated since 6.2: `zrange(key, min, max, { by: 'score' })`). */
  zrangebyscore(key: RespArg, min: RespArg, max: RespArg, limit?: Limit): Out<M, S[], this> {
    return this._r(withLimit(['ZRANGEBYSCORE', key, min, max], limit));
  }
  /** ZRANGEBYSCORE … WITHSCORES (deprecated since 6.2). */
  zrangebyscoreWithScores(
    key: RespArg,
    min: RespArg,
    max: RespArg,
    limit?: Limit,
  ): Out<M, Scored<S>, this> {
    const args = withLimit(['ZRANGEBYSCORE', key, min, max, 'WITHSCORES'], limit);
    return this._r(args, toScoredMembers);
  }
  /** ZREVRANGEBYSCORE (deprecated since 6.2: `zrange(key, max, min, { by: 'score', rev: true })`). */
  zrevrangebyscore(key: RespArg, max: RespArg, min: RespArg, limit?: Limit): Out<M, S[], this> {
    return this._r(withLimit(['ZREVRANGEBYSCORE', key, max, min], limit));
  }
  /** ZRANGEBYLEX (deprecated since 6.2: `zrange(key, min, max, { by: 'lex' })`). */
  zrangebylex(key: RespArg, min: RespArg, max: RespArg, limit?: Limit): Out<M, S[], this> {
    return this._r(withLimit(['ZRANGEBYLEX', key, min, max], limit));
  }
  /** ZREVRANGEBYLEX (deprecated since 6.2). */
  zrevrangebylex(key: RespArg, max: RespArg, min: RespArg, limit?: Limit): Out<M, S[], this> {
    return this._r(withLimit(['ZREVRANGEBYLEX', key, max, min], limit));
  }
  /** ZREVRANGE (deprecated since 6.2: `zrange(key, start, stop, { rev: true })`). */
  zrevrange(key: RespArg, start: number, stop: number): Out<M, S[], this> {
    return this._r(['ZREVRANGE', key, start, stop]);
  }
  zrevrangeWithScores(key: RespArg, start: number, stop: number): Out<M, Scored<S>, this> {
    return this._r(['ZREVRANGE', key, start, stop, 'WITHSCORES'], toScoredMembers);
  }
  /** ZMPOP: pop from the first non-empty sorted set; `{ key, members }` or null. */
  zmpop(
    keys: readonly RespArg[],
    which: 'MIN' | 'MAX',
    count?: number,
  ): Out<M, { key: S; members: Scored<S> } | null, this> {
    const args: RespArg[] = ['ZMPOP', ...countedKeys(keys, 'zmpop'), which];
    if (count !== undefined) args.push('COUNT', count);
    return this._r(args, toMultiZPop);
  }
  /** ZRANDMEMBER: one random member, or null for a missing key. */
  zrandmember(key: RespArg): Out<M, S | null, this> {
    return this._r(['ZRANDMEMBER', key]);
  }
  zrandmemberCount(key: RespArg, count: number): Out<M, S[], this> {
    return this._r(['ZRANDMEMBER', key, count]);
  }
  zrandmemberWithScores(key: RespArg, count: number): Out<M, Scored<S>, this> {
    return this._r(['ZRANDMEMBER', key, count, 'WITHSCORES'], toScoredMembers);
  }
  zdiff(keys: readonly RespArg[]): Out<M, S[], this> {
    return this._r(['ZDIFF', ...countedKeys(keys, 'zdiff')]);
  }
  zdiffWithScores(keys: readonly RespArg[]): Out<M, Scored<S>, this> {
    return this._r(['ZDIFF', ...countedKeys(keys, 'zdiff'), 'WITHSCORES'], toScoredMembers);
  }
  zdiffstore(destination: RespArg, keys: readonly RespArg[]): Out<M, number, this> {
    return this._r(['ZDIFFSTORE', destination, ...countedKeys(keys, 'zdiffstore')]);
  }
  zinter(keys: readonly RespArg[], options: WeightsOptions = {}): Out<M, S[], this> {
    return this._r(weightsArgs(['ZINTER'], keys, options, false));
  }
  zinterWithScores(
    keys: readonly RespArg[],
    options: WeightsOptions = {},
  ): Out<M, Scored<S>, this> {
    return this._r(weightsArgs(['ZINTER'], keys, options, true), toScoredMembers);
  }
  zinterstore(
    destination: RespArg,
    keys: readonly RespArg[],
    options: WeightsOptions = {},
  ): Out<M, number, this> {
    return this._r(weightsArgs(['ZINTERSTORE', destination], keys, options, false));
  }
  /** ZINTERCARD: the size of the intersection, counting at most `limit` (0 = no limit). */
  zintercard(keys: readonly RespArg[], limit?: number): Out<M, number, this> {
    const args: RespArg[] = ['ZINTERCARD', ...countedKeys(keys, 'zintercard')];
    if (limit !== undefined) args.push('LIMIT', limit);
    return this._r(args);
  }
  zunion(keys: readonly RespArg[], options: WeightsOptions = {}): Out<M, S[], this> {
    return this._r(weightsArgs(['ZUNION'], keys, options, false));
  }
  zunionWithScores(
    keys: readonly RespArg[],
    options: WeightsOptions = {},
  ): Out<M, Scored<S>, this> {
    return this._r(weightsArgs(['ZUNION'], keys, options, true), toScoredMembers);
  }
  zunionstore(
    destination: RespArg,
    keys: readonly RespArg[],
    options: WeightsOptions = {},
  ): Out<M, number, this> {
    return this._r(weightsArgs(['ZUNIONSTORE', destination], keys, options, false));
  }
}

function withLimit(args: RespArg[], limit: Limit | undefined): RespArg[] {
  if (limit !== undefined) args.push('LIMIT', limit.offset, limit.count);
  return args;
}
