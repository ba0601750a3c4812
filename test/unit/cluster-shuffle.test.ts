/** The cluster's shuffle (which nodes a refresh asks first) is unbiased: Fisher–Yates. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shuffle } from '../../src/cluster/shuffle.js';

/** Every sequence of random indexes the shuffle of `n` items can draw, each with bound i+1. */
function allDraws(n: number): number[][] {
  let draws: number[][] = [[]];
  for (let bound = n; bound >= 2; bound--) {
    draws = draws.flatMap((d) => Array.from({ length: bound }, (_, j) => [...d, j]));
  }
  return draws;
}

describe('shuffle', () => {
  it('maps the n! equally likely draws one-to-one onto the n! orders (no order favoured)', () => {
    for (const n of [1, 2, 3, 4, 5]) {
      const items = Array.from({ length: n }, (_, i) => i);
      const seen = new Map<string, number>();
      for (const draw of allDraws(n)) {
        const queue = [...draw];
        const bounds: number[] = [];
        const out = shuffle(items, (bound) => {
          bounds.push(bound);
          const j = queue.shift()!;
          assert.ok(j < bound);
          return j;
        });
        // Each draw is uniform over the positions not yet placed: bounds n, n-1, …, 2.
        assert.deepEqual(
          bounds,
          Array.from({ length: Math.max(0, n - 1) }, (_, i) => n - i),
        );
        assert.deepEqual([...out].sort(), items);
        const key = out.join(',');
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      const factorial = items.reduce((f, i) => f * (i + 1), 1);
      assert.equal(seen.size, factorial, `every order of ${n} items is reachable`);
      for (const count of seen.values()) assert.equal(count, 1, 'and by exactly one draw');
    }
  });

  it('leaves its input alone and, with the default source, puts each item first about equally often', () => {
    const items = ['a', 'b', 'c', 'd'];
    const first = new Map<string, number>();
    const runs = 40_000;
    for (let i = 0; i < runs; i++) {
      const out = shuffle(items);
      first.set(out[0]!, (first.get(out[0]!) ?? 0) + 1);
    }
    assert.deepEqual(items, ['a', 'b', 'c', 'd']);
    // Expected 10,000 each; a biased comparator sort misses this band by thousands. The band is
    // ±6 standard deviations (σ ≈ 87), so a fair shuffle fails it about once in 10^8 runs.
    for (const item of items) {
      const n = first.get(item) ?? 0;
      assert.ok(Math.abs(n - runs / 4) < 520, `${item} first ${n} times of ${runs}`);
    }
  });
});
