/**
 * Pure predicates over a command's argument vector (`[name, ...args]`), used to decide where a
 * command may run (shared multiplexed connection or exclusive lease, primary or replica) and
 * whether it may be retried after a connection broke with it in flight.
 *
 * Each predicate does one table lookup; names may be strings or Buffers in any case. The table's
 * flags are the starting point, but several decisions need more than a flag: see the comments
 * on each function for where and why.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { connectionStateChange } from './connection-state.js';
import { equalsKeyword } from './keys.js';
import { CommandFlag, type CommandSpec, getCommandSpecForArgs, KeySpecFlag } from './table.js';

const MAY_MODIFY_KEY = KeySpecFlag.RW | KeySpecFlag.OW | KeySpecFlag.RM;

/**
 * True when the server declares the command `readonly` (GET, EVAL_RO, SORT_RO, …): it never
 * modifies the keyspace, so a replica may serve it and it is safe to send again after a broken
 * connection. Keyless commands that are harmless but not flagged (PING, ECHO) are not included.
 */
export function isReadOnly(args: readonly RespArg[]): boolean {
  const spec = getCommandSpecForArgs(args);
  return spec !== undefined && (spec.flags & CommandFlag.readonly) !== 0;
}

/**
 * True when the command may modify the keyspace. Beyond the `write` flag this includes EVAL,
 * EVALSHA and FCALL: since 7.0 the server only learns a script's flags when it runs it, so their
 * COMMAND INFO carries neither `write` nor `readonly`, and only their `RW` key spec says they may
 * write. A retry policy must treat them as writes.
 */
export function isWrite(args: readonly RespArg[]): boolean {
  const spec = getCommandSpecForArgs(args);
  return spec !== undefined && specMayWrite(spec);
}

function specMayWrite(spec: CommandSpec): boolean {
  if ((spec.flags & CommandFlag.write) !== 0) return true;
  // PFCOUNT has an RW key spec (it may rewrite the HLL's encoding) but is declared readonly.
  if ((spec.flags & CommandFlag.readonly) !== 0) return false;
  for (const ks of spec.keySpecs) if ((ks.flags & MAY_MODIFY_KEY) !== 0) return true;
  return false;
}

/**
 * True when the command can hold its connection waiting on the server: BLPOP, BRPOP, BLMOVE,
 * BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, WAIT, WAITAOF, and XREAD/XREADGROUP with BLOCK.
 *
 * The `blocking` flag alone is wrong both ways: XREAD and XREADGROUP carry it even without BLOCK
 * (when they return at once), and WAIT (and WAITAOF, new in 7.2) block for up to their timeout
 * without carrying it.
 */
export function isBlocking(args: readonly RespArg[]): boolean {
  const spec = getCommandSpecForArgs(args);
  return spec === undefined ? isUnlistedBlocking(args) : specIsBlocking(spec, args);
}

function specIsBlocking(spec: CommandSpec, args: readonly RespArg[]): boolean {
  switch (spec.name) {
    case 'xread':
    case 'xreadgroup':
      return xreadBlockIndex(args) !== -1;
    case 'wait':
    case 'waitaof':
      return true;
    default:
      return (spec.flags & CommandFlag.blocking) !== 0;
  }
}

/** WAITAOF is not in a 7.0 table but may be sent to a newer server. */
function isUnlistedBlocking(args: readonly RespArg[]): boolean {
  return equalsKeyword(args[0], 'WAITAOF');
}

/**
 * Index of the value of XREAD/XREADGROUP's BLOCK option, or -1. Options are walked the way the
 * server parses them, skipping option values, so a group or consumer named "block" is not
 * mistaken for the option; the walk stops at STREAMS, after which everything is keys and IDs.
 */
function xreadBlockIndex(args: readonly RespArg[]): number {
  const argc = args.length;
  for (let i = 1; i < argc; i++) {
    const arg = args[i];
    if (equalsKeyword(arg, 'BLOCK')) return i + 1 < argc ? i + 1 : -1;
    if (equalsKeyword(arg, 'COUNT')) i += 1;
    else if (equalsKeyword(arg, 'GROUP')) i += 2;
    else if (!equalsKeyword(arg, 'NOACK')) return -1;
  }
  return -1;
}

/**
 * The server-side timeout of a blocking command, in milliseconds: `0` means it may block
 * forever, `undefined` means the command does not block or its timeout would not parse (the
 * server will reply with an error instead of blocking). A client uses this to give a blocking
 * command a deadline longer than its own, rather than timing it out while it legitimately waits.
 *
 * Seconds (BLPOP, BRPOP, BZPOPMIN, BZPOPMAX, BLMOVE, BRPOPLPUSH: last arg; BLMPOP, BZMPOP: first
 * arg) may be fractional; milliseconds (XREAD/XREADGROUP BLOCK, WAIT and WAITAOF: last arg) must
 * be integers, as the server requires.
 */
