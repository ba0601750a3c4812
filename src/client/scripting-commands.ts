/**
 * Typed methods of the `scripting` group: EVAL and FCALL families, SCRIPT and FUNCTION
 * management, and the script objects of script.ts (`runScript`, `runFunction`). See
 * command-base.ts.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { type ApiMode, keysAndArgs, type Out } from './command-base.js';
import { GeoHllCommands } from './geo-hll-commands.js';
import { toBooleanArray, toRecord } from './reply-transforms.js';
import type { FunctionLibrary, Script } from './script.js';

/** One library of FUNCTION LIST. */
export interface FunctionLibraryInfo {
  readonly libraryName: string;
  readonly engine: string;
  readonly functions: {
    readonly name: string;
    readonly description: string | null;
    readonly flags: string[];
  }[];
  /** With `withCode`. */
  readonly libraryCode?: string;
}

export abstract class ScriptingCommands<
  M extends ApiMode,
  S extends string | Buffer = string,
> extends GeoHllCommands<M, S> {
  /**
   * Run a `defineScript()` object: EVALSHA, falling back to EVAL when the server does not have
   * it (restart, failover, SCRIPT FLUSH, another cluster node). In `pipeline()` and `multi()`
   * the script is loaded ahead of the batch instead. The reply is returned as decoded.
   */
  runScript<T = unknown>(
    script: Script,
    keys: readonly RespArg[] = [],
    args: readonly RespArg[] = [],
  ): Out<M, T, this> {
    return this._script(script, keys, args, undefined) as Out<M, T, this>;
  }
  /**
   * Call function `name` of a `defineLibrary()` object (FCALL, or FCALL_RO with `readOnly`),
   * loading the library with FUNCTION LOAD REPLACE where the server does not know the function.
   */
  runFunction<T = unknown>(
    library: FunctionLibrary,
    name: string,
    keys: readonly RespArg[] = [],
    args: readonly RespArg[] = [],
    options: { readOnly?: boolean } = {},
  ): Out<M, T, this> {
    return this._function(library, name, keys, args, options.readOnly === true, undefined) as Out<
      M,
      T,
      this
    >;
  }

  // ── EVAL and FCALL as the server spells them ─────────────────────────────────────────────
  eval<T = unknown>(
    source: string,
    keys: readonly RespArg[] = [],
    args: readonly RespArg[] = [],
  ): Out<M, T, this> {
    return this._r(keysAndArgs(['EVAL', source], keys, args));
  }
  evalRo<T = unknown>(
    source: string,
    keys: readonly RespArg[] = [],
    args: readonly RespArg[] = [],
  ): Out<M, T, this> {
    return this._r(keysAndArgs(['EVAL_RO', source], keys, args));
  }
  /** EVALSHA; rejects with NOSCRIPT when the server lacks it (`runScript` handles that). */
  evalsha<T = unknown>(
    sha1: string,
    keys: readonly RespArg[] = [],
    args: readonly RespArg[] = [],
  ): Out<M, T, this> {
    return this._r(keysAndArgs(['EVALSHA', sha1], keys, args));
  }
  evalshaRo<T = unknown>(
    sha1: string,
    keys: readonly RespArg[] = [],
    args: readonly RespArg[] = [],
  ): Out<M, T, this> {
    return this._r(keysAndArgs(['EVALSHA_RO', sha1], keys, args));
  }
  fcall<T = unknown>(
    name: string,
    keys: readonly RespArg[] = [],
    args: readonly RespArg[] = [],
  ): Out<M, T, this> {
    return this._r(keysAndArgs(['FCALL', name], keys, args));
  }
  fcallRo<T = unknown>(
    name: string,
    keys: readonly RespArg[] = [],
    args: readonly RespArg[] = [],
  ): Out<M, T, this> {
    return this._r(keysAndArgs(['FCALL_RO', name], keys, args));
  }

  // ── SCRIPT ───────────────────────────────────────────────────────────────────────────────
  /** SCRIPT LOAD; resolves the SHA1. */
  scriptLoad(source: string): Out<M, string, this> {
    return this._r(['SCRIPT', 'LOAD', source], String);
  }
  scriptExists(...sha1s: string[]): Out<M, boolean[], this> {
    return this._r(['SCRIPT', 'EXISTS', ...sha1s], toBooleanArray);
  }
  scriptFlush(mode?: 'ASYNC' | 'SYNC'): Out<M, S, this> {
    return this._r(mode === undefined ? ['SCRIPT', 'FLUSH'] : ['SCRIPT', 'FLUSH', mode]);
  }
  /** SCRIPT KILL: stop the running read-only script (BUSY replies stop once it is gone). */
  scriptKill(): Out<M, S, this> {
    return this._r(['SCRIPT', 'KILL']);
  }

  // ── FUNCTION ─────────────────────────────────────────────────────────────────────────────
  /** FUNCTION LOAD; resolves the library name. */
  functionLoad(code: string, options: { replace?: boolean } = {}): Out<M, string, this> {
    const args: RespArg[] =
      options.replace === true ? ['FUNCTION', 'LOAD', 'REPLACE', code] : ['FUNCTION', 'LOAD', code];
    return this._r(args, String);
  }
  functionDelete(libraryName: string): Out<M, S, this> {
    return this._r(['FUNCTION', 'DELETE', libraryName]);
  }
  functionFlush(mode?: 'ASYNC' | 'SYNC'): Out<M, S, this> {
    return this._r(mode === undefined ? ['FUNCTION', 'FLUSH'] : ['FUNCTION', 'FLUSH', mode]);
  }
  functionKill(): Out<M, S, this> {
    return this._r(['FUNCTION', 'KILL']);
  }
  /** FUNCTION LIST, optionally of libraries matching a pattern, optionally with their code. */
  functionList(
    options: { libraryName?: string; withCode?: boolean } = {},
  ): Out<M, FunctionLibraryInfo[], this> {
    const args: RespArg[] = ['FUNCTION', 'LIST'];
    if (options.libraryName !== undefined) args.push('LIBRARYNAME', options.libraryName);
    if (options.withCode === true) args.push('WITHCODE');
    return this._r(args, toFunctionList);
  }
  /** FUNCTION DUMP: binary; use a `withOptions({ returnBuffers: true })` view to keep the bytes. */
  functionDump(): Out<M, S, this> {
    return this._r(['FUNCTION', 'DUMP']);
  }
  functionRestore(payload: RespArg, policy?: 'FLUSH' | 'APPEND' | 'REPLACE'): Out<M, S, this> {
    return this._r(
      policy === undefined
        ? ['FUNCTION', 'RESTORE', payload]
        : ['FUNCTION', 'RESTORE', payload, policy],
    );
  }
  /** FUNCTION STATS: `running_script` (null when idle) and `engines`, as records. */
  functionStats(): Out<
    M,
    {
      runningScript: Record<string, unknown> | null;
      engines: Record<string, Record<string, unknown>>;
    },
    this
  > {
    return this._r(['FUNCTION', 'STATS'], toFunctionStats);
  }
}

