import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { keySlot } from '../../src/cluster/slot.js';
import { getKeyIndexes } from '../../src/commands/keys.js';
import { mergeAllNodes } from '../../src/proxy/fanout/all-nodes.js';
import { commandName } from '../../src/proxy/fanout/command-name.js';
import { mergeMultiKey, splitMultiKey } from '../../src/proxy/fanout/multi-key.js';
import { type FanoutContext, planFanout } from '../../src/proxy/fanout/plan.js';
import {
  decodeScanCursor,
  encodeScanCursor,
  planScan,
  rewriteScanReply,
} from '../../src/proxy/fanout/scan-cursor.js';

const b = (s: string): Buffer => Buffer.from(s);
const cmd = (...parts: string[]): Buffer[] => parts.map(b);
const bulk = (v: Buffer | null, resp3 = false): Buffer =>
  v === null
    ? b(resp3 ? '_\r\n' : '$-1\r\n')
    : Buffer.concat([b(`$${v.length}\r\n`), v, b('\r\n')]);
const array = (items: Buffer[]): Buffer => Buffer.concat([b(`*${items.length}\r\n`), ...items]);

/** A model server: what one Redis answers to MGET / DEL / EXISTS over a key-value map. */
function serve(store: Map<string, Buffer>, args: readonly Buffer[], resp3: boolean): Buffer {
  const name = args[0]!.toString().toUpperCase();
  const keys = args.slice(1);
  if (name === 'MGET') return array(keys.map((k) => bulk(store.get(k.toString()) ?? null, resp3)));
  if (name === 'EXISTS') return b(`:${keys.filter((k) => store.has(k.toString())).length}\r\n`);
  if (name === 'MSET') return b('+OK\r\n');
  throw new Error(`model server: ${name}`);
}

const keyArb = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('{user1}:a', '{user1}:b', 'x', 'y', 'é', ''),
);

