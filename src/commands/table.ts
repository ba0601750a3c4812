/**
 * Typed, indexed view of the generated command table (`table.generated.ts`).
 *
 * The raw rows are parsed once at module load into frozen `CommandSpec` objects and indexed by
 * name, so every lookup on the request path is a `Map` hit. Flags, ACL categories and key-spec
 * flags become bitmasks so that a routing or retry decision is a single `&`.
 */
import type { RespArg } from '../protocol/resp-types.js';
import {
  COMMAND_TABLE_SERVER_VERSION,
  RAW_COMMANDS,
  type RawCommandRow,
  type RawKeySpec,
} from './table.generated.js';
import { SUPPLEMENT_ROWS } from './table-supplement.js';

/**
 * Command flags, as `COMMAND INFO` spells them. Values are bits of {@link CommandSpec.flags}.
 * Flags a newer server reports that are not listed here still appear in `flagNames`.
 */
export const CommandFlag = {
  write: 1 << 0,
  readonly: 1 << 1,
  denyoom: 1 << 2,
  module: 1 << 3,
  admin: 1 << 4,
  pubsub: 1 << 5,
  noscript: 1 << 6,
  blocking: 1 << 7,
  loading: 1 << 8,
  stale: 1 << 9,
  skip_monitor: 1 << 10,
  skip_slowlog: 1 << 11,
  asking: 1 << 12,
  fast: 1 << 13,
  no_auth: 1 << 14,
  may_replicate: 1 << 15,
  no_mandatory_keys: 1 << 16,
  no_async_loading: 1 << 17,
  no_multi: 1 << 18,
  movablekeys: 1 << 19,
  allow_busy: 1 << 20,
} as const;

/** ACL categories kept in the table (without the `@`). Values are bits of {@link CommandSpec.acl}. */
export const AclCategory = {
  read: 1 << 0,
  write: 1 << 1,
  blocking: 1 << 2,
  pubsub: 1 << 3,
  transaction: 1 << 4,
  slow: 1 << 5,
  fast: 1 << 6,
  dangerous: 1 << 7,
  admin: 1 << 8,
  connection: 1 << 9,
  scripting: 1 << 10,
} as const;

/** Key-spec flags, as `COMMAND INFO` spells them. Values are bits of {@link KeySpec.flags}. */
export const KeySpecFlag = {
  RO: 1 << 0,
  RW: 1 << 1,
  OW: 1 << 2,
  RM: 1 << 3,
  access: 1 << 4,
  update: 1 << 5,
  insert: 1 << 6,
  delete: 1 << 7,
  not_key: 1 << 8,
  incomplete: 1 << 9,
  variable_flags: 1 << 10,
} as const;

/** Where a key spec starts looking for keys. */
export type BeginSearch =
  | { readonly type: 'index'; readonly index: number }
  | {
      readonly type: 'keyword';
      /** Upper-case; matched case-insensitively, as the server does. */
      readonly keyword: string;
      /** Index to start scanning from; negative counts from the end and scans backwards. */
      readonly startFrom: number;
    }
  | { readonly type: 'unknown' };

/** How a key spec finds its keys once it knows where to start. */
export type FindKeys =
  | {
      readonly type: 'range';
      /** Last key relative to the start when ≥ 0, otherwise relative to the end of the args. */
      readonly lastKey: number;
      readonly keyStep: number;
      /** When non-zero, only `1/limit` of the remaining args are keys (XREAD's STREAMS k… id…). */
      readonly limit: number;
    }
  | {
      readonly type: 'keynum';
      /** Offset from the start of the arg holding the key count. */
      readonly keyNumIdx: number;
      /** Offset from the start of the first key. */
      readonly firstKey: number;
      readonly keyStep: number;
    }
  | { readonly type: 'unknown' };

/** One key specification of a command (Redis 7 key specs). */
export interface KeySpec {
  /** {@link KeySpecFlag} bits. */
  readonly flags: number;
  readonly flagNames: readonly string[];
  readonly beginSearch: BeginSearch;
  readonly findKeys: FindKeys;
}

