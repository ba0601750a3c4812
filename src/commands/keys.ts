/**
 * Key positions of a command invocation, computed the way the server's own `COMMAND GETKEYS`
 * computes them: walk the key specs first, and only when one of them cannot be followed fall back
 * to the hand-written extractor the server keeps for that command.
 *
 * Mirroring the server exactly matters because a cluster router that disagrees with the server
 * about which args are keys either sends a command to the wrong slot (MOVED storms) or rejects a
 * valid command as cross-slot.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { type CommandSpec, getCommandSpecForArgs, KeySpecFlag } from './table.js';

/** Options for {@link getKeyIndexes}. */
export interface KeyIndexOptions {
  /**
   * Also return args that key specs mark `not_key`: the channels of SPUBLISH, SSUBSCRIBE and
   * SUNSUBSCRIBE. They are not keys, so `COMMAND GETKEYS` leaves them out, but a cluster routes
   * them by hash slot as if they were.
   */
  readonly includeNotKeys?: boolean;
}

/**
 * Indexes into `args` of the keys a command touches. `args[0]` is the command name; for a
 * container command `args[1]` is its subcommand (`['OBJECT', 'ENCODING', 'k']` gives `[2]`).
 * Unknown commands, commands without keys and invocations the server would reject as malformed
 * give `[]`.
 */
export function getKeyIndexes(args: readonly RespArg[], options?: KeyIndexOptions): number[] {
  const spec = getCommandSpecForArgs(args);
  if (spec === undefined) return [];
  return getKeyIndexesForSpec(spec, args, options?.includeNotKeys ?? false);
}

/**
 * {@link getKeyIndexes} for a caller that has already looked the command up, so the router pays
 * for one lookup per command, not two.
 */
export function getKeyIndexesForSpec(
  spec: CommandSpec,
  args: readonly RespArg[],
  includeNotKeys = false,
): number[] {
  if (spec.keySpecs.length === 0) return [];
  // The server refuses to extract keys from a call with the wrong number of args.
  const argc = args.length;
  if (spec.arity > 0 ? argc !== spec.arity : argc < -spec.arity) return [];
  return fromKeySpecs(spec, args, includeNotKeys) ?? fallback(spec, args);
}

/**
 * Follows every key spec; `undefined` means one of them could not be followed (unknown or
 * incomplete spec, bad key count, positions out of range) and the server would discard the
 * whole result in favour of its per-command extractor.
 */
function fromKeySpecs(
  spec: CommandSpec,
  args: readonly RespArg[],
  includeNotKeys: boolean,
): number[] | undefined {
  const argc = args.length;
  const out: number[] = [];
  for (const ks of spec.keySpecs) {
    if ((ks.flags & KeySpecFlag.not_key) !== 0 && !includeNotKeys) continue;

    let first = 0;
    const begin = ks.beginSearch;
    if (begin.type === 'index') {
      first = begin.index;
    } else if (begin.type === 'keyword') {
      first = findKeyword(args, begin.keyword, begin.startFrom);
      // An absent optional keyword (GEORADIUS without STORE) just contributes no keys.
      if (first === 0) continue;
    } else {
      return undefined;
    }

    let last: number;
    let step: number;
    const find = ks.findKeys;
    if (find.type === 'range') {
      step = find.keyStep;
      if (find.lastKey >= 0) last = first + find.lastKey;
      else if (find.limit === 0) last = argc + find.lastKey;
      // C integer division: truncation toward zero, not Math.floor.
      else last = first + (Math.trunc((argc - first) / find.limit) + find.lastKey);
    } else if (find.type === 'keynum') {
      step = find.keyStep;
      const countAt = first + find.keyNumIdx;
      if (countAt >= argc) return undefined;
      const count = parseCount(args[countAt]);
      if (count < 0) return undefined;
      first += find.firstKey;
      last = first + count - 1;
    } else {
      return undefined;
    }

    if (last >= argc || last < first || first >= argc || step <= 0) return undefined;
    for (let i = first; i <= last; i += step) out.push(i);
    // The server takes what an incomplete spec found and then still discards it.
    if ((ks.flags & KeySpecFlag.incomplete) !== 0) return undefined;
  }
  return out;
}

