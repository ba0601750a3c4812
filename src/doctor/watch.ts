/**
 * `--watch`: audit every interval over the same connections and hand each report to the caller
 * (who redraws). Runs until the signal aborts or, for scripts and tests, `maxIterations`
 * reports have been made. The interval is measured from the start of one audit to the start of
 * the next, so a slow audit does not stretch it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type DoctorOptions, DoctorSession } from './doctor.js';
import type { DoctorReport } from './report-model.js';

/** Options of {@link watchDoctor}. */
export interface WatchOptions extends DoctorOptions {
  /** Seconds between audits; fractions allowed. */
  readonly intervalSeconds: number;
  /** Stop after this many reports. @default unlimited */
  readonly maxIterations?: number;
  /** Stop at the next opportunity when aborted; the current wait ends at once. */
  readonly signal?: AbortSignal;
  /** Called with each report, in order, before the next wait. */
  readonly onReport: (report: DoctorReport) => void;
}

/** Run the watch loop; resolves with the last report (undefined if aborted before the first). */
export async function watchDoctor(options: WatchOptions): Promise<DoctorReport | undefined> {
  const session = new DoctorSession(options);
  const now = options.now ?? Date.now;
  const max = options.maxIterations ?? Number.POSITIVE_INFINITY;
  let last: DoctorReport | undefined;
  try {
    for (let i = 0; i < max && options.signal?.aborted !== true; i++) {
      const started = now();
      last = await session.audit({ watch: true });
      options.onReport(last);
      if (i + 1 >= max) break;
      const waitMs = Math.max(0, options.intervalSeconds * 1000 - (now() - started));
      try {
        await delay(
          waitMs,
          undefined,
          options.signal === undefined ? {} : { signal: options.signal },
        );
      } catch {
        // Aborted while waiting: the loop condition ends it.
      }
    }
    return last;
  } finally {
    await session.close();
  }
}
