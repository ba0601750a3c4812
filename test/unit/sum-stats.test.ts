/**
 * sumStats: a cluster's total over its nodes. No node at all (between topologies) gives zeros,
 * not missing fields; counts add up and the longest wait is the longest of any node.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClientStats } from '../../src/client/stats.js';
import { sumStats } from '../../src/cluster/sum-stats.js';

test('no nodes: every field is 0', () => {
  const total = sumStats([]);
  assert.equal(total.open + total.connecting, 0);
  for (const [key, value] of Object.entries(total)) assert.equal(value, 0, key);
});

test('counts add up; leaseMaxWaitMs is a maximum', () => {
  const zero = sumStats([]);
  const a: ClientStats = { ...zero, open: 2, connecting: 1, leaseMaxWaitMs: 40 };
  const b: ClientStats = { ...zero, open: 3, leaseMaxWaitMs: 25 };
  const total = sumStats([a, b]);
  assert.equal(total.open, 5);
  assert.equal(total.connecting, 1);
  assert.equal(total.leaseMaxWaitMs, 40);
});
