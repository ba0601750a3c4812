/**
 * Option types of the typed command methods and the small argument builders they share.
 */
import type { RespArg } from '../protocol/resp-types.js';

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

export function zrangeArgs(
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
