/**
 * An unbiased shuffle: Fisher–Yates, each position drawn uniformly from those not yet placed.
 * (`sort(() => Math.random() - 0.5)` is biased: the comparator is inconsistent, and what order
 * comes out depends on the sort algorithm; `random() * n` rounded is biased by the float's
 * granularity, which crypto's randomInt avoids by rejection sampling.)
 */
import { randomInt } from 'node:crypto';

/** A uniformly drawn integer in [0, bound). */
export type RandomIndex = (bound: number) => number;

/** A shuffled copy of `list`; the list itself is left as it was. */
export function shuffle<T>(list: readonly T[], randomIndex: RandomIndex = randomInt): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomIndex(i + 1);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}
