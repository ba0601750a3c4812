/**
 * The root of the typed command classes: the mode type (`async` returns Promises, `chain`
 * returns the builder), the two hooks each mode implements (`_cmd` for ordinary commands,
 * `_block` for blocking ones), and `call()`.
 *
 * The typed methods are written once, in a chain of classes, one file per family:
 *   CommandBase → StringKeyCommands → CollectionCommands → CommandApi (blocking commands)
 * and shared by the client, leases, `multi()` and `pipeline()`.
 */
import type { RespArg } from '../protocol/resp-types.js';
import type { Transform } from './reply-transforms.js';

export type ApiMode = 'async' | 'chain';
/** What a method returns: a Promise of the reply, or the builder itself for chaining. */
export type Out<M extends ApiMode, T, Self> = M extends 'async' ? Promise<T> : Self;

export abstract class CommandBase<M extends ApiMode> {
  /** Send (or queue) one command. @internal */
  protected abstract _cmd(args: RespArg[], transform: Transform | undefined): unknown;

  /**
   * Send a blocking command (BLPOP, …) whose own server-side timeout is `serverTimeoutMs`
   * (0 = forever, undefined = unknown). @internal
   */
  protected abstract _block(
    args: RespArg[],
    transform: Transform | undefined,
    serverTimeoutMs: number | undefined,
  ): unknown;

  /** @internal */
  protected _r<T>(args: RespArg[], transform?: Transform): Out<M, T, this> {
    return this._cmd(args, transform) as Out<M, T, this>;
  }

  /** @internal */
  protected _b<T>(
    args: RespArg[],
    serverTimeoutMs: number | undefined,
    transform?: Transform,
  ): Out<M, T, this> {
    return this._block(args, transform, serverTimeoutMs) as Out<M, T, this>;
  }

  /** Any command, by name: `call('HGETALL', 'h')`. The reply is returned as decoded. */
  call(name: string, ...args: RespArg[]): Out<M, unknown, this> {
    return this._r([name, ...args]);
  }
}