function toFunctionList(reply: unknown): FunctionLibraryInfo[] {
  if (!Array.isArray(reply)) return [];
  return reply.map((lib) => {
    const r = toRecord<unknown>(lib as never);
    const functions = Array.isArray(r['functions']) ? (r['functions'] as unknown[]) : [];
    const info: { -readonly [K in keyof FunctionLibraryInfo]: FunctionLibraryInfo[K] } = {
      libraryName: String(r['library_name']),
      engine: String(r['engine']),
      functions: functions.map((f) => {
        const fr = toRecord<unknown>(f as never);
        return {
          name: String(fr['name']),
          description: fr['description'] === null ? null : String(fr['description']),
          flags: Array.isArray(fr['flags']) ? (fr['flags'] as unknown[]).map(String) : [],
        };
      }),
    };
    if (r['library_code'] !== undefined) info.libraryCode = String(r['library_code']);
    return info;
  });
}

function toFunctionStats(reply: unknown): {
  runningScript: Record<string, unknown> | null;
  engines: Record<string, Record<string, unknown>>;
} {
  const r = toRecord<unknown>(reply as never);
  const running = r['running_script'];
  const engines: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(toRecord<unknown>((r['engines'] ?? null) as never))) {
    engines[name] = toRecord<unknown>(value as never);
  }
  return {
    runningScript:
      running === null || running === undefined ? null : toRecord<unknown>(running as never),
    engines,
  };
}