describe('multi-key split and merge', () => {
  it('MGET: merge(split(keys)) equals one server answering all keys, byte for byte', () => {
    fc.assert(
      fc.property(
        fc.array(keyArb, { minLength: 1, maxLength: 30 }),
        fc.dictionary(keyArb, fc.uint8Array({ maxLength: 20 })),
        fc.integer({ min: 1, max: 7 }),
        fc.boolean(),
        (keys, values, targets, resp3) => {
          const store = new Map(
            Object.entries(values).map(([k, v]) => [k, Buffer.from(v)] as [string, Buffer]),
          );
          const args = cmd('MGET', ...keys);
          const plan = splitMultiKey('MGET', args, (k) => keySlot(k) % targets)!;
          const replies = plan.subs.map((s) => serve(store, s.args, resp3));
          assert.deepEqual(mergeMultiKey(plan, replies), serve(store, args, resp3));
          // Every key is in exactly one sub-command, and each sub-command has one target.
          const seen = plan.subs.flatMap((s) => s.keyPositions).sort((x, y) => x - y);
          assert.deepEqual(
            seen,
            keys.map((_, i) => i),
          );
          for (const s of plan.subs) {
            for (const k of s.args.slice(1)) assert.equal(keySlot(k) % targets, s.target);
          }
        },
      ),
    );
  });

  it('EXISTS and DEL sum; repeated keys count each time, as on one server', () => {
    fc.assert(
      fc.property(
        fc.array(keyArb, { minLength: 1, maxLength: 30 }),
        fc.array(keyArb),
        fc.integer({ min: 1, max: 5 }),
        (keys, present, targets) => {
          const store = new Map(present.map((k) => [k, b('1')] as [string, Buffer]));
          const args = cmd('EXISTS', ...keys);
          const plan = splitMultiKey('EXISTS', args, (k) => keySlot(k) % targets)!;
          const merged = mergeMultiKey(
            plan,
            plan.subs.map((s) => serve(store, s.args, false)),
          );
          assert.deepEqual(merged, serve(store, args, false));
        },
      ),
    );
  });

  it('MSET carries each value with its key and merges to +OK', () => {
    const args = cmd('MSET', 'a', '1', 'b', '2', 'c', '3');
    const plan = splitMultiKey('MSET', args, (k) => (k.toString() === 'b' ? 1 : 0))!;
    assert.deepEqual(
      plan.subs.map((s) => s.args.map(String)),
      [
        ['MSET', 'a', '1', 'c', '3'],
        ['MSET', 'b', '2'],
      ],
    );
    assert.deepEqual(mergeMultiKey(plan, [b('+OK\r\n'), b('+OK\r\n')]), b('+OK\r\n'));
  });

  it('the first error wins, in sub-command order', () => {
    const plan = splitMultiKey('MGET', cmd('MGET', 'a', 'b', 'c'), (k) => k[0]! - 97)!;
    const merged = mergeMultiKey(plan, [
      array([bulk(b('1'))]),
      b('-TRYAGAIN Multiple keys request during rehashing of slot\r\n'),
      b('-ERR later\r\n'),
    ]);
    assert.equal(merged.toString(), '-TRYAGAIN Multiple keys request during rehashing of slot\r\n');
  });

  it('a single target keeps the client args and relays the reply as it is', () => {
    const args = cmd('DEL', '{t}a', '{t}b');
    const plan = splitMultiKey('DEL', args, keySlot)!;
    assert.equal(plan.subs.length, 1);
    assert.equal(plan.subs[0]!.args, args);
    const reply = b(':2\r\n');
    assert.equal(mergeMultiKey(plan, [reply]), reply);
  });

  it('malformed commands are not split (the server answers its arity error)', () => {
    assert.equal(splitMultiKey('MGET', cmd('MGET'), keySlot), undefined);
    assert.equal(splitMultiKey('MSET', cmd('MSET', 'a', '1', 'b'), keySlot), undefined);
    assert.equal(splitMultiKey('GET', cmd('GET', 'a'), keySlot), undefined);
  });

  it('a reply of the wrong shape becomes an -ERR, never a broken frame', () => {
    const plan = splitMultiKey('MGET', cmd('MGET', 'a', 'b'), (k) => k[0]!)!;
    const merged = mergeMultiKey(plan, [array([bulk(b('1')), bulk(b('2'))]), array([])]);
    assert.match(merged.toString(), /^-ERR unexpected reply to part of a split MGET/);
    const truncated = mergeMultiKey(plan, [b('*1\r\n$5\r\nab'), array([bulk(null)])]);
    assert.match(truncated.toString(), /^-ERR /);
    assert.match(
      mergeMultiKey(splitMultiKey('DEL', cmd('DEL', 'a', 'b'), (k) => k[0]!)!, [
        b(':1\r\n'),
        b('+OK\r\n'),
      ]).toString(),
      /^-ERR unexpected reply to part of a split a counting command/,
    );
  });
});

describe('all-node fan-outs', () => {
  it('DBSIZE sums, KEYS concatenates, FLUSHALL needs every OK', () => {
    assert.equal(
      mergeAllNodes('sum', [b(':3\r\n'), b(':0\r\n'), b(':4\r\n')]).toString(),
      ':7\r\n',
    );
    const keys = mergeAllNodes('concat', [
      array([bulk(b('a'))]),
      array([]),
      array([bulk(b('b')), bulk(b('c'))]),
    ]);
    assert.deepEqual(keys, array([bulk(b('a')), bulk(b('b')), bulk(b('c'))]));
    assert.equal(mergeAllNodes('all-ok', [b('+OK\r\n'), b('+OK\r\n')]).toString(), '+OK\r\n');
    assert.equal(
      mergeAllNodes('all-ok', [b('+OK\r\n'), b('-READONLY no\r\n')]).toString(),
      '-READONLY no\r\n',
    );
    assert.match(mergeAllNodes('same', [bulk(b('x')), bulk(b('y'))]).toString(), /differently/);
  });
});

