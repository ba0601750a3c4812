/**
 * The burst every incident-1 replay runs: `callers` concurrent callers, each doing
 * `opsPerCaller` operations in sequence, cycling SET, GET, INCR. It checks its own replies as it
 * goes (a GET must return what the same caller just SET) and returns the numbers the report
 * needs to show that the results are right, not just fast.
 *
 * Keys: `<prefix>caller:<i>` per caller, and one shared `<prefix>counter` that every INCR hits,
 * so the final counter must equal the number of INCRs that succeeded.
 */
import { performance } from 'node:perf_hooks';

/** The three operations, over whichever connection strategy is being replayed. */
export interface KvStore {
  set(key: string, value: string): Promise<unknown>;
  get(key: string): Promise<string | null>;
  incr(key: string): Promise<number>;
}

/** The shape of one burst. */
export interface WorkloadOptions {
  readonly callers: number;
  readonly opsPerCaller: number;
  /** Prefix of every key the workload touches; unique per run. */
  readonly prefix: string;
}

/** What one burst did, counted by the workload itself. */
export interface WorkloadResult {
  /** Operations that got a reply. */
  readonly completed: number;
  /** Operations that failed (transport error, error reply). */
  readonly errors: number;
  /** The first failure, for the report. */
  readonly firstError: Error | undefined;
  /** GETs that did not return the value the same caller had just SET. */
  readonly wrongReplies: number;
  /** INCRs that succeeded: the value the counter must hold. */
  readonly incrs: number;
  readonly elapsedMs: number;
}

/** The key every INCR of a run hits. */
export function counterKey(prefix: string): string {
  return `${prefix}counter`;
}

/** Every key a run may have written, for cleanup. */
export function workloadKeys(options: WorkloadOptions): string[] {
  const keys = [counterKey(options.prefix)];
  for (let i = 0; i < options.callers; i++) keys.push(callerKey(options.prefix, i));
  return keys;
}

/** Run the burst: every caller starts in the same turn, as concurrent requests would. */
export async function runWorkload(
  store: KvStore,
  options: WorkloadOptions,
): Promise<WorkloadResult> {
  const tally = { completed: 0, errors: 0, wrongReplies: 0, incrs: 0 };
  let firstError: Error | undefined;
  const fail = (error: unknown): void => {
    tally.errors++;
    firstError ??= error instanceof Error ? error : new Error(String(error));
  };
  const counter = counterKey(options.prefix);

  const caller = async (i: number): Promise<void> => {
    const key = callerKey(options.prefix, i);
    let expected: string | undefined;
    for (let op = 0; op < options.opsPerCaller; op++) {
      try {
        switch (op % 3) {
          case 0: {
            const value = `${i}:${op}`;
            expected = undefined;
            await store.set(key, value);
            expected = value;
            break;
          }
          case 1: {
            const value = await store.get(key);
            // Only judged after a SET that succeeded; a failed SET leaves nothing to compare.
            if (expected !== undefined && value !== expected) tally.wrongReplies++;
            break;
          }
          default:
            await store.incr(counter);
            tally.incrs++;
        }
        tally.completed++;
      } catch (error) {
        fail(error);
      }
    }
  };

  const started = performance.now();
  const callers: Promise<void>[] = [];
  for (let i = 0; i < options.callers; i++) callers.push(caller(i));
  await Promise.all(callers);
  const elapsedMs = performance.now() - started;
  return { ...tally, firstError, elapsedMs };
}

function callerKey(prefix: string, i: number): string {
  return `${prefix}caller:${i}`;
}
