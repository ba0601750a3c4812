/**
 * How each node of a test cluster sees the cluster, and whether those views agree: one pipelined
 * probe per node (`CLUSTER MYID`, `CLUSTER NODES`, `CLUSTER INFO`, `INFO replication`), the slot
 * table normalised so views compare as strings, and failure text that shows every view.
 *
 * The slot table comes from `CLUSTER NODES`, never `CLUSTER SHARDS`/`SLOTS`: tests count those two
 * in `INFO commandstats` to watch the client's topology refreshes, and the harness must not add to
 * the count. Like `raw-resp.ts`, this file imports nothing from `src/`.
 */

import { parseInfo } from './client-list.js';
import { expectString, type Reply, ReplyError, rawCommands } from './raw-resp.js';
import { HOST } from './redis-process.js';
import type { RedisServer } from './redis-server.js';

const SLOT_COUNT = 16_384;
const HARNESS_CLIENT_NAME = 'respool-harness';
// A paused node keeps its socket open and never answers; it must not stall every poll for long.
const PROBE_TIMEOUT_MS = 1_000;

export type SlotRange = readonly [start: number, end: number];

/** One line of `CLUSTER NODES`, as one node sees another. */
export interface NodeLine {
  readonly id: string;
  readonly port: number;
  readonly flags: readonly string[];
  /** Undefined for a primary (`-`). */
  readonly primaryId: string | undefined;
  readonly configEpoch: number;
  readonly ranges: readonly SlotRange[];
  /** `[slot->-id]` / `[slot-<-id]` entries: only present on the `myself` line. */
  readonly openSlots: readonly string[];
}

/** What one node reported in one probe; `error` set means it did not answer. */
export interface NodeView {
  readonly index: number;
  readonly node: RedisServer;
  readonly error?: string;
  readonly id: string;
  readonly lines: readonly NodeLine[];
  readonly self: NodeLine | undefined;
  readonly clusterState: string;
  readonly linkStatus: string;
  readonly rawNodes: string;
}

/** One pipelined round trip; the name keeps the probe out of `clientList()` and leak checks. */
export async function probe(node: RedisServer, index: number): Promise<NodeView> {
  const empty = { index, node, id: '', lines: [], self: undefined, rawNodes: '' };
  let replies: Reply[];
  try {
    replies = await rawCommands(
      HOST,
      node.port,
      undefined,
      [
        ['CLIENT', 'SETNAME', HARNESS_CLIENT_NAME],
        ['CLUSTER', 'MYID'],
        ['CLUSTER', 'NODES'],
        ['CLUSTER', 'INFO'],
        ['INFO', 'replication'],
      ],
      PROBE_TIMEOUT_MS,
    );
  } catch (error) {
    return { ...empty, error: (error as Error).message, clusterState: '-', linkStatus: '-' };
  }
  const failed = replies.find((reply) => reply instanceof ReplyError);
  if (failed instanceof ReplyError) {
    return { ...empty, error: failed.message, clusterState: '-', linkStatus: '-' };
  }
  const [, myId, nodesText, clusterInfo, replication] = replies;
  const id = expectString(myId, 'CLUSTER MYID');
  const rawNodes = expectString(nodesText, 'CLUSTER NODES');
  const lines = rawNodes
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parseNodeLine);
  return {
    index,
    node,
    id,
    lines,
    self: lines.find((line) => line.flags.includes('myself')),
    rawNodes,
    clusterState: parseInfo(expectString(clusterInfo, 'CLUSTER INFO'))['cluster_state'] ?? '?',
    linkStatus:
      parseInfo(expectString(replication, 'INFO replication'))['master_link_status'] ?? '-',
  };
}

/** `<id> <ip:port@cport[,hostname]> <flags> <primary> <ping> <pong> <epoch> <link> <slot>...` */
export function parseNodeLine(line: string): NodeLine {
  const [id = '', address = '', flags = '', primary = '-', , , epoch = '0', , ...slots] = line
    .trim()
    .split(' ');
  const hostPort = address.split(',')[0]?.split('@')[0] ?? '';
  const ranges: [number, number][] = [];
  const openSlots: string[] = [];
  for (const slot of slots) {
    if (slot.startsWith('[')) {
      openSlots.push(slot);
      continue;
    }
    const [start = '', end = start] = slot.split('-');
    ranges.push([Number(start), Number(end)]);
  }
  return {
    id,
    port: Number(hostPort.slice(hostPort.lastIndexOf(':') + 1)),
    flags: flags.split(','),
    primaryId: primary === '-' ? undefined : primary,
    configEpoch: Number(epoch),
    ranges,
    openSlots,
  };
}

export function isLive(view: NodeView): boolean {
  return view.error === undefined && view.self !== undefined;
}

export function isPrimary(view: NodeView): boolean {
  return view.self?.flags.includes('master') ?? false;
}

export function rangesHave(ranges: readonly SlotRange[], slot: number): boolean {
  return ranges.some(([start, end]) => slot >= start && slot <= end);
}

function roleOf(line: NodeLine): string {
  return line.flags.includes('master')
    ? 'primary'
    : `replica of ${line.primaryId?.slice(0, 8) ?? '?'}`;
}

