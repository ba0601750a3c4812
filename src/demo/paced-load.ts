/**
 * Steady traffic at a fixed rate: operation k starts at `k / rate` seconds, whether or not the
 * earlier ones have finished, as requests arriving at a server would. A slow operation therefore
 * raises concurrency instead of lowering the rate, which is what makes a pool grow.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';

/** What one paced run did. */
export interface PacedResult {
  /** Operations started. */
  readonly started: number;
  /** Operations that resolved. */
  readonly completed: number;
  /** Operations that rejected. */
  readonly errors: number;
  /** The first rejection, for the report. */
  readonly firstError: Error | undefined;
}

/**
 * Start `ratePerSecond` operations per second for `durationMs`, then wait for the last to
 * settle. `op` gets the operation's index; a rejection is counted, never thrown.
 */
export async function runPaced(
  ratePerSecond: number,
  durationMs: number,
  op: (index: number) => Promise<unknown>,
): Promise<PacedResult> {
  const total = Math.floor((durationMs * ratePerSecond) / 1000);
  const intervalMs = 1000 / ratePerSecond;
  const tally = { completed: 0, errors: 0 };
  let firstError: Error | undefined;
  const running: Promise<void>[] = [];
  const start = performance.now();
  for (let k = 0; k < total; k++) {
    // Scheduled from the start time, not the previous op: timer lateness does not accumulate.
    const wait = start + k * intervalMs - performance.now();
    if (wait > 0) await delay(wait);
    running.push(
      op(k).then(
        () => {
          tally.completed++;
        },
        (error: unknown) => {
          tally.errors++;
          firstError ??= error instanceof Error ? error : new Error(String(error));
        },
      ),
    );
  }
  await Promise.all(running);
  return { started: total, ...tally, firstError };
}
