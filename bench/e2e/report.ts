/**
 * Plain-text output of the end-to-end benchmark: a header that states the conditions, one table
 * per caller count, and the ratios of our client to each peer.
 */
import type { ClientSummary, Ratio } from './summary.js';

export interface RunHeader {
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly redisVersion: string;
  /** Commit of the code measured, `+dirty` when src/ had uncommitted changes. */
  readonly revision: string;
  readonly rounds: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly callers: readonly number[];
  readonly clients: readonly { readonly name: string; readonly description: string }[];
  /** Present in the cluster mode (`--cluster`) only. */
  readonly cluster?: ClusterHeader | undefined;
}

/** The private cluster of a `--cluster` run, as it stood when the run started. */
export interface ClusterHeader {
  /** Primaries first, then each primary's replica in the same order: the order of "by node". */
  readonly nodes: readonly ClusterNodeInfo[];
  readonly nodeTimeoutMs: number;
}

export interface ClusterNodeInfo {
  readonly port: number;
  readonly role: 'primary' | 'replica';
  /** A replica's primary's port. */
  readonly replicaOf?: number | undefined;
}

export function printHeader(h: RunHeader, print: (line: string) => void): void {
  const c = h.cluster;
  if (c === undefined) {
    print('respool end-to-end benchmark: SET/GET alternating, 16-byte values, keys k{caller}');
  } else {
    print(
      'respool end-to-end benchmark, CLUSTER mode: SET/GET alternating, 16-byte values, keys ' +
        'k{caller} (different callers hit different slots and primaries; 1 caller hits one)',
    );
  }
  print(`node ${h.node}, redis-server ${h.redisVersion}, ${h.cpus} CPU(s): ${h.cpuModel}`);
  print(`respool revision ${h.revision}`);
  if (c === undefined) {
    print(
      'The client under test and redis-server share these cores: a client that burns more CPU ' +
        'also slows the server it talks to.',
    );
  } else {
    const primaries = c.nodes.filter((n) => n.role === 'primary').length;
    const nodes = c.nodes
      .map((n) => (n.replicaOf === undefined ? `:${n.port}` : `:${n.port} (of :${n.replicaOf})`))
      .join(', ');
    print(
      `One private cluster for the whole run: ${c.nodes.length} nodes, ${primaries} primaries + ` +
        `${c.nodes.length - primaries} replicas, cluster-node-timeout ${c.nodeTimeoutMs} ms: ${nodes}`,
    );
    print(
      `NOTE: ${c.nodes.length} redis-servers (each replica applies every SET again) and the client ` +
        `share these ${h.cpus} core(s), so absolute figures are far below the standalone mode's ` +
        'and not comparable with them: read the ratios.',
    );
  }
  print(
    `${h.rounds} round(s) x ${h.durationMs} ms per client and caller count (after ${h.warmupMs} ms ` +
      'warm-up); clients alternate within each round, starting one later each round.',
  );
  if (c === undefined) {
    print(
      'Figures: median across rounds of ops/s, of p50 and of p99 (per-command latency, call to ' +
        'settled promise); conns = peak server connections seen while the client ran.',
    );
  } else {
    print(
      'Figures: median across rounds of ops/s, of p50 and of p99 (per-command latency, call to ' +
        'settled promise); conns = peak connections summed over all nodes (connected_clients less ' +
        "the monitor's and a replica's link to its primary) while the client connected and ran; " +
        'by node = that peak split primaries | replicas, in the order above.',
    );
  }
  print(`callers: ${h.callers.join(', ')}`);
  for (const c of h.clients) print(`  ${c.name.padEnd(13)} ${c.description}`);
}

/**
 * `primaries`: in the cluster mode, how many of the leading per-node counts are primaries; the
 * split is printed as "p p p | r r r". Without per-node counts the tables are the standalone ones.
 */
export function printTables(
  summaries: readonly ClientSummary[],
  callers: readonly number[],
  print: (line: string) => void,
  primaries = 0,
): void {
  const byNode = summaries.some((s) => s.peakConnectionsByNode !== undefined);
  for (const n of callers) {
    const rows = summaries.filter((s) => s.callers === n);
    if (rows.length === 0) continue;
    print('');
    print(`${n} caller(s)`);
    const table = [
      ['client', 'ops/s', 'min..max ops/s', 'p50', 'p99', 'conns'],
      ...rows.map((s) => [
        s.client,
        formatCount(s.medianOpsPerSec),
        `${formatCount(s.minOpsPerSec)}..${formatCount(s.maxOpsPerSec)}`,
        formatNs(s.medianP50Ns),
        formatNs(s.medianP99Ns),
        String(s.peakConnections),
      ]),
    ];
    if (byNode) {
      table[0]!.push('by node');
      rows.forEach((s, i) => {
        table[i + 1]!.push(formatByNode(s.peakConnectionsByNode, primaries));
      });
    }
    const note = table[0]!.length;
    table[0]!.push('note');
    rows.forEach((s, i) => {
      table[i + 1]!.push(s.valid ? '' : 'INVALID: wrong replies or rejections (see JSON)');
    });
    printAligned(table, print, new Set([0, note]));
  }
}

export function printRatios(
  ratios: readonly Ratio[],
  ours: string,
  print: (line: string) => void,
): void {
  if (ratios.length === 0) return;
  print('');
  print(`${ours} ops/s ÷ peer ops/s (above 1: ${ours} is faster)`);
  print('  ratio of the medians, and in brackets the median of the per-round ratios');
  const callers = [...new Set(ratios.map((r) => r.callers))];
  const peers = [...new Set(ratios.map((r) => r.peer))];
  const table = [
    ['peer', ...callers.map((n) => `${n} caller(s)`)],
    ...peers.map((peer) => [
      peer,
      ...callers.map((n) => formatRatio(ratios.find((r) => r.peer === peer && r.callers === n))),
    ]),
  ];
  printAligned(table, print);
  const lone = ratios.filter((r) => r.callers === 1);
  if (lone.length > 0) {
    print('');
    print(`${ours} p50 ÷ peer p50 at 1 caller (below 1: ${ours} answers sooner)`);
    printAligned(
      [
        ['peer', 'p50 ratio'],
        ...lone.map((r) => [r.peer, Number.isNaN(r.p50) ? 'n/a' : r.p50.toFixed(2)]),
      ],
      print,
    );
  }
}

/** Per-node connection counts as "1 1 1 | 1 1 1": primaries, then replicas. */
export function formatByNode(counts: readonly number[] | undefined, primaries: number): string {
  if (counts === undefined || counts.length === 0) return 'n/a';
  const head = counts.slice(0, primaries).join(' ');
  const tail = counts.slice(primaries).join(' ');
  return primaries > 0 && tail !== '' ? `${head} | ${tail}` : counts.join(' ');
}

function formatRatio(r: Ratio | undefined): string {
  if (r === undefined || Number.isNaN(r.opsPerSec)) return 'n/a';
  return `${r.opsPerSec.toFixed(2)} (${r.pairedOpsPerSec.toFixed(2)})`;
}

function formatCount(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return 'n/a';
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e3).toFixed(ns < 1e5 ? 1 : 0)} µs`;
}

function printAligned(
  rows: readonly (readonly string[])[],
  print: (line: string) => void,
  leftAligned: ReadonlySet<number> = new Set([0]),
): void {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  for (const row of rows) {
    // Names left-aligned, figures right-aligned so magnitudes line up.
    const cells = row.map((cell, i) =>
      leftAligned.has(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0),
    );
    print(`  ${cells.join('  ').trimEnd()}`);
  }
}
