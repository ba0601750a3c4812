/**
 * CLIENT LIST entries grouped by pool (host + name + lib-name), host, name and lib-name, each
 * group with its idle and age distributions and how many of its connections are blocked, in
 * pub/sub, or subject to the server's `timeout`. Pure.
 */
import { distribution, idleBuckets } from './distribution.js';
import type { ClientEntry } from './parse/client-list.js';
import {
  type ClientGroup,
  type ClientGroups,
  type GroupKey,
  YOUNG_AGE_SECONDS,
} from './report-model.js';

// Commands that park a connection server-side; a connection whose last command is one of these
// is a blocking consumer even between calls. XREAD/XREADGROUP count even without BLOCK: the
// server's `cmd` field does not say which.
const BLOCKING_COMMANDS = new Set([
  'blpop',
  'brpop',
  'brpoplpush',
  'blmove',
  'blmpop',
  'bzpopmin',
  'bzpopmax',
  'bzmpop',
  'xread',
  'xreadgroup',
  'wait',
  'waitaof',
]);

/** How one connection relates to the server's idle `timeout`. */
export interface ClientTraits {
  readonly blocked: boolean;
  readonly blockingCommand: boolean;
  readonly pubsub: boolean;
  /** The server's `timeout` applies: not blocked, not pub/sub, not a replication link. */
  readonly subjectToTimeout: boolean;
}

/** Classify one connection from its flags, subscription counts and last command. */
export function clientTraits(entry: ClientEntry): ClientTraits {
  const blocked = entry.flags.includes('b');
  const pubsub = entry.flags.includes('P') || entry.sub + entry.psub + entry.ssub > 0;
  // The server skips replicas (S) and its master link (M) when enforcing `timeout`, as it does
  // blocked and pub/sub clients (clientsCronHandleTimeout).
  const replication = entry.flags.includes('S') || entry.flags.includes('M');
  return {
    blocked,
    blockingCommand: BLOCKING_COMMANDS.has(entry.cmd.split('|')[0] ?? ''),
    pubsub,
    subjectToTimeout: !blocked && !pubsub && !replication,
  };
}

/**
 * Group `entries` four ways. With `libNameReported` false the lib-name grouping is empty and
 * pools are keyed without it (`libName: null`).
 */
export function groupClients(
  entries: readonly ClientEntry[],
  libNameReported: boolean,
): ClientGroups {
  const lib = (e: ClientEntry): string | null => (libNameReported ? (e.libName ?? '') : null);
  return {
    byPool: groupBy(entries, (e) => ({ host: e.host, name: e.name, libName: lib(e) })),
    byHost: groupBy(entries, (e) => ({ host: e.host, name: null, libName: null })),
    byName: groupBy(entries, (e) => ({ host: null, name: e.name, libName: null })),
    byLibName: libNameReported
      ? groupBy(entries, (e) => ({ host: null, name: null, libName: lib(e) }))
      : [],
  };
}

/** The id of `entry`'s pool (host, name and lib-name), as the byPool grouping keys it. */
export function poolId(entry: ClientEntry, libNameReported: boolean): string {
  return keyId({
    host: entry.host,
    name: entry.name,
    libName: libNameReported ? (entry.libName ?? '') : null,
  });
}

/** A group key as one string. */
export function keyId(key: GroupKey): string {
  // NUL cannot occur in a name, host or lib-name, so the joined id is unambiguous.
  return [key.host, key.name, key.libName].join('\0');
}

/**
 * True when two groupings split the connections the same way (each host one pool, say): group
 * for group the same counts and statistics, so a report shows one table, not two identical ones.
 */
export function sameGrouping(a: readonly ClientGroup[], b: readonly ClientGroup[]): boolean {
  const signature = (groups: readonly ClientGroup[]): string =>
    groups
      .map((g) =>
        [
          g.count,
          g.idle.p50,
          g.idle.p90,
          g.idle.max,
          g.age.p50,
          g.age.max,
          g.blocked,
          g.pubsub,
        ].join(','),
      )
      .join(';');
  return signature(a) === signature(b);
}

/** A group with no connection (a pool seen only during a sampling window). */
export function emptyGroup(key: GroupKey): ClientGroup {
  return summarise(key, []);
}

function groupBy(
  entries: readonly ClientEntry[],
  keyOf: (entry: ClientEntry) => GroupKey,
): ClientGroup[] {
  const buckets = new Map<string, { key: GroupKey; entries: ClientEntry[] }>();
  for (const entry of entries) {
    const key = keyOf(entry);
    const id = keyId(key);
    let bucket = buckets.get(id);
    if (bucket === undefined) {
      bucket = { key, entries: [] };
      buckets.set(id, bucket);
    }
    bucket.entries.push(entry);
  }
  const groups = [...buckets.values()].map(({ key, entries: members }) => summarise(key, members));
  return groups.sort((a, b) => b.count - a.count || compareKeys(a.key, b.key));
}

function summarise(key: GroupKey, entries: readonly ClientEntry[]): ClientGroup {
  let subjectToTimeout = 0;
  let blocked = 0;
  let blockingCommand = 0;
  let pubsub = 0;
  const timeoutIdle: number[] = [];
  for (const entry of entries) {
    const traits = clientTraits(entry);
    if (traits.blocked) blocked++;
    if (traits.blockingCommand) blockingCommand++;
    if (traits.pubsub) pubsub++;
    if (traits.subjectToTimeout) {
      subjectToTimeout++;
      timeoutIdle.push(entry.idle);
    }
  }
  return {
    key,
    count: entries.length,
    subjectToTimeout,
    blocked,
    blockingCommand,
    pubsub,
    idle: distribution(entries.map((e) => e.idle)),
    age: distribution(entries.map((e) => e.age)),
    idleBuckets: idleBuckets(timeoutIdle),
    young: entries.filter((e) => e.age <= YOUNG_AGE_SECONDS).length,
    // Filled in by activity.ts when the audit had a sampling window.
    activity: null,
  };
}

function compareKeys(a: GroupKey, b: GroupKey): number {
  const fa = [a.host ?? '', a.name ?? '', a.libName ?? ''].join('\0');
  const fb = [b.host ?? '', b.name ?? '', b.libName ?? ''].join('\0');
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}
