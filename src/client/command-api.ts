/**
 * The typed command methods, written once and shared by the client (each method returns a
 * Promise) and by `multi()`/`pipeline()` (each method queues and returns the builder for
 * chaining). `M` picks the mode; `S` is `string`, or `Buffer` for a buffer-mode view.
 *
 * Methods only build arguments and pick a reply transform; `_cmd` (implemented per mode) does
 * the rest. Argument arrays are literals so the common case allocates one small array.
 */
import type { RespArg } from '../protocol/resp-types.js';
import {
  type Transform,
  toBoolean,
  toBooleanArray,
  toNumber,
  toNumberArray,
  toNumberOrNull,
  toRecord,
  toScanPage,
  toScoredMembers,
} from './reply-transforms.js';

export type ApiMode = 'async' | 'chain';
/** What a method returns: a Promise of the reply, or the builder itself for chaining. */
export type Out<M extends ApiMode, T, Self> = M extends 'async' ? Promise<T> : Self;

export interface SetOptions {
  /** Expire after this many seconds (EX). */
  readonly ex?: number;
  /** Expire after this many milliseconds (PX). */
  readonly px?: number;
  /** Expire at this Unix time in seconds (EXAT). */
  readonly exat?: number;
  /** Expire at this Unix time in milliseconds (PXAT). */
  readonly pxat?: number;
  /** Keep the key's current TTL (KEEPTTL). */
  readonly keepTtl?: boolean;
  /** Only set if the key does not exist (NX). */
  readonly nx?: boolean;
  /** Only set if the key exists (XX). */
  readonly xx?: boolean;
  /** Return the old value (GET). */
  readonly get?: boolean;
}

export interface ScanOptions {
  readonly match?: string;
  readonly count?: number;
  /** SCAN only: filter by type (`string`, `hash`, …). */
  readonly type?: string;
}

export interface ZMember {
  readonly score: number;
  readonly member: RespArg;
}

export interface ZAddOptions {
  readonly nx?: boolean;
  readonly xx?: boolean;
  readonly gt?: boolean;
  readonly lt?: boolean;
  /** Return the number of changed members instead of added ones (CH). */
  readonly ch?: boolean;
}

export interface ZRangeOptions {
  /** Interpret start/stop as scores or lexical bounds instead of ranks. */
  readonly by?: 'score' | 'lex';
  readonly rev?: boolean;
  readonly limit?: { readonly offset: number; readonly count: number };
}

export type ExpireCondition = 'NX' | 'XX' | 'GT' | 'LT';

export abstract class CommandApi<M extends ApiMode, S extends string | Buffer = string> {
  /**
   * Send (or queue) one command. @internal
   */
  protected abstract _cmd(args: RespArg[], transform: Transform | undefined): unknown;

