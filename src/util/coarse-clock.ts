/**
 * A monotonic clock read at most once per tick. Stamping each command's deadline with
 * performance.now() cost ~48 ns per command (bench/micro/command.bench.ts) — several percent of
 * the whole per-command budget at high load. Commands issued in the same synchronous run share
 * one reading instead; the cache is dropped on the next tick, so a reading is never older than
 * the synchronous run that took it (a deadline can come early by that much, never late).
 */
let cached = -1;

function invalidate(): void {
  cached = -1;
}

/** performance.now(), cached until the next tick. */
export function coarseNow(): number {
  if (cached < 0) {
    cached = performance.now();
    process.nextTick(invalidate);
  }
  return cached;
}