export function blockingTimeoutMs(args: readonly RespArg[]): number | undefined {
  const spec = getCommandSpecForArgs(args);
  const name = spec?.name ?? (isUnlistedBlocking(args) ? 'waitaof' : undefined);
  const last = args.length - 1;
  switch (name) {
    case 'blpop':
    case 'brpop':
    case 'bzpopmin':
    case 'bzpopmax':
    case 'blmove':
    case 'brpoplpush':
      return last >= 1 ? secondsToMs(args[last]) : undefined;
    case 'blmpop':
    case 'bzmpop':
      return secondsToMs(args[1]);
    case 'xread':
    case 'xreadgroup': {
      const at = xreadBlockIndex(args);
      return at === -1 ? undefined : integerMs(args[at]);
    }
    case 'wait':
    case 'waitaof':
      return last >= 1 ? integerMs(args[last]) : undefined;
    default:
      return undefined;
  }
}

// Decimal with optional fraction and exponent: what the server's strtold-based parser accepts,
// minus hex floats, infinities and surrounding spaces, which no real caller sends.
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// Strict like the server's string2ll: no sign other than '-', no leading zeros.
const INTEGER = /^(?:0|-?[1-9]\d*)$/;

function argNumber(arg: RespArg | undefined, pattern: RegExp): number | undefined {
  if (typeof arg === 'number') return arg;
  if (typeof arg === 'bigint') return Number(arg);
  if (arg === undefined) return undefined;
  const text = typeof arg === 'string' ? arg : arg.toString('latin1');
  return pattern.test(text) ? Number(text) : undefined;
}

function secondsToMs(arg: RespArg | undefined): number | undefined {
  const seconds = argNumber(arg, DECIMAL);
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined;
  // Truncated like the server's `(long long)(seconds * 1000)` before its sign check, so "0.0001"
  // and even "-0.0001" come out as 0: block forever.
  const ms = Math.trunc(seconds * 1000);
  if (ms < 0) return undefined;
  return ms === 0 ? 0 : ms; // folds -0 into 0
}

function integerMs(arg: RespArg | undefined): number | undefined {
  const ms = argNumber(arg, INTEGER);
  if (ms === undefined || !Number.isSafeInteger(ms) || ms < 0) return undefined;
  return ms;
}

/**
 * True for the commands that put a connection into subscriber mode or take it out again:
 * SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBE counterparts. The `pubsub` flag is not
 * enough: PUBLISH, SPUBLISH and PUBSUB CHANNELS carry it too, and are ordinary request/reply
 * commands that may share a connection. (`connectionStateChange`, kind `subscriber`.)
 */
export function isPubSub(args: readonly RespArg[]): boolean {
  return connectionStateChange(args).kind === 'subscriber';
}

/** True for MULTI, EXEC, DISCARD, WATCH and UNWATCH (`connectionStateChange`). */
export function isTransactional(args: readonly RespArg[]): boolean {
  const kind = connectionStateChange(args).kind;
  return kind === 'transaction' || kind === 'watch';
}

/**
 * True when the command must never be sent on a shared multiplexed connection, because it
 * either holds the connection (a blocking command stalls every caller queued behind it) or
 * changes state that every later command on it would inherit (`pinsConnection` of
 * `connectionStateChange`: a transaction, a WATCH, another database, subscriber mode, MONITOR,
 * HELLO, AUTH, CLIENT REPLY/TRACKING/CACHING/NO-EVICT/NO-TOUCH, READONLY, READWRITE, ASKING,
 * SYNC, RESET, QUIT…).
 */
export function requiresExclusive(args: readonly RespArg[]): boolean {
  return isBlocking(args) || connectionStateChange(args).pinsConnection;
}

/**
 * True when the command can never carry a key (PING, INFO, CLIENT LIST, KEYS, SCAN, PUBLISH…),
 * so a cluster router picks the node by the command's request policy rather than by slot.
 * SPUBLISH and SSUBSCRIBE are not key-less: their channel routes like a key. A movable-keys
 * command called with no keys (`EVAL script 0`) is not a no-key command either; use
 * `getKeyIndexes` for a particular invocation. Unknown commands give `false`.
 */
export function isNoKeyCommand(args: readonly RespArg[]): boolean {
  const spec = getCommandSpecForArgs(args);
  return spec !== undefined && spec.keySpecs.length === 0;
}