  #r<T>(args: RespArg[], transform?: Transform): Out<M, T, this> {
    return this._cmd(args, transform) as Out<M, T, this>;
  }

  /** Any command, by name: `call('HGETALL', 'h')`. The reply is returned as decoded. */
  call(name: string, ...args: RespArg[]): Out<M, unknown, this> {
    return this.#r([name, ...args]);
  }

  // ── strings and counters ─────────────────────────────────────────────────────────────────
  get(key: RespArg): Out<M, S | null, this> {
    return this.#r(['GET', key]);
  }
  /** SET; resolves 'OK', or null when NX/XX prevented it (the old value with `get: true`). */
  set(key: RespArg, value: RespArg, options?: SetOptions): Out<M, S | null, this> {
    if (options === undefined) return this.#r(['SET', key, value]);
    const args: RespArg[] = ['SET', key, value];
    if (options.ex !== undefined) args.push('EX', options.ex);
    if (options.px !== undefined) args.push('PX', options.px);
    if (options.exat !== undefined) args.push('EXAT', options.exat);
    if (options.pxat !== undefined) args.push('PXAT', options.pxat);
    if (options.keepTtl === true) args.push('KEEPTTL');
    if (options.nx === true) args.push('NX');
    if (options.xx === true) args.push('XX');
    if (options.get === true) args.push('GET');
    return this.#r(args);
  }
  setnx(key: RespArg, value: RespArg): Out<M, boolean, this> {
    return this.#r(['SETNX', key, value], toBoolean);
  }
  setex(key: RespArg, seconds: number, value: RespArg): Out<M, S, this> {
    return this.#r(['SETEX', key, seconds, value]);
  }
  psetex(key: RespArg, milliseconds: number, value: RespArg): Out<M, S, this> {
    return this.#r(['PSETEX', key, milliseconds, value]);
  }
  getdel(key: RespArg): Out<M, S | null, this> {
    return this.#r(['GETDEL', key]);
  }
  getex(
    key: RespArg,
    options: { ex?: number; px?: number; exat?: number; pxat?: number; persist?: boolean } = {},
  ): Out<M, S | null, this> {
    const args: RespArg[] = ['GETEX', key];
    if (options.ex !== undefined) args.push('EX', options.ex);
    if (options.px !== undefined) args.push('PX', options.px);
    if (options.exat !== undefined) args.push('EXAT', options.exat);
    if (options.pxat !== undefined) args.push('PXAT', options.pxat);
    if (options.persist === true) args.push('PERSIST');
    return this.#r(args);
  }
  mget(keys: readonly RespArg[]): Out<M, (S | null)[], this> {
    return this.#r(['MGET', ...keys]);
  }
  /** MSET from an object or from [key, value] pairs. */
  mset(
    entries: Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
  ): Out<M, S, this> {
    return this.#r(['MSET', ...flattenEntries(entries)]);
  }
  msetnx(
    entries: Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
  ): Out<M, boolean, this> {
    return this.#r(['MSETNX', ...flattenEntries(entries)], toBoolean);
  }
  append(key: RespArg, value: RespArg): Out<M, number, this> {
    return this.#r(['APPEND', key, value]);
  }
  strlen(key: RespArg): Out<M, number, this> {
    return this.#r(['STRLEN', key]);
  }
  getrange(key: RespArg, start: number, end: number): Out<M, S, this> {
    return this.#r(['GETRANGE', key, start, end]);
  }
  setrange(key: RespArg, offset: number, value: RespArg): Out<M, number, this> {
    return this.#r(['SETRANGE', key, offset, value]);
  }
  incr(key: RespArg): Out<M, number, this> {
    return this.#r(['INCR', key]);
  }
  incrby(key: RespArg, increment: number | bigint): Out<M, number, this> {
    return this.#r(['INCRBY', key, increment]);
  }
  incrbyfloat(key: RespArg, increment: number): Out<M, number, this> {
    return this.#r(['INCRBYFLOAT', key, increment], toNumber);
  }
  decr(key: RespArg): Out<M, number, this> {
    return this.#r(['DECR', key]);
  }
  decrby(key: RespArg, decrement: number | bigint): Out<M, number, this> {
    return this.#r(['DECRBY', key, decrement]);
  }

  // ── keys and expiry ──────────────────────────────────────────────────────────────────────
  del(...keys: RespArg[]): Out<M, number, this> {
    return this.#r(['DEL', ...keys]);
  }
  unlink(...keys: RespArg[]): Out<M, number, this> {
    return this.#r(['UNLINK', ...keys]);
  }
  /** How many of the keys exist (a key named twice counts twice). */
  exists(...keys: RespArg[]): Out<M, number, this> {
    return this.#r(['EXISTS', ...keys]);
  }
  touch(...keys: RespArg[]): Out<M, number, this> {
    return this.#r(['TOUCH', ...keys]);
  }
  type(key: RespArg): Out<M, string, this> {
    return this.#r(['TYPE', key]);
  }
  rename(key: RespArg, newKey: RespArg): Out<M, S, this> {
    return this.#r(['RENAME', key, newKey]);
  }
  renamenx(key: RespArg, newKey: RespArg): Out<M, boolean, this> {
    return this.#r(['RENAMENX', key, newKey], toBoolean);
  }
  copy(
    source: RespArg,
    destination: RespArg,
    options: { db?: number; replace?: boolean } = {},
  ): Out<M, boolean, this> {
    const args: RespArg[] = ['COPY', source, destination];
    if (options.db !== undefined) args.push('DB', options.db);
    if (options.replace === true) args.push('REPLACE');
    return this.#r(args, toBoolean);
  }
  /** KEYS walks the whole keyspace and blocks the server while it does; prefer `scan`. */
  keys(pattern: RespArg): Out<M, S[], this> {
    return this.#r(['KEYS', pattern]);
  }
  scan(
    cursor: string | number,
    options: ScanOptions = {},
  ): Out<M, { cursor: string; items: S[] }, this> {
    return this.#r(withScanOptions(['SCAN', cursor], options, true), toScanPage);
  }
  expire(key: RespArg, seconds: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this.#r(withCondition(['EXPIRE', key, seconds], condition), toBoolean);
  }
  pexpire(key: RespArg, milliseconds: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this.#r(withCondition(['PEXPIRE', key, milliseconds], condition), toBoolean);
  }
  expireat(key: RespArg, unixSeconds: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this.#r(withCondition(['EXPIREAT', key, unixSeconds], condition), toBoolean);
  }
  pexpireat(key: RespArg, unixMs: number, condition?: ExpireCondition): Out<M, boolean, this> {
    return this.#r(withCondition(['PEXPIREAT', key, unixMs], condition), toBoolean);
  }
  /** Seconds to live; -1 without expiry, -2 when the key does not exist. */
  ttl(key: RespArg): Out<M, number, this> {
    return this.#r(['TTL', key]);
  }
  pttl(key: RespArg): Out<M, number, this> {
    return this.#r(['PTTL', key]);
  }
  expiretime(key: RespArg): Out<M, number, this> {
    return this.#r(['EXPIRETIME', key]);
  }
  pexpiretime(key: RespArg): Out<M, number, this> {
    return this.#r(['PEXPIRETIME', key]);
  }
  persist(key: RespArg): Out<M, boolean, this> {
    return this.#r(['PERSIST', key], toBoolean);
  }

  // ── hashes ───────────────────────────────────────────────────────────────────────────────
  hget(key: RespArg, field: RespArg): Out<M, S | null, this> {
    return this.#r(['HGET', key, field]);
  }
  /** HSET with one field and value, or many from an object or pairs; resolves fields added. */
  hset(
    key: RespArg,
    fieldOrEntries: RespArg | Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
    value?: RespArg,
  ): Out<M, number, this> {
    if (value !== undefined) return this.#r(['HSET', key, fieldOrEntries as RespArg, value]);
    return this.#r([
      'HSET',
      key,
      ...flattenEntries(
        fieldOrEntries as Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
      ),
    ]);
  }
  hsetnx(key: RespArg, field: RespArg, value: RespArg): Out<M, boolean, this> {
    return this.#r(['HSETNX', key, field, value], toBoolean);
  }
  hmget(key: RespArg, fields: readonly RespArg[]): Out<M, (S | null)[], this> {
    return this.#r(['HMGET', key, ...fields]);
  }
  hgetall(key: RespArg): Out<M, Record<string, S>, this> {
    return this.#r(['HGETALL', key], toRecord);
  }
  hdel(key: RespArg, ...fields: RespArg[]): Out<M, number, this> {
    return this.#r(['HDEL', key, ...fields]);
  }
  hexists(key: RespArg, field: RespArg): Out<M, boolean, this> {
    return this.#r(['HEXISTS', key, field], toBoolean);
  }
  hincrby(key: RespArg, field: RespArg, increment: number): Out<M, number, this> {
    return this.#r(['HINCRBY', key, field, increment]);
  }
  hincrbyfloat(key: RespArg, field: RespArg, increment: number): Out<M, number, this> {
    return this.#r(['HINCRBYFLOAT', key, field, increment], toNumber);
  }
  hkeys(key: RespArg): Out<M, S[], this> {
    return this.#r(['HKEYS', key]);
  }
  hvals(key: RespArg): Out<M, S[], this> {
    return this.#r(['HVALS', key]);
  }
  hlen(key: RespArg): Out<M, number, this> {
    return this.#r(['HLEN', key]);
  }
  hstrlen(key: RespArg, field: RespArg): Out<M, number, this> {
    return this.#r(['HSTRLEN', key, field]);
  }
  hscan(
    key: RespArg,
    cursor: string | number,
    options: ScanOptions = {},
  ): Out<M, { cursor: string; items: S[] }, this> {
    return this.#r(withScanOptions(['HSCAN', key, cursor], options, false), toScanPage);
  }

  // ── lists ────────────────────────────────────────────────────────────────────────────────
  lpush(key: RespArg, ...elements: RespArg[]): Out<M, number, this> {
    return this.#r(['LPUSH', key, ...elements]);
  }
  rpush(key: RespArg, ...elements: RespArg[]): Out<M, number, this> {
    return this.#r(['RPUSH', key, ...elements]);
  }
  lpushx(key: RespArg, ...elements: RespArg[]): Out<M, number, this> {
    return this.#r(['LPUSHX', key, ...elements]);
  }
  rpushx(key: RespArg, ...elements: RespArg[]): Out<M, number, this> {
    return this.#r(['RPUSHX', key, ...elements]);
  }
  lpop(key: RespArg): Out<M, S | null, this> {
    return this.#r(['LPOP', key]);
  }
  rpop(key: RespArg): Out<M, S | null, this> {
    return this.#r(['RPOP', key]);
  }
  lpopCount(key: RespArg, count: number): Out<M, S[] | null, this> {
    return this.#r(['LPOP', key, count]);
  }
  rpopCount(key: RespArg, count: number): Out<M, S[] | null, this> {
    return this.#r(['RPOP', key, count]);
  }
  llen(key: RespArg): Out<M, number, this> {
    return this.#r(['LLEN', key]);
  }
  lrange(key: RespArg, start: number, stop: number): Out<M, S[], this> {
    return this.#r(['LRANGE', key, start, stop]);
  }
  lindex(key: RespArg, index: number): Out<M, S | null, this> {
    return this.#r(['LINDEX', key, index]);
  }
  lset(key: RespArg, index: number, element: RespArg): Out<M, S, this> {
    return this.#r(['LSET', key, index, element]);
  }
  lrem(key: RespArg, count: number, element: RespArg): Out<M, number, this> {
    return this.#r(['LREM', key, count, element]);
  }
  ltrim(key: RespArg, start: number, stop: number): Out<M, S, this> {
    return this.#r(['LTRIM', key, start, stop]);
  }
  linsert(
    key: RespArg,
    where: 'BEFORE' | 'AFTER',
    pivot: RespArg,
    element: RespArg,
  ): Out<M, number, this> {
    return this.#r(['LINSERT', key, where, pivot, element]);
  }
  lmove(
    source: RespArg,
    destination: RespArg,
    from: 'LEFT' | 'RIGHT',
    to: 'LEFT' | 'RIGHT',
  ): Out<M, S | null, this> {
    return this.#r(['LMOVE', source, destination, from, to]);
  }
  lpos(key: RespArg, element: RespArg): Out<M, number | null, this> {
    return this.#r(['LPOS', key, element]);
  }

  // ── sets ─────────────────────────────────────────────────────────────────────────────────
  sadd(key: RespArg, ...members: RespArg[]): Out<M, number, this> {
    return this.#r(['SADD', key, ...members]);
  }
  srem(key: RespArg, ...members: RespArg[]): Out<M, number, this> {
    return this.#r(['SREM', key, ...members]);
  }
  smembers(key: RespArg): Out<M, S[], this> {
    return this.#r(['SMEMBERS', key]);
  }
  sismember(key: RespArg, member: RespArg): Out<M, boolean, this> {
    return this.#r(['SISMEMBER', key, member], toBoolean);
  }
  smismember(key: RespArg, members: readonly RespArg[]): Out<M, boolean[], this> {
    return this.#r(['SMISMEMBER', key, ...members], toBooleanArray);
  }
  scard(key: RespArg): Out<M, number, this> {
    return this.#r(['SCARD', key]);
  }
  spop(key: RespArg): Out<M, S | null, this> {
    return this.#r(['SPOP', key]);
  }
  srandmember(key: RespArg): Out<M, S | null, this> {
    return this.#r(['SRANDMEMBER', key]);
  }
  smove(source: RespArg, destination: RespArg, member: RespArg): Out<M, boolean, this> {
    return this.#r(['SMOVE', source, destination, member], toBoolean);
  }
  sinter(...keys: RespArg[]): Out<M, S[], this> {
    return this.#r(['SINTER', ...keys]);
  }
  sunion(...keys: RespArg[]): Out<M, S[], this> {
    return this.#r(['SUNION', ...keys]);
  }
  sdiff(...keys: RespArg[]): Out<M, S[], this> {
    return this.#r(['SDIFF', ...keys]);
  }
  sinterstore(destination: RespArg, ...keys: RespArg[]): Out<M, number, this> {
    return this.#r(['SINTERSTORE', destination, ...keys]);
  }
  sunionstore(destination: RespArg, ...keys: RespArg[]): Out<M, number, this> {
    return this.#r(['SUNIONSTORE', destination, ...keys]);
  }
  sdiffstore(destination: RespArg, ...keys: RespArg[]): Out<M, number, this> {
    return this.#r(['SDIFFSTORE', destination, ...keys]);
  }
  sscan(
    key: RespArg,
    cursor: string | number,
    options: ScanOptions = {},
  ): Out<M, { cursor: string; items: S[] }, this> {
    return this.#r(withScanOptions(['SSCAN', key, cursor], options, false), toScanPage);
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
    return this.#r(args);
  }
  zincrby(key: RespArg, increment: number, member: RespArg): Out<M, number, this> {
    return this.#r(['ZINCRBY', key, increment, member], toNumber);
  }
  zrem(key: RespArg, ...members: RespArg[]): Out<M, number, this> {
    return this.#r(['ZREM', key, ...members]);
  }
  zscore(key: RespArg, member: RespArg): Out<M, number | null, this> {
    return this.#r(['ZSCORE', key, member], toNumberOrNull);
  }
  zmscore(key: RespArg, members: readonly RespArg[]): Out<M, (number | null)[], this> {
    return this.#r(['ZMSCORE', key, ...members], toNumberArray);
  }
  zcard(key: RespArg): Out<M, number, this> {
    return this.#r(['ZCARD', key]);
  }
  zcount(key: RespArg, min: RespArg, max: RespArg): Out<M, number, this> {
    return this.#r(['ZCOUNT', key, min, max]);
  }
  zrank(key: RespArg, member: RespArg): Out<M, number | null, this> {
    return this.#r(['ZRANK', key, member]);
  }
  zrevrank(key: RespArg, member: RespArg): Out<M, number | null, this> {
    return this.#r(['ZREVRANK', key, member]);
  }
  zrange(
    key: RespArg,
    start: RespArg,
    stop: RespArg,
    options: ZRangeOptions = {},
  ): Out<M, S[], this> {
    return this.#r(zrangeArgs(key, start, stop, options, false));
  }
  zrangeWithScores(
    key: RespArg,
    start: RespArg,
    stop: RespArg,
    options: ZRangeOptions = {},
  ): Out<M, { member: S; score: number }[], this> {
    return this.#r(zrangeArgs(key, start, stop, options, true), toScoredMembers);
  }
  zpopmin(key: RespArg, count = 1): Out<M, { member: S; score: number }[], this> {
    return this.#r(['ZPOPMIN', key, count], toScoredMembers);
  }
  zpopmax(key: RespArg, count = 1): Out<M, { member: S; score: number }[], this> {
    return this.#r(['ZPOPMAX', key, count], toScoredMembers);
  }
  zremrangebyscore(key: RespArg, min: RespArg, max: RespArg): Out<M, number, this> {
    return this.#r(['ZREMRANGEBYSCORE', key, min, max]);
  }
  zremrangebyrank(key: RespArg, start: number, stop: number): Out<M, number, this> {
    return this.#r(['ZREMRANGEBYRANK', key, start, stop]);
  }
  zscan(
    key: RespArg,
    cursor: string | number,
    options: ScanOptions = {},
  ): Out<M, { cursor: string; items: S[] }, this> {
    return this.#r(withScanOptions(['ZSCAN', key, cursor], options, false), toScanPage);
  }

  // ── server and connection ────────────────────────────────────────────────────────────────
  ping(message?: RespArg): Out<M, S, this> {
    return this.#r(message === undefined ? ['PING'] : ['PING', message]);
  }
  echo(message: RespArg): Out<M, S, this> {
    return this.#r(['ECHO', message]);
  }
  dbsize(): Out<M, number, this> {
    return this.#r(['DBSIZE']);
  }
  /** Delete every key of the selected database. */
  flushdb(mode?: 'ASYNC' | 'SYNC'): Out<M, S, this> {
    return this.#r(mode === undefined ? ['FLUSHDB'] : ['FLUSHDB', mode]);
  }
  publish(channel: RespArg, message: RespArg): Out<M, number, this> {
    return this.#r(['PUBLISH', channel, message]);
  }
}

