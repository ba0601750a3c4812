/**
 * The measured load: N concurrent callers, each alternating `SET k{i} v` and `GET k{i}` in a loop
 * for a fixed time, one command in flight per caller. Every reply is checked (SET → OK, GET → the
 * caller's own value), so a client that answers wrongly or not at all cannot post a fast number.
 */
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import type { BenchClient } from './client-adapter.js';

// Latencies are recorded in nanoseconds; 60 s is far beyond any sane reply, and 3 significant
// figures keep the histogram small while p99 stays exact to 0.1%.
const HISTOGRAM_MAX_NS = 60e9;

export interface WorkloadResult {
  readonly callers: number;
  /** Commands completed (and checked) inside the measured window. */
  readonly ops: number;
  /** The window's length, measured, in milliseconds. */
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  /** Per-command latency in nanoseconds: from the call to the settled promise. */
  readonly histogram: RecordableHistogram;
  /** Replies that were not what the command must return (including error replies). */
  readonly wrongReplies: number;
  /** Commands whose promise rejected; a caller stops at its first rejection. */
  readonly rejections: number;
  /** The first wrong reply or rejection, for the report. */
  readonly firstProblem: string | undefined;
}

/** The 16-byte value caller `i` writes: distinct per caller so a crossed reply is caught. */
export function valueFor(i: number): string {
  return `value-${String(i).padStart(10, '0')}`;
}

/**
 * Runs `callers` loops against `client` for `durationMs` and reports what completed inside that
 * window. Commands still in flight when the window closes are awaited (so the client is idle
 * afterwards) but neither counted nor recorded.
 */
export async function runWorkload(
  client: BenchClient,
  callers: number,
  durationMs: number,
): Promise<WorkloadResult> {
  const histogram = createHistogram({ lowest: 1, highest: HISTOGRAM_MAX_NS, figures: 3 });
  let running = true;
  let ops = 0;
  let wrongReplies = 0;
  let rejections = 0;
  let firstProblem: string | undefined;
  const problem = (text: string): void => {
    firstProblem ??= text;
  };

  const caller = async (i: number): Promise<void> => {
    const key = `k${i}`;
    const value = valueFor(i);
    try {
      // One clock read per command: the end of one command is the start of the next (the reply
      // check in between costs nanoseconds), which halves the harness's share of the CPU.
      let t0 = performance.now();
      while (running) {
        const setReply = await client.set(key, value);
        const t1 = performance.now();
        if (!running) return;
        ops++;
        histogram.record(Math.max(1, Math.round((t1 - t0) * 1e6)));
        if (setReply !== 'OK') {
          wrongReplies++;
          problem(`SET ${key} replied ${String(setReply)}`);
        }
        const getReply = await client.get(key);
        t0 = performance.now();
        if (!running) return;
        ops++;
        histogram.record(Math.max(1, Math.round((t0 - t1) * 1e6)));
        if (getReply !== value) {
          wrongReplies++;
          problem(`GET ${key} replied ${String(getReply)}, expected ${value}`);
        }
      }
    } catch (error) {
      rejections++;
      problem(`caller ${i}: ${(error as Error).message}`);
    }
  };

  const started = performance.now();
  let stopped = started;
  const timer = setTimeout(() => {
    running = false;
    // The timer may fire late on a loaded loop; the window is what actually elapsed.
    stopped = performance.now();
  }, durationMs);
  const loops: Promise<void>[] = [];
  for (let i = 0; i < callers; i++) loops.push(caller(i));
  await Promise.all(loops);
  clearTimeout(timer);
  if (running) {
    // Every caller stopped on a rejection before the window closed.
    running = false;
    stopped = performance.now();
  }
  const elapsedMs = stopped - started;
  return {
    callers,
    ops,
    elapsedMs,
    opsPerSec: elapsedMs > 0 ? (ops * 1000) / elapsedMs : 0,
    histogram,
    wrongReplies,
    rejections,
    firstProblem,
  };
}
