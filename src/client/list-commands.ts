/**
 * Typed methods of the `list` group. See command-base.ts. The blocking ones (BLPOP, BRPOP,
 * BLMOVE, BLMPOP, BRPOPLPUSH) live in command-api.ts.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { countedKeys } from './argument-guard.js';
import type { ApiMode, Out } from './command-base.js';
import { HashCommands } from './hash-commands.js';
import { toMultiPop } from './reply-transforms.js';

/** LPOS options: RANK (which match, negative from the tail), MAXLEN (elements to compare). */
export interface LposOptions {
  readonly rank?: number;
  readonly maxlen?: number;
}

export abstract class ListCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends HashCommands<M, S> {
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
  /** LPOS: index of the first match (or the RANK-th), null when none. */
  lpos(key: RespArg, element: RespArg, options: LposOptions = {}): Out<M, number | null, this> {
    return this._r(lposArgs(key, element, options));
  }
  /** LPOS … COUNT: indexes of up to `count` matches (0 = all). */
  lposCount(
    key: RespArg,
    element: RespArg,
    count: number,
    options: LposOptions = {},
  ): Out<M, number[], this> {
    const args = lposArgs(key, element, options);
    args.push('COUNT', count);
    return this._r(args);
  }
  /** LMPOP: pop from the first non-empty list; `{ key, elements }` or null. */
  lmpop(
    keys: readonly RespArg[],
    where: 'LEFT' | 'RIGHT',
    count?: number,
  ): Out<M, { key: S; elements: S[] } | null, this> {
    const args: RespArg[] = ['LMPOP', ...countedKeys(keys, 'lmpop'), where];
    if (count !== undefined) args.push('COUNT', count);
    return this._r(args, toMultiPop);
  }
  /** RPOPLPUSH (deprecated since 6.2: `lmove(source, destination, 'RIGHT', 'LEFT')`). */
  rpoplpush(source: RespArg, destination: RespArg): Out<M, S | null, this> {
    return this._r(['RPOPLPUSH', source, destination]);
  }
}

function lposArgs(key: RespArg, element: RespArg, options: LposOptions): RespArg[] {
  const args: RespArg[] = ['LPOS', key, element];
  if (options.rank !== undefined) args.push('RANK', options.rank);
  if (options.maxlen !== undefined) args.push('MAXLEN', options.maxlen);
  return args;
}