/** Everything the table knows about one command or subcommand. */
export interface CommandSpec {
  /** Lower-case name; subcommands are `parent|sub`, e.g. `client|list`. */
  readonly name: string;
  /** Positive: exact arg count including the name; negative: at least that many. */
  readonly arity: number;
  /** {@link CommandFlag} bits. */
  readonly flags: number;
  /** Every flag the server reported, including ones without a {@link CommandFlag} bit. */
  readonly flagNames: readonly string[];
  /** Legacy key positions (first key, last key, step); 0/0/0 when the command has none. */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  /** {@link AclCategory} bits. */
  readonly acl: number;
  /** Routing tips: `request_policy:*`, `response_policy:*`, `nondeterministic_output*`. */
  readonly tips: readonly string[];
  /** The `request_policy` tip's value (e.g. `all_shards`), if any. */
  readonly requestPolicy: string | undefined;
  /** The `response_policy` tip's value (e.g. `agg_sum`), if any. */
  readonly responsePolicy: string | undefined;
  readonly keySpecs: readonly KeySpec[];
  /** Server version that introduced the command, from `COMMAND DOCS`. */
  readonly since: string;
  /** Documentation group (`string`, `connection`, …), from `COMMAND DOCS`. */
  readonly group: string;
  readonly deprecated: boolean;
  /** For a subcommand, its container's name (`client` for `client|list`). */
  readonly parent: string | undefined;
  /** For a container (CLIENT, CONFIG, …), its subcommands keyed by lower- and upper-case name. */
  readonly subcommands: ReadonlyMap<string, CommandSpec> | undefined;
}

/** The `redis_version` the checked-in table was generated from. */
export const commandTableServerVersion: string = COMMAND_TABLE_SERVER_VERSION;

const EMPTY: readonly string[] = Object.freeze([]);

function words(list: string): readonly string[] {
  return list === '' ? EMPTY : Object.freeze(list.split(' '));
}

function bits(names: readonly string[], table: Readonly<Record<string, number>>): number {
  let mask = 0;
  for (const name of names) {
    // hasOwn, because names come from a server and must not reach Object.prototype members.
    if (Object.hasOwn(table, name)) mask |= table[name] ?? 0;
  }
  return mask;
}

function parseKeySpec(raw: RawKeySpec): KeySpec {
  const [flagList, begin, find] = raw;
  const flagNames = words(flagList);
  let beginSearch: BeginSearch;
  if (typeof begin === 'number') beginSearch = { type: 'index', index: begin };
  else if (begin === null) beginSearch = { type: 'unknown' };
  else beginSearch = { type: 'keyword', keyword: begin[0].toUpperCase(), startFrom: begin[1] };
  let findKeys: FindKeys;
  if (find === null) findKeys = { type: 'unknown' };
  else if (find[0] === 'range') {
    findKeys = { type: 'range', lastKey: find[1], keyStep: find[2], limit: find[3] };
  } else {
    findKeys = { type: 'keynum', keyNumIdx: find[1], firstKey: find[2], keyStep: find[3] };
  }
  return Object.freeze({
    flags: bits(flagNames, KeySpecFlag),
    flagNames,
    beginSearch: Object.freeze(beginSearch),
    findKeys: Object.freeze(findKeys),
  });
}

function tipValue(tips: readonly string[], prefix: string): string | undefined {
  for (const tip of tips) if (tip.startsWith(prefix)) return tip.slice(prefix.length);
  return undefined;
}

function parseRow(
  row: RawCommandRow,
  subcommands: ReadonlyMap<string, CommandSpec> | undefined,
): CommandSpec {
  const [name, arity, flagList, firstKey, lastKey, keyStep, aclList, tipList, specs] = row;
  const [, , , , , , , , , since, group, docFlags] = row;
  const flagNames = words(flagList);
  const tips = words(tipList);
  const bar = name.indexOf('|');
  return Object.freeze({
    name,
    arity,
    flags: bits(flagNames, CommandFlag),
    flagNames,
    firstKey,
    lastKey,
    keyStep,
    acl: bits(words(aclList), AclCategory),
    tips,
    requestPolicy: tipValue(tips, 'request_policy:'),
    responsePolicy: tipValue(tips, 'response_policy:'),
    keySpecs: Object.freeze(specs.map(parseKeySpec)),
    since,
    group,
    deprecated: words(docFlags).includes('deprecated'),
    parent: bar === -1 ? undefined : name.slice(0, bar),
    subcommands,
  });
}

