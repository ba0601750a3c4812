/**
 * The in-flight queue: RingQueue against a plain Array with push/shift, at the depth a connection
 * carries with 500 callers. Two shapes: a burst (fill 500, drain 500) and the steady state of a
 * busy connection (500 in flight, each reply shifts one and each new command pushes one).
 */
import { bench, do_not_optimize, group, summary } from 'mitata';
import { RingQueue } from '../../src/util/ring-queue.js';

const DEPTH = 500;

interface Item {
  readonly id: number;
}

const ITEMS: readonly Item[] = Array.from({ length: DEPTH }, (_, id) => ({ id }));

function burstBenches(): void {
  // Queues are built once: construction is not on the hot path, reuse is.
  const ring = new RingQueue<Item>(64);
  const array: Item[] = [];
  summary(() => {
    bench(`RingQueue: push ${DEPTH}, shift ${DEPTH}`, () => {
      for (let i = 0; i < DEPTH; i++) ring.push(ITEMS[i]!);
      let sum = 0;
      for (let i = 0; i < DEPTH; i++) sum += ring.shift()!.id;
      do_not_optimize(sum);
    });
    bench(`Array: push ${DEPTH}, shift ${DEPTH}`, () => {
      for (let i = 0; i < DEPTH; i++) array.push(ITEMS[i]!);
      let sum = 0;
      for (let i = 0; i < DEPTH; i++) sum += array.shift()!.id;
      do_not_optimize(sum);
    });
  });
}

function steadyBenches(): void {
  const ring = new RingQueue<Item>(64);
  const array: Item[] = [];
  for (let i = 0; i < DEPTH; i++) {
    ring.push(ITEMS[i]!);
    array.push(ITEMS[i]!);
  }
  summary(() => {
    bench(`RingQueue: ${DEPTH} in flight, ${DEPTH} x (shift + push)`, () => {
      let sum = 0;
      for (let i = 0; i < DEPTH; i++) {
        const item = ring.shift()!;
        sum += item.id;
        ring.push(item);
      }
      do_not_optimize(sum);
    });
    bench(`Array: ${DEPTH} in flight, ${DEPTH} x (shift + push)`, () => {
      let sum = 0;
      for (let i = 0; i < DEPTH; i++) {
        const item = array.shift()!;
        sum += item.id;
        array.push(item);
      }
      do_not_optimize(sum);
    });
  });
}

export function registerRingQueueBenches(): void {
  group(`ring queue: burst of ${DEPTH}`, burstBenches);
  group(`ring queue: steady state, ${DEPTH} in flight`, steadyBenches);
}
