/**
 * What each pool did during a sampling window: its command rate and how many of its connections
 * opened and closed. From two full reads of a node (the window's ends) and the CLIENT LISTs taken
 * in between. Pure.
 *
 * The server counts commands per command name (INFO commandstats), not per client. A pool's rate
 * is estimated by sharing each command's rate among the connections whose last command it was
 * (CLIENT LIST `cmd`), in proportion to how many of them are the pool's. That is exact when one
 * pool runs a command alone. A command no listed connection ran last ran on connections that
 * closed during the window, and is shared among the pools that closed (else opened) some. The doctor's own
 * commands (it counts what it sent) are taken out first.
 */
import type { RawNode } from './collect.js';
import { poolId } from './groups.js';
import { type ClientEntry, parseClientList } from './parse/client-list.js';
import { parseCommandStats } from './parse/command-stats.js';
import type { GroupActivity, GroupKey } from './report-model.js';

/** Commands a cluster client runs to learn the topology (commandstats names). */
const TOPOLOGY_COMMANDS = new Set(['cluster|slots', 'cluster|shards', 'cluster|nodes']);

/** The window of one node. */
export interface ActivityWindow {
  readonly before: RawNode;
  readonly after: RawNode;
  /** CLIENT LIST texts read between the two, oldest first. */
  readonly samples: readonly string[];
  readonly seconds: number;
  readonly doctorName: string;
  readonly libNameReported: boolean;
}

/** Per pool (by `poolId`) activity, the commands run for others, and the lists read. */
export interface NodeActivity {
  readonly pools: ReadonlyMap<string, GroupActivity>;
  /** Every pool seen during the window, by id: one may have no connection left at its end. */
  readonly keys: ReadonlyMap<string, GroupKey>;
  /** Commands the server ran for clients other than the doctor; `null` without commandstats. */
  readonly commands: number | null;
  readonly clientListSamples: number;
}

/** Activity over `window`; `null` when either end has no CLIENT LIST. */
export function nodeActivity(window: ActivityWindow): NodeActivity | null {
  const { before, after, doctorName, libNameReported } = window;
  if (before.clientList?.ok !== true || after.clientList?.ok !== true) return null;
  const lists = [before.clientList.value, ...window.samples, after.clientList.value].map((text) =>
    parseClientList(text).filter((e) => e.name !== doctorName),
  );
  const last = lists.length - 1;
  const seen = new Map<number, { pool: string; first: number; last: number }>();
  const keys = new Map<string, GroupKey>();
  lists.forEach((entries, i) => {
    for (const e of entries) {
      keys.set(poolId(e, libNameReported), {
        host: e.host,
        name: e.name,
        libName: libNameReported ? (e.libName ?? '') : null,
      });
      const known = seen.get(e.id);
      if (known === undefined)
        seen.set(e.id, { pool: poolId(e, libNameReported), first: i, last: i });
      else known.last = i;
    }
  });
  const opened = new Map<string, number>();
  const closed = new Map<string, number>();
  for (const { pool, first, last: lastSeen } of seen.values()) {
    if (first > 0) opened.set(pool, (opened.get(pool) ?? 0) + 1);
    if (lastSeen < last) closed.set(pool, (closed.get(pool) ?? 0) + 1);
  }

  const perCommand = commandsRun(before, after) ?? undefined;
  const finalList = lists[last] ?? [];
  // Who ran the commands whose runners are gone: the pools that closed connections, else those
  // that opened some (a connection opened, used once and closed between two samples).
  const turnover = closed.size > 0 ? closed : opened;
  const rates = shared(perCommand, finalList, window, window.seconds, turnover);
  const topology = shared(
    perCommand === undefined
      ? undefined
      : new Map([...perCommand].filter(([name]) => TOPOLOGY_COMMANDS.has(name))),
    finalList,
    window,
    1,
    turnover,
  );
  const pools = new Map<string, GroupActivity>();
  const ids = new Set([...opened.keys(), ...closed.keys(), ...rates.keys()]);
  for (const e of lists[last] ?? []) ids.add(poolId(e, libNameReported));
  for (const id of ids) {
    pools.set(id, {
      commandsPerSecond: rates.get(id) ?? 0,
      opened: opened.get(id) ?? 0,
      closed: closed.get(id) ?? 0,
      topologyQueries: Math.round(topology.get(id) ?? 0),
    });
  }
  const commands =
    perCommand === undefined ? null : [...perCommand.values()].reduce((sum, n) => sum + n, 0);
  return { pools, keys, commands, clientListSamples: lists.length };
}

/** Commands run between the two reads, by name, the doctor's own removed; `null` if unread. */
function commandsRun(before: RawNode, after: RawNode): Map<string, number> | null {
  if (before.commandStats?.ok !== true || after.commandStats?.ok !== true) return null;
  const a = parseCommandStats(before.commandStats.value);
  const b = parseCommandStats(after.commandStats.value);
  const run = new Map<string, number>();
  for (const [name, calls] of b) {
    const doctor = (after.doctorCommands.get(name) ?? 0) - (before.doctorCommands.get(name) ?? 0);
    // A CONFIG RESETSTAT in between makes the difference negative: nothing can be said.
    const n = calls - (a.get(name) ?? 0) - doctor;
    if (n > 0) run.set(name, n);
  }
  return run;
}

/**
 * Each command's count (divided by `per`: the window's seconds for a rate, 1 for a count) shared
 * among the pools whose connections last ran it.
 */
function shared(
  perCommand: ReadonlyMap<string, number> | undefined,
  entries: readonly ClientEntry[],
  window: ActivityWindow,
  per: number,
  turnover: ReadonlyMap<string, number>,
): Map<string, number> {
  const holders = new Map<string, Map<string, number>>();
  for (const e of entries) {
    const byPool = holders.get(e.cmd) ?? new Map<string, number>();
    const id = poolId(e, window.libNameReported);
    byPool.set(id, (byPool.get(id) ?? 0) + 1);
    holders.set(e.cmd, byPool);
  }
  const rates = new Map<string, number>();
  if (perCommand === undefined) return rates;
  const seconds = Math.max(per, 0.001);
  for (const [command, calls] of perCommand) {
    // Nobody left whose last command it was: it ran on connections that are gone, so it is
    // shared among the pools whose connections closed during the window.
    const byPool = holders.get(command) ?? (turnover.size > 0 ? turnover : undefined);
    if (byPool === undefined) continue;
    const total = [...byPool.values()].reduce((sum, n) => sum + n, 0);
    for (const [id, n] of byPool) {
      rates.set(id, (rates.get(id) ?? 0) + (calls * n) / total / seconds);
    }
  }
  return rates;
}
