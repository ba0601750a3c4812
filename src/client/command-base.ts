/**
 * The root of the typed command classes: the mode type (`async` returns Promises, `chain`
 * returns the builder), the hooks each mode implements (`_cmd` for ordinary commands, `_block`
 * for blocking ones, `_script`/`_function` for script objects), and `call()`.
 *
 * The typed methods are written once, in a chain of classes, one file per command group:
 *   CommandBase → StringCommands → KeyCommands → HashCommands → ListCommands → SetCommands
 *   → SortedSetCommands → StreamCommands → GeoHllCommands → ScriptingCommands
 *   → ServerCommands → CommandApi (blocking commands)
 * and shared by the client, leases, `multi()`, `pipeline()` and the cluster client. A method
 * builds the argument vector and picks a reply transform; nothing else happens per call, so a
 * longer chain costs nothing on the hot path (methods live on prototypes, and V8's inline
 * caches do not care how deep).
 */
import { ReplyError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';
import { arrayArgument, countedKeys } from './argument-guard.js';
import type { Transform } from './reply-transforms.js';
import type { FunctionLibrary, Script } from './script.js';

export type ApiMode = 'async' | 'chain';
/** What a method returns: a Promise of the reply, or the builder itself for chaining. */
export type Out<M extends ApiMode, T, Self> = M extends 'async' ? Promise<T> : Self;

/** NOSCRIPT: the server's script cache does not hold this SHA1 (restart, SCRIPT FLUSH, new node). */
export function isNoScript(error: unknown): boolean {
  return error instanceof ReplyError && error.prefix === 'NOSCRIPT';
}

/** FCALL of a function whose library is not loaded on this server. */
export function isFunctionNotFound(error: unknown): boolean {
  return error instanceof ReplyError && error.message.includes('Function not found');
}

/** `[name, numkeys, ...keys, ...args]`: the shape EVAL, EVALSHA and FCALL share. */
export function keysAndArgs(
  head: RespArg[],
  keys: readonly RespArg[],
  args: readonly RespArg[],
): RespArg[] {
  const name = String(head[0]).toLowerCase();
  head.push(...countedKeys(keys, name));
  for (const a of arrayArgument(args, name, 'args')) head.push(a);
  return head;
}

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

  /**
   * Run a script object: EVALSHA (EVALSHA_RO for a read-only script), and on NOSCRIPT the same
   * call as EVAL, which also puts the script back in the server's cache. This is the
   * one-command path (client, lease, cluster): the retry goes where the first attempt went,
   * because EVAL routes by the same keys. Batches override it (they load scripts up front).
   * @internal
   */
  protected _script(
    script: Script,
    keys: readonly RespArg[],
    args: readonly RespArg[],
    transform: Transform | undefined,
  ): unknown {
    const first = this._cmd(
      keysAndArgs([script.readOnly ? 'EVALSHA_RO' : 'EVALSHA', script.sha1], keys, args),
      transform,
    ) as Promise<unknown>;
    return first.catch((error: unknown) => {
      if (!isNoScript(error)) throw error;
      return this._cmd(
        keysAndArgs([script.readOnly ? 'EVAL_RO' : 'EVAL', script.source], keys, args),
        transform,
      );
    });
  }

  /**
   * Call a function of a library object: FCALL (FCALL_RO), and when the server does not know
   * the function, FUNCTION LOAD REPLACE of the library where `keys` route, then FCALL again.
   * @internal
   */
  protected _function(
    library: FunctionLibrary,
    name: string,
    keys: readonly RespArg[],
    args: readonly RespArg[],
    readOnly: boolean,
    transform: Transform | undefined,
  ): unknown {
    const call = keysAndArgs([readOnly ? 'FCALL_RO' : 'FCALL', name], keys, args);
    const first = this._cmd(call, transform) as Promise<unknown>;
    return first.catch(async (error: unknown) => {
      if (!isFunctionNotFound(error)) throw error;
      await this._loadLibrary(library, keys);
      return this._cmd(call, transform);
    });
  }

  /**
   * FUNCTION LOAD REPLACE on the server `keys` route to. One server here; the cluster client
   * sends it to the primary serving the first key's slot. @internal
   */
  protected _loadLibrary(library: FunctionLibrary, _keys: readonly RespArg[]): Promise<unknown> {
    return this._cmd(['FUNCTION', 'LOAD', 'REPLACE', library.code], undefined) as Promise<unknown>;
  }

  /** Any command, by name: `call('HGETALL', 'h')`. The reply is returned as decoded. */
  call(name: string, ...args: RespArg[]): Out<M, unknown, this> {
    return this._r([name, ...args]);
  }
}
