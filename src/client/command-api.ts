/**
 * The complete typed API: every family, plus the blocking commands. Blocking commands go
 * through `_block`, which on the client leases an exclusive connection (never the multiplexed
 * one), on a lease runs them in place, and in a pipeline refuses them.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { CollectionCommands } from './collection-commands.js';
import type { ApiMode, Out } from './command-base.js';
import { toBlockingPop, toBlockingZPop, toMultiPop, toMultiZPop } from './reply-transforms.js';

export type { ApiMode, Out } from './command-base.js';
export type {
  ExpireCondition,
  ScanOptions,
  SetOptions,
  ZAddOptions,
  ZMember,
  ZRangeOptions,
} from './command-options.js';

const seconds = (s: number): number => Math.round(s * 1000);

export abstract class CommandApi<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends CollectionCommands<M, S> {
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
  /** WAIT for `numReplicas` to acknowledge earlier writes, up to `timeoutMs` (0 = forever). */
  wait(numReplicas: number, timeoutMs: number): Out<M, number, this> {
    return this._b(['WAIT', numReplicas, timeoutMs], timeoutMs);
  }
}
