/** The one backoff rule: caps, the three jitters, decorrelated jitter, bounds under extremes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backoffCapMs,
  backoffDelayMs,
  decorrelatedJitter,
  jittered,
} from '../../src/util/backoff.js';

const O = { baseMs: 100, maxMs: 5_000 };

test('the cap doubles from baseMs and stops at maxMs', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCapMs(n, O)),
    [100, 200, 400, 800, 1600, 3200, 5000, 5000],
  );
  // 0 failures counts as the first; absurd counts stay finite and capped.
  assert.equal(backoffCapMs(0, O), 100);
  assert.equal(backoffCapMs(10_000, O), 5_000);
  assert.equal(backoffCapMs(1_000, { baseMs: 1, maxMs: Number.MAX_SAFE_INTEGER }), 2 ** 30);
});

test('equal jitter is between half and all of the cap; full from 0; none is the cap', () => {
  assert.equal(
    backoffDelayMs(3, O, () => 0),
    200,
  );
  assert.equal(
    backoffDelayMs(3, O, () => 0.999999),
    400,
  );
  assert.equal(
    backoffDelayMs(3, { ...O, jitter: 'full' }, () => 0),
    0,
  );
  assert.equal(
    backoffDelayMs(3, { ...O, jitter: 'full' }, () => 0.5),
    200,
  );
  assert.equal(
    backoffDelayMs(3, { ...O, jitter: 'none' }, () => 0.3),
    400,
  );
  assert.equal(
    jittered(1000, 'equal', () => 0.5),
    750,
  );
});

test('with the real random source, 1000 draws stay inside their bounds and spread out', () => {
  const draws = Array.from({ length: 1000 }, () => backoffDelayMs(4, O));
  assert.ok(draws.every((d) => d >= 400 && d <= 800 && Number.isInteger(d)));
  assert.ok(new Set(draws).size > 100, 'not in lockstep');
  const full = Array.from({ length: 1000 }, () => backoffDelayMs(4, { ...O, jitter: 'full' }));
  assert.ok(full.every((d) => d >= 0 && d <= 800));
  assert.ok(Math.min(...full) < 100, 'full jitter reaches near 0');
});

test('decorrelated jitter grows from the previous delay, between baseMs and maxMs', () => {
  assert.equal(
    decorrelatedJitter(0, O, () => 0.999),
    100,
  );
  assert.equal(
    decorrelatedJitter(1000, O, () => 0),
    100,
  );
  assert.equal(
    decorrelatedJitter(1000, O, () => 0.5),
    1550,
  );
  assert.equal(
    decorrelatedJitter(4000, O, () => 0.999),
    5000,
  );
  let d = 0;
  for (let i = 0; i < 100; i++) {
    d = decorrelatedJitter(d, O);
    assert.ok(d >= 100 && d <= 5000);
  }
});
