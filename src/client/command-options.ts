/**
 * Option types of the typed command methods and the small argument builders they share.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { countedKeys, integerOption } from './argument-guard.js';

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

export function flattenEntries(
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

export function withCondition(args: RespArg[], condition: ExpireCondition | undefined): RespArg[] {
  if (condition !== undefined) args.push(condition);
  return args;
}

export function withScanOptions(
  args: RespArg[],
  options: ScanOptions,
  allowType: boolean,
): RespArg[] {
  if (options.match !== undefined) args.push('MATCH', options.match);
  if (options.count !== undefined) args.push('COUNT', options.count);
  if (allowType && options.type !== undefined) args.push('TYPE', options.type);
  return args;
}

/** ZRANGE/ZRANGESTORE: `head` is `['ZRANGE', key]` or `['ZRANGESTORE', destination, source]`. */
export function zrangeArgs(
  head: RespArg[],
  start: RespArg,
  stop: RespArg,
  options: ZRangeOptions,
  withScores: boolean,
): RespArg[] {
  const args = head;
  args.push(start, stop);
  if (options.by === 'score') args.push('BYSCORE');
  else if (options.by === 'lex') args.push('BYLEX');
  if (options.rev === true) args.push('REV');
  if (options.limit !== undefined) args.push('LIMIT', options.limit.offset, options.limit.count);
  if (withScores) args.push('WITHSCORES');
  return args;
}

export interface LcsOptions {
  /** Only report matches at least this long. */
  readonly minMatchLen?: number;
  /** Report each match's length too. */
  readonly withMatchLen?: boolean;
}

/** One BITFIELD operation. `offset` may be `#n` (in units of the encoding's width). */
export type BitFieldOperation =
  | { readonly get: { readonly encoding: string; readonly offset: number | string } }
  | {
      readonly set: {
        readonly encoding: string;
        readonly offset: number | string;
        readonly value: number | bigint;
      };
    }
  | {
      readonly incrby: {
        readonly encoding: string;
        readonly offset: number | string;
        readonly increment: number | bigint;
      };
    }
  | { readonly overflow: 'WRAP' | 'SAT' | 'FAIL' };

export function bitfieldArgs(
  name: string,
  key: RespArg,
  operations: readonly BitFieldOperation[],
): RespArg[] {
  const args: RespArg[] = [name, key];
  for (const op of operations) {
    if ('get' in op) args.push('GET', op.get.encoding, op.get.offset);
    else if ('set' in op) args.push('SET', op.set.encoding, op.set.offset, op.set.value);
    else if ('incrby' in op) {
      args.push('INCRBY', op.incrby.encoding, op.incrby.offset, op.incrby.increment);
    } else args.push('OVERFLOW', op.overflow);
  }
  return args;
}

export interface RestoreOptions {
  readonly replace?: boolean;
  /** `ttlMs` is an absolute Unix time in ms (ABSTTL). */
  readonly absTtl?: boolean;
  readonly idleTimeSeconds?: number;
  readonly freq?: number;
}

export function restoreArgs(
  key: RespArg,
  ttlMs: number,
  serialized: RespArg,
  options: RestoreOptions,
): RespArg[] {
  const args: RespArg[] = ['RESTORE', key, ttlMs, serialized];
  if (options.replace === true) args.push('REPLACE');
  if (options.absTtl === true) args.push('ABSTTL');
  if (options.idleTimeSeconds !== undefined) args.push('IDLETIME', options.idleTimeSeconds);
  if (options.freq !== undefined) args.push('FREQ', options.freq);
  return args;
}

export interface MigrateOptions {
  readonly copy?: boolean;
  readonly replace?: boolean;
  /** AUTH password, or AUTH2 username and password, for the target server. */
  readonly auth?: { readonly username?: string; readonly password: string };
  /** Migrate these keys instead of `key` (which is then sent empty). */
  readonly keys?: readonly RespArg[];
}

export function migrateArgs(
  host: string,
  port: number,
  key: RespArg,
  db: number,
  timeoutMs: number,
  options: MigrateOptions,
): RespArg[] {
  const many = options.keys !== undefined;
  const args: RespArg[] = ['MIGRATE', host, port, many ? '' : key, db, timeoutMs];
  if (options.copy === true) args.push('COPY');
  if (options.replace === true) args.push('REPLACE');
  if (options.auth !== undefined) {
    if (options.auth.username === undefined) args.push('AUTH', options.auth.password);
    else args.push('AUTH2', options.auth.username, options.auth.password);
  }
  if (options.keys !== undefined) args.push('KEYS', ...options.keys);
  return args;
}

export interface SortOptions {
  /** Sort by the values of keys matching this pattern (`weight_*`), or 'nosort'. */
  readonly by?: string;
  readonly limit?: { readonly offset: number; readonly count: number };
  /** Return the values of keys matching these patterns (`#` is the element itself). */
  readonly get?: readonly string[];
  readonly order?: 'ASC' | 'DESC';
  readonly alpha?: boolean;
}

export function sortArgs(
  name: string,
  key: RespArg,
  options: SortOptions,
  destination: RespArg | undefined,
): RespArg[] {
  const args: RespArg[] = [name, key];
  if (options.by !== undefined) args.push('BY', options.by);
  if (options.limit !== undefined) args.push('LIMIT', options.limit.offset, options.limit.count);
  for (const pattern of options.get ?? []) args.push('GET', pattern);
  if (options.order !== undefined) args.push(options.order);
  if (options.alpha === true) args.push('ALPHA');
  if (destination !== undefined) args.push('STORE', destination);
  return args;
}