/**
 * Position just after `keyword`, scanning forward from `startFrom` or, when it is negative,
 * backward from `argc + startFrom`; 0 when absent. Like the server, a forward scan stops before
 * the last arg (a keyword there would have no key after it) and index 0 is never matched.
 */
function findKeyword(args: readonly RespArg[], keyword: string, startFrom: number): number {
  const argc = args.length;
  if (startFrom > 0) {
    for (let i = startFrom; i < argc - 1; i++) if (equalsKeyword(args[i], keyword)) return i + 1;
  } else {
    for (let i = argc + startFrom; i >= 1; i--) {
      if (i < argc && equalsKeyword(args[i], keyword)) return i + 1;
    }
  }
  return 0;
}

/**
 * ASCII case-insensitive match of an arg against an upper-case keyword (`'STREAMS'`), without
 * allocating. Numbers and bigints never match: they are written as digits.
 */
export function equalsKeyword(arg: RespArg | undefined, keyword: string): boolean {
  const n = keyword.length;
  if (typeof arg === 'string') {
    if (arg.length !== n) return false;
    for (let i = 0; i < n; i++) {
      const c = arg.charCodeAt(i);
      if ((c >= 0x61 && c <= 0x7a ? c - 0x20 : c) !== keyword.charCodeAt(i)) return false;
    }
    return true;
  }
  if (Buffer.isBuffer(arg)) {
    if (arg.length !== n) return false;
    for (let i = 0; i < n; i++) {
      const c = arg[i] ?? 0;
      if ((c >= 0x61 && c <= 0x7a ? c - 0x20 : c) !== keyword.charCodeAt(i)) return false;
    }
    return true;
  }
  return false;
}

/**
 * Parses a key count as strictly as the server's `string2ll` (no sign, spaces or leading zeros);
 * -1 when it would not parse or is negative, which the server treats as an invalid spec.
 */
