/** The one deadline structure: order, delete, reschedule, one timer, many items. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Deadlines } from '../../src/util/deadlines.js';

test('items come due in time order, each once; deleted ones never', async () => {
  const due: string[] = [];
  const d = new Deadlines<string>((item) => due.push(item), { ref: true });
  const now = performance.now();
  d.add('c', now + 30);
  d.add('a', now + 10);
  d.add('b', now + 20);
  d.add('gone', now + 15);
  assert.equal(d.delete('gone'), true);
  assert.equal(d.delete('gone'), false);
  assert.equal(d.size, 3);
  await delay(60);
  assert.deepEqual(due, ['a', 'b', 'c']);
  assert.equal(d.size, 0);
});

test('add() again reschedules; clear() stops everything', async () => {
  const due: string[] = [];
  const d = new Deadlines<string>((item) => due.push(item), { ref: true });
  const now = performance.now();
  d.add('x', now + 10);
  d.add('x', now + 300);
  await delay(30);
  assert.deepEqual(due, []);
  assert.ok(d.has('x'));
  await delay(330);
  assert.deepEqual(due, ['x']);
  d.add('y', performance.now() + 10);
  d.clear();
  await delay(25);
  assert.deepEqual(due, ['x']);
});

test('1000 random items come due sorted, with deletes interleaved', async () => {
  const due: number[] = [];
  const d = new Deadlines<number>((item) => due.push(item), { ref: true });
  const base = performance.now() + 5;
  const times = new Map<number, number>();
  for (let i = 0; i < 1000; i++) {
    const at = base + Math.random() * 40;
    times.set(i, at);
    d.add(i, at);
  }
  for (let i = 0; i < 1000; i += 3) d.delete(i);
  await delay(80);
  assert.equal(due.length, 1000 - 334);
  assert.ok(due.every((item) => item % 3 !== 0));
  for (let i = 1; i < due.length; i++) {
    // Due in time order, to the millisecond the timer fires on.
    assert.ok(times.get(due[i]!)! >= times.get(due[i - 1]!)! - 1);
  }
});

test('an item added from onDue is scheduled normally', async () => {
  const due: string[] = [];
  const d: Deadlines<string> = new Deadlines<string>(
    (item) => {
      due.push(item);
      if (item === 'first') d.add('second', performance.now() + 5);
    },
    { ref: true },
  );
  d.add('first', performance.now() + 5);
  await delay(40);
  assert.deepEqual(due, ['first', 'second']);
});