/** ZUNION/ZINTER[STORE] options. */
export interface WeightsOptions {
  readonly weights?: readonly number[];
  readonly aggregate?: 'SUM' | 'MIN' | 'MAX';
}

/** EX, PX, EXAT, PXAT of SET and GETEX, each checked to be an integer (`ex: "10"` is not). */
export function pushExpiry(
  args: RespArg[],
  options: {
    readonly ex?: number;
    readonly px?: number;
    readonly exat?: number;
    readonly pxat?: number;
  },
  method: string,
): void {
  const ex = integerOption(options.ex, method, 'ex');
  const px = integerOption(options.px, method, 'px');
  const exat = integerOption(options.exat, method, 'exat');
  const pxat = integerOption(options.pxat, method, 'pxat');
  if (ex !== undefined) args.push('EX', ex);
  if (px !== undefined) args.push('PX', px);
  if (exat !== undefined) args.push('EXAT', exat);
  if (pxat !== undefined) args.push('PXAT', pxat);
}

export function weightsArgs(
  head: RespArg[],
  keys: readonly RespArg[],
  options: WeightsOptions,
  withScores: boolean,
): RespArg[] {
  head.push(...countedKeys(keys, String(head[0]).toLowerCase()));
  if (options.weights !== undefined) head.push('WEIGHTS', ...options.weights);
  if (options.aggregate !== undefined) head.push('AGGREGATE', options.aggregate);
  if (withScores) head.push('WITHSCORES');
  return head;
}

/** XTRIM / XADD trimming: MAXLEN or MINID, exact or approximate (`~`), with LIMIT. */
export interface XTrimOptions {
  readonly strategy: 'MAXLEN' | 'MINID';
  readonly threshold: number | string;
  readonly approximate?: boolean;
  readonly limit?: number;
}

export function xtrimArgs(head: RespArg[], trim: XTrimOptions): RespArg[] {
  head.push(trim.strategy);
  if (trim.approximate === true) head.push('~');
  head.push(trim.threshold);
  if (trim.limit !== undefined) head.push('LIMIT', trim.limit);
  return head;
}

export interface XAddOptions {
  /** Do not create the stream when it does not exist (XADD then answers null). */
  readonly nomkstream?: boolean;
  readonly trim?: XTrimOptions;
}

export function xaddArgs(key: RespArg, options: XAddOptions): RespArg[] {
  const args: RespArg[] = ['XADD', key];
  if (options.nomkstream === true) args.push('NOMKSTREAM');
  if (options.trim !== undefined) xtrimArgs(args, options.trim);
  return args;
}

export interface XReadOptions {
  readonly count?: number;
  /** Wait up to this many ms for entries (0 = forever); runs on an exclusive connection. */
  readonly block?: number;
}

export function xreadArgs(
  head: RespArg[],
  streams: Record<string, string> | readonly (readonly [RespArg, string])[],
  options: XReadOptions,
  noack = false,
): RespArg[] {
  if (options.count !== undefined) head.push('COUNT', options.count);
  if (options.block !== undefined) head.push('BLOCK', options.block);
  if (noack) head.push('NOACK');
  head.push('STREAMS');
  const pairs: readonly (readonly [RespArg, string])[] = Array.isArray(streams)
    ? (streams as readonly (readonly [RespArg, string])[])
    : Object.entries(streams as Record<string, string>);
  for (const [key] of pairs) head.push(key);
  for (const [, id] of pairs) head.push(id);
  return head;
}

export interface XClaimOptions {
  readonly idleMs?: number;
  readonly timeMs?: number;
  readonly retryCount?: number;
  readonly force?: boolean;
  readonly lastId?: string;
}

export function xclaimArgs(
  key: RespArg,
  group: RespArg,
  consumer: RespArg,
  minIdleMs: number,
  ids: readonly string[],
  options: XClaimOptions,
  justId: boolean,
): RespArg[] {
  const args: RespArg[] = ['XCLAIM', key, group, consumer, minIdleMs, ...ids];
  if (options.idleMs !== undefined) args.push('IDLE', options.idleMs);
  if (options.timeMs !== undefined) args.push('TIME', options.timeMs);
  if (options.retryCount !== undefined) args.push('RETRYCOUNT', options.retryCount);
  if (options.force === true) args.push('FORCE');
  if (justId) args.push('JUSTID');
  if (options.lastId !== undefined) args.push('LASTID', options.lastId);
  return args;
}

/** Where GEOSEARCH centres: a member of the set, or a point. */
export type GeoSearchFrom =
  | { readonly member: RespArg }
  | { readonly longitude: number; readonly latitude: number };

/** The search area: a circle or a box, in `unit`. */
export type GeoSearchBy =
  | { readonly radius: number; readonly unit: 'm' | 'km' | 'ft' | 'mi' }
  | { readonly width: number; readonly height: number; readonly unit: 'm' | 'km' | 'ft' | 'mi' };

export interface GeoSearchOptions {
  readonly order?: 'ASC' | 'DESC';
  readonly count?: number;
  /** With `count`: stop at the first `count` matches found, not the nearest. */
  readonly any?: boolean;
}

export function geosearchArgs(
  head: RespArg[],
  from: GeoSearchFrom,
  by: GeoSearchBy,
  options: GeoSearchOptions,
): RespArg[] {
  if ('member' in from) head.push('FROMMEMBER', from.member);
  else head.push('FROMLONLAT', from.longitude, from.latitude);
  if ('radius' in by) head.push('BYRADIUS', by.radius, by.unit);
  else head.push('BYBOX', by.width, by.height, by.unit);
  if (options.order !== undefined) head.push(options.order);
  if (options.count !== undefined) {
    head.push('COUNT', options.count);
    if (options.any === true) head.push('ANY');
  }
  return head;
}