describe('SCAN across nodes', () => {
  it('cursors round-trip and start at 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1023 }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (node, nodeCursor) => {
          const cursor = encodeScanCursor(node, nodeCursor);
          assert.deepEqual(decodeScanCursor(cursor, 1024), { node, nodeCursor });
        },
      ),
    );
    assert.deepEqual(decodeScanCursor('0', 3), { node: 0, nodeCursor: 0n });
    assert.equal(decodeScanCursor('5', 3), undefined, 'node 5 of 3');
    assert.equal(decodeScanCursor('-1', 3), undefined);
    assert.equal(decodeScanCursor('abc', 3), undefined);
  });

  it('walks every node in turn and ends with cursor 0', () => {
    // Three model nodes, each walking its keys two at a time.
    const nodes = [['a', 'b', 'c'], [], ['d']];
    const scanNode = (node: number, cursor: number): Buffer => {
      const keys = nodes[node]!.slice(cursor, cursor + 2);
      const next = cursor + 2 >= nodes[node]!.length ? 0 : cursor + 2;
      return array([bulk(b(String(next))), array(keys.map((k) => bulk(b(k))))]);
    };
    const seen: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const step = planScan(cmd('SCAN', cursor, 'COUNT', '2'), nodes.length);
      assert.ok('node' in step);
      assert.equal(step.args[2]!.toString(), 'COUNT');
      const reply = rewriteScanReply(
        scanNode(step.node, Number(step.args[1]!.toString())),
        step.node,
        nodes.length,
      );
      const text = reply.toString().split('\r\n');
      cursor = text[2]!;
      for (let i = 5; i < text.length - 1; i += 2) seen.push(text[i]!);
      calls++;
    } while (cursor !== '0' && calls < 20);
    assert.deepEqual(seen, ['a', 'b', 'c', 'd']);
    assert.equal(calls, 4, 'node 0 twice, node 1 once, node 2 once');
  });

  it('refuses a foreign cursor with Redis’s own text', () => {
    const step = planScan(cmd('SCAN', 'xyz'), 3);
    assert.ok('error' in step);
    assert.equal(step.error.toString(), '-ERR invalid cursor\r\n');
  });
});

describe('planFanout', () => {
  const context = (shape: 'cluster' | 'shards'): FanoutContext => ({
    shape,
    targetOf: keySlot,
    nodeCount: 3,
    keysOf: (args) => getKeyIndexes(args),
  });

  it('classifies commands', () => {
    const c = context('cluster');
    assert.equal(planFanout(cmd('get', 'a'), c).kind, 'route');
    assert.equal(planFanout(cmd('mget', 'a', 'b'), c).kind, 'split');
    assert.equal(planFanout(cmd('dbsize'), c).kind, 'all');
    assert.equal(planFanout(cmd('script', 'flush'), c).kind, 'all');
    assert.equal(planFanout(cmd('scan', '0'), c).kind, 'scan');
    assert.equal(planFanout(cmd('select', '0'), c).kind, 'route');
    assert.equal(planFanout(cmd('rename', '{t}a', '{t}b'), c).kind, 'route');
  });

  it('refuses with clear text', () => {
    const c = context('cluster');
    const refused = (args: Buffer[], ctx = c): string => {
      const plan = planFanout(args, ctx);
      assert.equal(plan.kind, 'refuse');
      return plan.kind === 'refuse' ? plan.reply.toString() : '';
    };
    assert.equal(refused(cmd('select', '2')), '-ERR SELECT is not allowed in cluster mode\r\n');
    assert.equal(
      refused(cmd('cluster', 'slots')),
      '-ERR This instance has cluster support disabled\r\n',
    );
    assert.match(refused(cmd('bgsave')), /^-ERR BGSAVE is not supported through respool proxy/);
    assert.equal(
      refused(cmd('rename', 'a', 'b')),
      "-CROSSSLOT Keys in request don't hash to the same slot\r\n",
    );
    assert.match(
      refused(cmd('msetnx', 'a', '1', 'b', '2'), context('shards')),
      /^-ERR MSETNX: keys in request map to different shards/,
    );
  });

  it('normalises command names, with container subcommands', () => {
    assert.equal(commandName(cmd('Script', 'Load', 'x')), 'SCRIPT LOAD');
    assert.equal(commandName(cmd('get', 'k')), 'GET');
    assert.equal(commandName([]), '');
  });
});