/** Flags that mean the observer does not (yet, or any more) trust the node. */
function isDoubtful(line: NodeLine): boolean {
  return line.flags.some(
    (f) => f === 'handshake' || f === 'noaddr' || f === 'fail' || f === 'fail?',
  );
}

export function meshProblems(view: NodeView, known: ReadonlySet<string>): string[] {
  if (!isLive(view)) {
    return [`node ${view.index} is not answering: ${view.error ?? 'no myself line'}`];
  }
  const seen = view.lines.filter((line) => known.has(line.id) && !isDoubtful(line));
  return seen.length === known.size
    ? []
    : [`node ${view.index} sees ${seen.length} of ${known.size} nodes`];
}

/**
 * The slot table as one node sees it: `start-end@port` per range, adjacent ranges of one owner
 * merged, sorted by slot, so two nodes agree exactly when the strings are equal.
 */
export function slotTable(view: NodeView): string[] {
  const ranges = view.lines
    .filter((line) => line.flags.includes('master'))
    .flatMap((line) => line.ranges.map(([start, end]) => ({ start, end, port: line.port })))
    .sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number; port: number }[] = [];
  for (const range of ranges) {
    const last = merged.at(-1);
    if (last !== undefined && last.port === range.port && last.end + 1 === range.start) {
      last.end = range.end;
    } else {
      merged.push({ ...range });
    }
  }
  return merged.map(({ start, end, port }) => `${start}-${end}@${port}`);
}

function coverageProblems(table: readonly string[], livePrimaryPorts: ReadonlySet<number>) {
  const problems: string[] = [];
  let next = 0;
  for (const entry of table) {
    const [range = '', port = ''] = entry.split('@');
    const [start = 0, end = 0] = range.split('-').map(Number);
    if (start !== next) {
      problems.push(`slot table has a gap or overlap at slot ${next} (next range ${entry})`);
    }
    if (!livePrimaryPorts.has(Number(port))) {
      problems.push(`slots ${range} belong to port ${port}, which is not a live primary`);
    }
    next = end + 1;
  }
  if (next !== SLOT_COUNT) {
    problems.push(`slot table ends at ${next - 1}, not ${SLOT_COUNT - 1}`);
  }
  return problems;
}

export function agreementProblems(views: readonly NodeView[], requireAll: boolean): string[] {
  const live = views.filter(isLive);
  const problems: string[] = [];
  if (requireAll) {
    for (const view of views.filter((v) => !isLive(v))) {
      problems.push(`node ${view.index} is not answering: ${view.error ?? 'no myself line'}`);
    }
  }
  const [first] = live;
  if (first === undefined) {
    return [...problems, 'no live node'];
  }
  const livePrimaryPorts = new Set(live.filter(isPrimary).map((v) => v.node.port));
  const reference = slotTable(first);
  problems.push(...coverageProblems(reference, livePrimaryPorts));
  for (const view of live) {
    if (view.clusterState !== 'ok') {
      problems.push(`node ${view.index}: cluster_state:${view.clusterState}`);
    }
    if (slotTable(view).join(' ') !== reference.join(' ')) {
      problems.push(`node ${view.index} disagrees with node ${first.index} on the slot table`);
    }
    if (!isPrimary(view)) {
      if (view.linkStatus !== 'up') {
        problems.push(`node ${view.index}: master_link_status:${view.linkStatus}`);
      }
      if (!live.some((v) => v.id === view.self?.primaryId)) {
        problems.push(`node ${view.index} replicates from a node that is not live`);
      }
    }
    // Everyone must see this node in the role it claims, trusted and with the same primary.
    const claimed = view.self === undefined ? '?' : roleOf(view.self);
    for (const observer of live) {
      const line = observer.lines.find((l) => l.id === view.id);
      const sameRole =
        line !== undefined &&
        line.flags.includes('master') === isPrimary(view) &&
        line.primaryId === view.self?.primaryId;
      if (line === undefined || isDoubtful(line) || !sameRole) {
        problems.push(
          `node ${observer.index} sees node ${view.index} as ` +
            `${line === undefined ? 'unknown' : roleOf(line)} ` +
            `[${line?.flags.join(',') ?? ''}], it says ${claimed}`,
        );
      }
    }
  }
  return problems;
}

export function formatViews(views: readonly NodeView[]): string {
  return views
    .map((view) => {
      const head = `node ${view.index} port ${view.node.port}`;
      if (!isLive(view)) {
        return `${head}: not answering (${view.error ?? 'no myself line'})`;
      }
      const open = view.self?.openSlots.join(' ') ?? '';
      return (
        `${head} id ${view.id.slice(0, 8)} ${view.self === undefined ? '?' : roleOf(view.self)} ` +
        `epoch ${view.self?.configEpoch ?? '?'} cluster_state:${view.clusterState} ` +
        `master_link_status:${view.linkStatus}${open === '' ? '' : ` open ${open}`}\n` +
        `    slots: ${slotTable(view).join(' ')}\n` +
        view.rawNodes
          .trim()
          .split('\n')
          .map((line) => `    | ${line.trim()}`)
          .join('\n')
      );
    })
    .join('\n');
}
