/**
 * Script and function-library objects: the source (and its SHA1) held once, run by every
 * client, lease, batch and cluster through `runScript` / `runFunction`.
 *
 * How each place guarantees the script is on the server that runs it:
 * - a single call (client, lease, cluster): EVALSHA first; on NOSCRIPT (a restart, a failover to
 *   a replica that never saw it, SCRIPT FLUSH, a cluster node that never ran it) the same call as
 *   EVAL, which caches the script on that server again. Functions: FCALL; on "Function not
 *   found", FUNCTION LOAD REPLACE on the server the keys route to, then FCALL again.
 * - `pipeline()` and `multi()`: a NOSCRIPT inside MULTI fails only that command while the rest of
 *   the transaction runs, so retrying afterwards would break atomicity. A batch therefore sends
 *   `SCRIPT LOAD` (or `FUNCTION LOAD REPLACE`) once per distinct script or library ahead of its
 *   commands, on the same connection and in the same write, so by the time EVALSHA (or FCALL)
 *   runs, the server has it.
 */
import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../errors.js';

export interface ScriptOptions {
  /**
   * The script never writes (it declares `#!lua flags=no-writes` or only reads): run it with
   * EVALSHA_RO / EVAL_RO, which replicas may serve and which is resent after a lost connection
   * like any read. @default false
   */
  readonly readOnly?: boolean;
}

/** A Lua script, run with `client.runScript(script, keys, args)`. */
export class Script {
  readonly source: string;
  /** Lower-case hex SHA1 of `source`, as SCRIPT LOAD answers it. */
  readonly sha1: string;
  readonly readOnly: boolean;

  /** @internal Use `defineScript()`. */
  constructor(source: string, readOnly: boolean) {
    this.source = source;
    this.sha1 = createHash('sha1').update(source).digest('hex');
    this.readOnly = readOnly;
  }
}

/**
 * Define a script once; run it anywhere. Named like the thing it returns: a definition, not a
 * server round trip (nothing is sent until the first run).
 * @throws InvalidArgumentError for an empty or non-string source.
 */
export function defineScript(source: string, options: ScriptOptions = {}): Script {
  if (typeof source !== 'string' || source.length === 0) {
    throw new InvalidArgumentError(
      `defineScript(source): expected a non-empty Lua source string, got ${typeof source === 'string' ? 'an empty string' : typeof source}`,
    );
  }
  return new Script(source, options.readOnly === true);
}

/** A function library (`#!lua name=…` and `redis.register_function` calls). */
export class FunctionLibrary {
  /** The library name from the shebang line. */
  readonly name: string;
  readonly code: string;

  /** @internal Use `defineLibrary()`. */
  constructor(name: string, code: string) {
    this.name = name;
    this.code = code;
  }
}

const SHEBANG = /^#!(\w+)\s+(?:[^\n]*\s)?name=([^\s]+)/;

/**
 * Define a function library; `client.runFunction(library, 'fn', keys, args)` calls its functions
 * and loads the library (FUNCTION LOAD REPLACE) where it is missing.
 * @throws InvalidArgumentError when the code has no `#!<engine> name=<library>` first line.
 */
export function defineLibrary(code: string): FunctionLibrary {
  const match = typeof code === 'string' ? SHEBANG.exec(code) : null;
  if (match === null) {
    throw new InvalidArgumentError(
      'defineLibrary(code): the code must start with a shebang naming the library, e.g. "#!lua name=mylib"',
    );
  }
  return new FunctionLibrary(match[2]!, code);
}