function flattenEntries(
  entries: Record<string, RespArg> | readonly (readonly [RespArg, RespArg])[],
): RespArg[] {
  const out: RespArg[] = [];
  if (Array.isArray(entries)) {
    for (const [k, v] of entries as readonly (readonly [RespArg, RespArg])[]) out.push(k, v);
  } else {
    for (const k of Object.keys(entries)) out.push(k, (entries as Record<string, RespArg>)[k]!);
  }
  return out;
}

function withCondition(args: RespArg[], condition: ExpireCondition | undefined): RespArg[] {
  if (condition !== undefined) args.push(condition);
  return args;
}

function withScanOptions(args: RespArg[], options: ScanOptions, allowType: boolean): RespArg[] {
  if (options.match !== undefined) args.push('MATCH', options.match);
  if (options.count !== undefined) args.push('COUNT', options.count);
  if (allowType && options.type !== undefined) args.push('TYPE', options.type);
  return args;
}

function zrangeArgs(
  key: RespArg,
  start: RespArg,
  stop: RespArg,
  options: ZRangeOptions,
  withScores: boolean,
): RespArg[] {
  const args: RespArg[] = ['ZRANGE', key, start, stop];
  if (options.by === 'score') args.push('BYSCORE');
  else if (options.by === 'lex') args.push('BYLEX');
  if (options.rev === true) args.push('REV');
  if (options.limit !== undefined) args.push('LIMIT', options.limit.offset, options.limit.count);
  if (withScores) args.push('WITHSCORES');
  return args;
}
