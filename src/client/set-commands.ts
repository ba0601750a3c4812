/**
 * Typed methods of the `set` group. See command-base.ts.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { arrayArgument, countedKeys } from './argument-guard.js';
import type { ApiMode, Out } from './command-base.js';
import { type ScanOptions, withScanOptions } from './command-options.js';
import { ListCommands } from './list-commands.js';
import { toBoolean, toBooleanArray, toScanPage } from './reply-transforms.js';

export abstract class SetCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends ListCommands<M, S> {
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
    return this._r(
      ['SMISMEMBER', key, ...arrayArgument(members, 'smismember', 'members')],
      toBooleanArray,
    );
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
  /** SPOP with a count: up to `count` distinct members. */
  spopCount(key: RespArg, count: number): Out<M, S[], this> {
    return this._r(['SPOP', key, count]);
  }
  /** SRANDMEMBER with a count: distinct members when positive, repeats allowed when negative. */
  srandmemberCount(key: RespArg, count: number): Out<M, S[], this> {
    return this._r(['SRANDMEMBER', key, count]);
  }
  /** SINTERCARD: the size of the intersection, counting at most `limit` (0 = no limit). */
  sintercard(keys: readonly RespArg[], limit?: number): Out<M, number, this> {
    const args: RespArg[] = ['SINTERCARD', ...countedKeys(keys, 'sintercard')];
    if (limit !== undefined) args.push('LIMIT', limit);
    return this._r(args);
  }
}