function parseCount(arg: RespArg | undefined): number {
  if (typeof arg === 'number') return Number.isSafeInteger(arg) && arg >= 0 ? arg : -1;
  if (typeof arg === 'bigint') return arg >= 0n && arg <= 0x7fffffffn ? Number(arg) : -1;
  if (arg === undefined) return -1;
  const n = arg.length;
  if (n === 0 || n > 10) return -1;
  let value = 0;
  for (let i = 0; i < n; i++) {
    const c = typeof arg === 'string' ? arg.charCodeAt(i) : (arg[i] ?? 0);
    if (c < 0x30 || c > 0x39 || (i === 0 && c === 0x30 && n > 1)) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

/**
 * The server's per-command extractors, run when the key specs cannot be followed: SORT's BY/GET/
 * STORE specs are `unknown`, MIGRATE's KEYS spec is `incomplete`, GEORADIUS's STORE may dangle,
 * and a key count the strict spec parser rejects may still satisfy the extractor's `atoi`.
 * The remaining commands with extractors (XREAD, SET, BITFIELD) give nothing more than their
 * specs do in these cases, so they give `[]` here as on the server.
 */
function fallback(spec: CommandSpec, args: readonly RespArg[]): number[] {
  switch (spec.name) {
    case 'sort':
      return sortKeys(args);
    case 'sort_ro':
      return [1];
    case 'migrate':
      return migrateKeys(args);
    case 'georadius':
    case 'georadiusbymember':
      return georadiusKeys(args);
    default:
      return keyCountKeys(spec, args);
  }
}

/**
 * The extractor every key-count command shares (EVAL, FCALL, ZUNIONSTORE, LMPOP, BLMPOP,
 * SINTERCARD, …). Its offsets are the ones the key-count spec encodes; a destination key, if the
 * command has one, comes from the single-key spec before it and is listed last, as the server
 * lists it. `COMMAND GETKEYS ZUNIONSTORE d 02 a b` answers `a b d`.
 */
function keyCountKeys(spec: CommandSpec, args: readonly RespArg[]): number[] {
  let store = 0;
  for (const ks of spec.keySpecs) {
    const begin = ks.beginSearch;
    const find = ks.findKeys;
    if (begin.type !== 'index') return [];
    if (find.type === 'range') {
      store = begin.index;
      continue;
    }
    if (find.type !== 'keynum') return [];
    const argc = args.length;
    const countAt = begin.index + find.keyNumIdx;
    const firstAt = begin.index + find.firstKey;
    const count = countAt < argc ? atoi(args[countAt]) : 0;
    if (count < 1 || count > Math.trunc((argc - firstAt) / find.keyStep)) return [];
    const keys: number[] = [];
    for (let i = 0; i < count; i++) keys.push(firstAt + i * find.keyStep);
    if (store !== 0) keys.push(store);
    return keys;
  }
  return [];
}

/** C's `atoi`: leading spaces, an optional sign, then as many digits as there are. */
function atoi(arg: RespArg | undefined): number {
  if (arg === undefined) return 0;
  const text =
    typeof arg === 'string' ? arg : Buffer.isBuffer(arg) ? arg.toString('latin1') : String(arg);
  const n = text.length;
  let i = 0;
  while (i < n && isCSpace(text.charCodeAt(i))) i++;
  let sign = 1;
  const c = text.charCodeAt(i);
  if (c === 0x2d || c === 0x2b) {
    if (c === 0x2d) sign = -1;
    i++;
  }
  let value = 0;
  for (; i < n; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) break;
    // Past int range atoi is undefined; any such count is far beyond argc anyway.
    if (value < 0x80000000) value = value * 10 + d;
  }
  return sign * value;
}

function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * SORT key [BY p] [LIMIT o c] [GET p …] [ASC|DESC] [ALPHA] [STORE dst]. The server skips the
 * arguments of BY, GET and LIMIT and keeps the last STORE, but does not skip STORE's own argument,
 * so `STORE store x` stores to `x`; mirrored here.
 */
function sortKeys(args: readonly RespArg[]): number[] {
  const argc = args.length;
  let store = 0;
  for (let i = 2; i < argc; i++) {
    const arg = args[i];
    if (equalsKeyword(arg, 'LIMIT')) i += 2;
    else if (equalsKeyword(arg, 'GET') || equalsKeyword(arg, 'BY')) i += 1;
    else if (equalsKeyword(arg, 'STORE') && i + 1 < argc) store = i + 1;
  }
  return store === 0 ? [1] : [1, store];
}

/** MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw] [AUTH2 user pw] [KEYS k …]. */
function migrateKeys(args: readonly RespArg[]): number[] {
  const argc = args.length;
  for (let i = 6; i < argc; i++) {
    const arg = args[i];
    if (equalsKeyword(arg, 'KEYS')) {
      // The server rejects KEYS with a non-empty single-key slot, and reports no keys at all.
      if (!isEmptyArg(args[3])) return [];
      const keys: number[] = [];
      for (let k = i + 1; k < argc; k++) keys.push(k);
      return keys;
    }
    if (equalsKeyword(arg, 'AUTH')) i += 1;
    else if (equalsKeyword(arg, 'AUTH2')) i += 2;
  }
  return argc > 3 ? [3] : [];
}

function isEmptyArg(arg: RespArg | undefined): boolean {
  return (typeof arg === 'string' || Buffer.isBuffer(arg)) && arg.length === 0;
}

/** GEORADIUS[BYMEMBER]: the source key, plus the last STORE/STOREDIST target that has an arg. */
function georadiusKeys(args: readonly RespArg[]): number[] {
  const argc = args.length;
  let store = 0;
  for (let i = 5; i < argc; i++) {
    const arg = args[i];
    if ((equalsKeyword(arg, 'STORE') || equalsKeyword(arg, 'STOREDIST')) && i + 1 < argc) {
      store = i + 1;
      i++;
    }
  }
  return store === 0 ? [1] : [1, store];
}
