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
}

export function printHeader(h: RunHeader, print: (line: string) => void): void {
  print('respool end-to-end benchmark: SET/GET alternating, 16-byte values, keys k{caller}');
  print(`node ${h.node}, redis-server ${h.redisVersion}, ${h.cpus} CPU(s): ${h.cpuModel}`);
  print(`respool revision ${h.revision}`);
  print(
    'The client under test and redis-server share these cores: a client that burns more CPU ' +
      'also slows the server it talks to.',
  );
  print(
    `${h.rounds} round(s) x ${h.durationMs} ms per client and caller count (after ${h.warmupMs} ms ` +
      'warm-up); clients alternate within each round, starting one later each round.',
  );
  print(
    'Figures: median across rounds of ops/s, of p50 and of p99 (per-command latency, call to ' +
      'settled promise); conns = peak server connections seen while the client ran.',
  );
  print(`callers: ${h.callers.join(', ')}`);
  for (const c of h.clients) print(`  ${c.name.padEnd(13)} ${c.description}`);
}

export function printTables(
  summaries: readonly ClientSummary[],
  callers: readonly number[],
  print: (line: string) => void,
): void {
  for (const n of callers) {
    const rows = summaries.filter((s) => s.callers === n);
    if (rows.length === 0) continue;
    print('');
    print(`${n} caller(s)`);
    const table = [
      ['client', 'ops/s', 'min..max ops/s', 'p50', 'p99', 'conns', 'note'],
      ...rows.map((s) => [
        s.client,
        formatCount(s.medianOpsPerSec),
        `${formatCount(s.minOpsPerSec)}..${formatCount(s.maxOpsPerSec)}`,
        formatNs(s.medianP50Ns),
        formatNs(s.medianP99Ns),
        String(s.peakConnections),
        s.valid ? '' : 'INVALID: wrong replies or rejections (see JSON)',
      ]),
    ];
    printAligned(table, print, new Set([0, 6]));
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