/**
 * Both cases go in as keys: callers almost always spell names all-lower or all-upper, and those
 * two then cost no string work at all. Mixed case falls back to {@link lowerCase}.
 */
function addBothCases(map: Map<string, CommandSpec>, key: string, spec: CommandSpec): void {
  map.set(key, spec);
  map.set(key.toUpperCase(), spec);
}

/** The generated rows plus the hand-written 7.2 rows the generated table does not have. */
function allRows(): readonly RawCommandRow[] {
  const known = new Set(RAW_COMMANDS.map((row) => row[0]));
  return [...RAW_COMMANDS, ...SUPPLEMENT_ROWS.filter((row) => !known.has(row[0]))];
}

function buildIndex(): { top: Map<string, CommandSpec>; all: readonly CommandSpec[] } {
  const rows = allRows();
  const subRows = new Map<string, RawCommandRow[]>();
  for (const row of rows) {
    const bar = row[0].indexOf('|');
    if (bar === -1) continue;
    const parent = row[0].slice(0, bar);
    const list = subRows.get(parent) ?? [];
    list.push(row);
    subRows.set(parent, list);
  }
  const top = new Map<string, CommandSpec>();
  const all: CommandSpec[] = [];
  for (const row of rows) {
    if (row[0].includes('|')) continue;
    const children = subRows.get(row[0]);
    let subs: Map<string, CommandSpec> | undefined;
    if (children !== undefined) {
      subs = new Map();
      for (const subRow of children) {
        const sub = parseRow(subRow, undefined);
        addBothCases(subs, sub.name.slice(sub.name.indexOf('|') + 1), sub);
        all.push(sub);
      }
    }
    const spec = parseRow(row, subs);
    addBothCases(top, spec.name, spec);
    all.push(spec);
  }
  all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { top, all: Object.freeze(all) };
}

const { top: topLevel, all: allSpecs } = buildIndex();

// Bounded so that a stream of junk names cannot grow it without limit; cleared wholesale when
// full because real traffic uses a handful of spellings and refills it at once.
const LOWER_CACHE_LIMIT = 512;
const lowerCache = new Map<string, string>();

/** Lower-cases a name, caching by the original string so mixed-case callers allocate once. */
function lowerCase(name: string): string {
  let lower = lowerCache.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerCache.size >= LOWER_CACHE_LIMIT) lowerCache.clear();
    lowerCache.set(name, lower);
  }
  return lower;
}

// No command or subcommand name is anywhere near this long; longer Buffers are not decoded.
const MAX_NAME_BYTES = 64;

function find(map: ReadonlyMap<string, CommandSpec>, name: RespArg): CommandSpec | undefined {
  let text: string;
  if (typeof name === 'string') text = name;
  else if (Buffer.isBuffer(name)) {
    if (name.length > MAX_NAME_BYTES) return undefined;
    text = name.toString('latin1');
  } else return undefined;
  return map.get(text) ?? map.get(lowerCase(text));
}

/**
 * Looks up a command, case-insensitively. For a container command (CLIENT, CONFIG, OBJECT, XINFO,
 * …) pass the subcommand to get the subcommand's spec (`getCommandSpec('CLIENT', 'LIST')` is
 * `client|list`); without one, the container's own spec is returned. A container with an unknown
 * subcommand gives `undefined`, as the server would reject it. For a non-container command the
 * `subcommand` argument is ignored, so callers can always pass `args[1]`.
 */
export function getCommandSpec(
  name: string | Buffer,
  subcommand?: RespArg,
): CommandSpec | undefined {
  const spec = find(topLevel, name);
  if (spec === undefined || spec.subcommands === undefined || subcommand === undefined) return spec;
  return find(spec.subcommands, subcommand);
}

/** Looks up the command a full argument vector (`[name, ...args]`) invokes. */
export function getCommandSpecForArgs(args: readonly RespArg[]): CommandSpec | undefined {
  const name = args[0];
  if (typeof name !== 'string' && !Buffer.isBuffer(name)) return undefined;
  return getCommandSpec(name, args.length > 1 ? args[1] : undefined);
}

/** Every command and subcommand in the table, sorted by name. */
export function listCommandSpecs(): readonly CommandSpec[] {
  return allSpecs;
}
