/**
 * RingQueue: the FIFO under every connection's in-flight list. Besides the direct cases, a
 * fast-check run drives it and a plain array with the same random operations and compares them
 * after each step; small initial capacities make wrap-around and growth frequent.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RingQueue } from '../../src/util/ring-queue.js';

/** Everything observable, oldest first, through the public API only. */
function contents<T>(q: RingQueue<T>): T[] {
  const out: T[] = [];
  for (let i = 0; i < q.length; i++) out.push(q.at(i) as T);
  return out;
}

describe('RingQueue', () => {
  test('starts empty', () => {
    const q = new RingQueue<number>();
    assert.equal(q.length, 0);
    assert.equal(q.shift(), undefined);
    assert.equal(q.peek(), undefined);
    assert.equal(q.at(0), undefined);
    assert.deepEqual(q.drain(), []);
  });

  test('push, peek, shift in FIFO order', () => {
    const q = new RingQueue<string>(4);
    q.push('a');
    q.push('b');
    q.push('c');
    assert.equal(q.length, 3);
    assert.equal(q.peek(), 'a');
    assert.equal(q.shift(), 'a');
    assert.equal(q.peek(), 'b');
    assert.equal(q.length, 2);
    assert.equal(q.shift(), 'b');
    assert.equal(q.shift(), 'c');
    assert.equal(q.shift(), undefined);
    assert.equal(q.length, 0);
  });

  test('at() indexes from the head and is undefined outside [0, length)', () => {
    const q = new RingQueue<number>(2);
    for (let i = 0; i < 5; i++) q.push(i);
    q.shift();
    assert.deepEqual(contents(q), [1, 2, 3, 4]);
    assert.equal(q.at(-1), undefined);
    assert.equal(q.at(4), undefined);
    assert.equal(q.at(100), undefined);
  });

  test('grows while wrapped and keeps the order', () => {
    const q = new RingQueue<number>(4);
    for (let i = 0; i < 4; i++) q.push(i);
    q.shift();
    q.shift();
    q.push(4);
    q.push(5); // the ring is full and wrapped: head in the middle, tail behind it
    q.push(6); // grows here
    q.push(7);
    assert.deepEqual(contents(q), [2, 3, 4, 5, 6, 7]);
    assert.deepEqual(q.drain(), [2, 3, 4, 5, 6, 7]);
    assert.equal(q.length, 0);
  });

  test('capacities below 2 and not powers of two still work', () => {
    for (const capacity of [0, 1, 3, 5, 17]) {
      const q = new RingQueue<number>(capacity);
      for (let i = 0; i < 40; i++) q.push(i);
      assert.deepEqual(
        q.drain(),
        Array.from({ length: 40 }, (_, i) => i),
        `capacity ${capacity}`,
      );
    }
  });

  test('drain() empties the queue and returns items oldest first', () => {
    const q = new RingQueue<number>(2);
    for (let i = 0; i < 3; i++) q.push(i);
    q.shift();
    q.push(3);
    assert.deepEqual(q.drain(), [1, 2, 3]);
    assert.equal(q.length, 0);
    q.push(9);
    assert.deepEqual(contents(q), [9]);
  });

  test('drain() returns undefined and null items too', () => {
    const q = new RingQueue<number | undefined | null>();
    q.push(1);
    q.push(undefined);
    q.push(null);
    q.push(2);
    assert.deepEqual(q.drain(), [1, undefined, null, 2]);
    assert.equal(q.length, 0);
  });

  test('remove() takes the first match out and keeps the rest in order', () => {
    const q = new RingQueue<{ id: number }>(4);
    for (let i = 0; i < 4; i++) q.push({ id: i });
    q.shift();
    q.push({ id: 4 });
    q.push({ id: 3 }); // a second id 3: only the first match goes
    const removed = q.remove((item) => item.id === 3);
    assert.deepEqual(removed, { id: 3 });
    assert.deepEqual(
      contents(q).map((item) => item.id),
      [1, 2, 4, 3],
    );
    assert.equal(
      q.remove((item) => item.id === 42),
      undefined,
    );
    assert.equal(q.length, 4);
  });

  test('remove() of the head and of the tail', () => {
    const q = new RingQueue<number>(2);
    for (let i = 0; i < 5; i++) q.push(i);
    assert.equal(
      q.remove((n) => n === 0),
      0,
    );
    assert.equal(
      q.remove((n) => n === 4),
      4,
    );
    assert.deepEqual(contents(q), [1, 2, 3]);
    q.push(5);
    assert.deepEqual(q.drain(), [1, 2, 3, 5]);
  });

  test('shift() releases the reference it returns', () => {
    // Not observable directly; a removed item must at least not be reachable through at().
    const q = new RingQueue<object>(2);
    const item = {};
    q.push(item);
    q.shift();
    q.push({});
    assert.notEqual(q.at(0), item);
    assert.equal(q.at(1), undefined);
  });
});

type Op =
  | { readonly op: 'push'; readonly value: number }
  | { readonly op: 'shift' }
  | { readonly op: 'peek' }
  | { readonly op: 'at'; readonly index: number }
  | { readonly op: 'drain' }
  | { readonly op: 'remove'; readonly value: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  // Weighted towards push so that the queue actually fills, wraps and grows.
  {
    arbitrary: fc.record({ op: fc.constant('push'), value: fc.integer({ min: 0, max: 9 }) }),
    weight: 5,
  },
  { arbitrary: fc.record({ op: fc.constant('shift') }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('peek') }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant('at'), index: fc.integer({ min: -2, max: 40 }) }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant('drain') }), weight: 1 },
  {
    arbitrary: fc.record({ op: fc.constant('remove'), value: fc.integer({ min: 0, max: 9 }) }),
    weight: 2,
  },
);

test('RingQueue behaves like an array under random operations', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 9 }),
      fc.array(opArb, { maxLength: 300 }),
      (capacity, ops) => {
        const q = new RingQueue<number>(capacity);
        const model: number[] = [];
        for (const step of ops) {
          switch (step.op) {
            case 'push':
              q.push(step.value);
              model.push(step.value);
              break;
            case 'shift':
              assert.equal(q.shift(), model.shift());
              break;
            case 'peek':
              assert.equal(q.peek(), model[0]);
              break;
            case 'at':
              assert.equal(q.at(step.index), step.index < 0 ? undefined : model[step.index]);
              break;
            case 'drain':
              assert.deepEqual(q.drain(), model.splice(0));
              break;
            case 'remove': {
              const i = model.indexOf(step.value);
              const expected = i === -1 ? undefined : model.splice(i, 1)[0];
              assert.equal(
                q.remove((n) => n === step.value),
                expected,
              );
              break;
            }
          }
          assert.equal(q.length, model.length);
          assert.deepEqual(contents(q), model);
        }
      },
    ),
    { numRuns: 500 },
  );
});
