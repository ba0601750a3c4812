/**
 * Typed methods for lists, sets, sorted sets and server commands. See command-base.ts.
 */
import type { RespArg } from '../protocol/resp-types.js';
import type { ApiMode, Out } from './command-base.js';
import {
  type ScanOptions,
  withScanOptions,
  type ZAddOptions,
  type ZMember,
  type ZRangeOptions,
  zrangeArgs,
} from './command-options.js';
import {
  toBoolean,
  toBooleanArray,
  toNumber,
  toNumberArray,
  toNumberOrNull,
  toScanPage,
  toScoredMembers,
} from './reply-transforms.js';
import { StringKeyCommands } from './string-key-commands.js';

export abstract class CollectionCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends StringKeyCommands<M, S> {
  // ── lists ────────────────────────────────────────────────────────────────────────────────
  lpush(key: RespArg, ...elements: RespArg[]): Out<M, number, this> {
    return this._r(['LPUSH', key, ...elements]);
  }
  rpush(key: RespArg, ...elements: RespArg[]): Out<M, number, this> {
    return this._r(['RPUSH', key, ...elements]);
  }
  lpushx(key: RespArg, ...elements: RespArg[]): Out<M, number, this> {
    return this._r(['LPUSHX', key, ...elements]);
  }
  rpushx(key: RespArg, ...elements: RespArg[]): Out<M, number, this> {
    return this._r(['RPUSHX', key, ...elements]);
  }
  lpop(key: RespArg): Out<M, S | null, this> {
    return this._r(['LPOP', key]);
  }
  rpop(key: RespArg): Out<M, S | null, this> {
    return this._r(['RPOP', key]);
  }
  lpopCount(key: RespArg, count: number): Out<M, S[] | null, this> {
    return this._r(['LPOP', key, count]);
  }
  rpopCount(key: RespArg, count: number): Out<M, S[] | null, this> {
    return this._r(['RPOP', key, count]);
  }
  llen(key: RespArg): Out<M, number, this> {
    return this._r(['LLEN', key]);
  }
  lrange(key: RespArg, start: number, stop: number): Out<M, S[], this> {
    return this._r(['LRANGE', key, start, stop]);
  }
  lindex(key: RespArg, index: number): Out<M, S | null, this> {
    return this._r(['LINDEX', key, index]);
  }
  lset(key: RespArg, index: number, element: RespArg): Out<M, S, this> {
    return this._r(['LSET', key, index, element]);
  }
  lrem(key: RespArg, count: number, element: RespArg): Out<M, number, this> {
    return this._r(['LREM', key, count, element]);
  }
  ltrim(key: RespArg, start: number, stop: number): Out<M, S, this> {
    return this._r(['LTRIM', key, start, stop]);
  }
  linsert(
    key: RespArg,
    where: 'BEFORE' | 'AFTER',
    pivot: RespArg,
    element: RespArg,
  ): Out<M, number, this> {
    return this._r(['LINSERT', key, where, pivot, element]);
  }
  lmove(
    source: RespArg,
    destination: RespArg,
    from: 'LEFT' | 'RIGHT',
    to: 'LEFT' | 'RIGHT',
  ): Out<M, S | null, this> {
    return this._r(['LMOVE', source, destination, from, to]);
  }
  lpos(key: RespArg, element: RespArg): Out<M, number | null, this> {
    return this._r(['LPOS', key, element]);
  }

  // ── sets ─────────────────────────────────────────────────────────────────────────────────
  sadd(key: RespArg, ...members: RespArg[]): Out<M, number, this> {
    return this._r(['SADD', key, ...members]);
  }
  srem(key: RespArg, ...members: RespArg[]): Out<M, number, this> {
    return this._r(['SREM', key, ...members]);
  }
  smembers(key: RespArg): Out<M, S[], this> {
    return this._r(['SMEMBERS', key]);
  }
  sismember(key: RespArg, member: RespArg): Out<M, boolean, this> {
    return this._r(['SISMEMBER', key, member], toBoolean);
  }
  smismember(key: RespArg, members: readonly RespArg[]): Out<M, boolean[], this> {
    return this._r(['SMISMEMBER', key, ...members], toBooleanArray);
  }
  scard(key: RespArg): Out<M, number, this> {
    return this._r(['SCARD', key]);
  }
  spop(key: RespArg): Out<M, S | null, this> {
    return this._r(['SPOP', key]);
  }
  srandmember(key: RespArg): Out<M, S | null, this> {
    return this._r(['SRANDMEMBER', key]);
  }
  smove(source: RespArg, destination: RespArg, member: RespArg): Out<M, boolean, this> {
    return this._r(['SMOVE', source, destination, member], toBoolean);
  }
  sinter(...keys: RespArg[]): Out<M, S[], this> {
    return this._r(['SINTER', ...keys]);
  }
  sunion(...keys: RespArg[]): Out<M, S[], this> {
    return this._r(['SUNION', ...keys]);
  }
  sdiff(...keys: RespArg[]): Out<M, S[], this> {
    return this._r(['SDIFF', ...keys]);
  }
  sinterstore(destination: RespArg, ...keys: RespArg[]): Out<M, number, this> {
    return this._r(['SINTERSTORE', destination, ...keys]);
  }
  sunionstore(destination: RespArg, ...keys: RespArg[]): Out<M, number, this> {
    return this._r(['SUNIONSTORE', destination, ...keys]);
  }
  sdiffstore(destination: RespArg, ...keys: RespArg[]): Out<M, number, this> {
    return this._r(['SDIFFSTORE', destination, ...keys]);
  }
  sscan(
    key: RespArg,
    cursor: string | number,
    options: ScanOptions = {},
  ): Out<M, { cursor: string; items: S[] }, this> {
    return this._r(withScanOptions(['SSCAN', key, cursor], options, false), toScanPage);
  }

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
    return this._r(['ZMSCORE', key, ...members], toNumberArray);
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
    return this._r(zrangeArgs(key, start, stop, options, false));
  }
  zrangeWithScores(
    key: RespArg,
    start: RespArg,
    stop: RespArg,
    options: ZRangeOptions = {},
  ): Out<M, { member: S; score: number }[], this> {
    return this._r(zrangeArgs(key, start, stop, options, true), toScoredMembers);
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

  // ── server and connection ────────────────────────────────────────────────────────────────
  ping(message?: RespArg): Out<M, S, this> {
    return this._r(message === undefined ? ['PING'] : ['PING', message]);
  }
  echo(message: RespArg): Out<M, S, this> {
    return this._r(['ECHO', message]);
  }
  dbsize(): Out<M, number, this> {
    return this._r(['DBSIZE']);
  }
  /** Delete every key of the selected database. */
  flushdb(mode?: 'ASYNC' | 'SYNC'): Out<M, S, this> {
    return this._r(mode === undefined ? ['FLUSHDB'] : ['FLUSHDB', mode]);
  }
  publish(channel: RespArg, message: RespArg): Out<M, number, this> {
    return this._r(['PUBLISH', channel, message]);
  }
}
