/**
 * The fan-out planner against real servers' bytes, RESP2 and RESP3: a split MGET/EXISTS/DEL
 * merged from sub-replies equals, byte for byte, what one server answers to the whole command;
 * KEYS and DBSIZE over three servers give every key once; a SCAN walk over three servers with
 * the proxy cursor returns every key, with the servers' real (large) cursors inside.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { keySlot } from '../../src/cluster/slot.js';
import { FrameScanner } from '../../src/protocol/frame-scanner.js';
import { mergeAllNodes } from '../../src/proxy/fanout/all-nodes.js';
import { mergeMultiKey, splitMultiKey } from '../../src/proxy/fanout/multi-key.js';
import { planScan, rewriteScanReply } from '../../src/proxy/fanout/scan-cursor.js';
import { ShardRing } from '../../src/proxy/sharding/shard-ring.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

/** One raw connection: send a command, get its reply's exact bytes. */
class RawConnection {
  readonly #socket: Socket;
  readonly #scanner = new FrameScanner();
  #buffer = Buffer.alloc(0);
  #waiting: ((frame: Buffer) => void)[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      for (;;) {
        const end = this.#scanner.scan(this.#buffer, 0);
        if (end === -1) {
          this.#scanner.reset();
          return;
        }
        const frame = this.#buffer.subarray(0, end);
        this.#buffer = this.#buffer.subarray(end);
        this.#waiting.shift()?.(Buffer.from(frame));
      }
    });
  }

  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  send(args: readonly (string | Buffer)[]): Promise<Buffer> {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const a of args) {
      const bytes = Buffer.isBuffer(a) ? a : Buffer.from(a);
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
    }
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.#socket.write(Buffer.concat(parts));
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

const keyArb = fc.oneof(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.constantFrom('{u}:a', '{u}:b', 'k1', 'k2', 'é'),
);

describe('fan-out merges of real server replies', () => {
  let servers: RedisServer[] = [];
  const conns: { resp2: RawConnection[]; resp3: RawConnection[] } = { resp2: [], resp3: [] };

  before(async () => {
    servers = await Promise.all([startRedis(), startRedis(), startRedis()]);
    for (const s of servers) {
      conns.resp2.push(await RawConnection.open(s.port));
      const c3 = await RawConnection.open(s.port);
      await c3.send(['HELLO', '3']);
      conns.resp3.push(c3);
    }
  });

  after(async () => {
    for (const c of [...conns.resp2, ...conns.resp3]) c.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  for (const protocol of ['resp2', 'resp3'] as const) {
    it(`${protocol}: split MGET, EXISTS and DEL merge to one server's exact bytes`, async () => {
      const conn = conns[protocol][0]!;
      await fc.assert(
        fc.asyncProperty(
          fc.array(keyArb, { minLength: 1, maxLength: 20 }),
          fc.array(keyArb, { maxLength: 10 }),
          fc.integer({ min: 2, max: 6 }),
          async (keys, present, targets) => {
            await conn.send(['FLUSHALL']);
            for (const k of present) await conn.send(['SET', k, `v:${k}`]);
            const targetOf = (k: Buffer): number => keySlot(k) % targets;
            for (const name of ['MGET', 'EXISTS']) {
              const args = [name, ...keys].map((a) => Buffer.from(a));
              const direct = await conn.send(args);
              const plan = splitMultiKey(name, args, targetOf)!;
              const replies = await Promise.all(plan.subs.map((s) => conn.send(s.args)));
              assert.deepEqual(mergeMultiKey(plan, replies), direct, name);
            }
            // DEL changes state: the direct count is what the split deletes in total.
            const expected = await conn.send(['EXISTS', ...new Set(keys)]);
            const args = ['DEL', ...new Set(keys)].map((a) => Buffer.from(a));
            const plan = splitMultiKey('DEL', args, targetOf)!;
            const replies = await Promise.all(plan.subs.map((s) => conn.send(s.args)));
            assert.deepEqual(mergeMultiKey(plan, replies), expected);
          },
        ),
        { numRuns: 40 },
      );
    });

    it(`${protocol}: KEYS, DBSIZE and a SCAN walk over three shards see every key once`, async () => {
      const nodes = conns[protocol];
      const ring = new ShardRing({
        shards: servers.map((s) => ({ host: s.host, port: s.port })),
        hashTag: '{}',
      });
      for (const c of nodes) await c.send(['FLUSHALL']);
      const all: string[] = [];
      for (let i = 0; i < 600; i++) all.push(i % 10 === 0 ? `{tag}:${i}` : `key:${i}`);
      await Promise.all(all.map((k) => nodes[ring.shardFor(k)]!.send(['SET', k, '1'])));

      const dbsize = mergeAllNodes('sum', await Promise.all(nodes.map((c) => c.send(['DBSIZE']))));
      assert.equal(dbsize.toString(), `:${all.length}\r\n`);
      const keys = mergeAllNodes(
        'concat',
        await Promise.all(nodes.map((c) => c.send(['KEYS', '*']))),
      );
      const listed = keys
        .toString()
        .split('\r\n')
        .filter((_, i) => i > 0 && i % 2 === 0);
      assert.equal(keys.toString().split('\r\n')[0], `*${all.length}`);
      assert.deepEqual(listed.sort(), [...all].sort());

      const seen: string[] = [];
      let cursor = '0';
      let calls = 0;
      let largestNodeCursor = 0;
      do {
        const step = planScan(
          ['SCAN', cursor, 'COUNT', '7'].map((a) => Buffer.from(a)),
          nodes.length,
        );
        assert.ok('node' in step, 'a valid cursor');
        largestNodeCursor = Math.max(largestNodeCursor, Number(step.args[1]!.toString()));
        const raw = await nodes[step.node]!.send(step.args);
        const reply = rewriteScanReply(raw, step.node, nodes.length).toString().split('\r\n');
        cursor = reply[2]!;
        for (let i = 5; i < reply.length - 1; i += 2) seen.push(reply[i]!);
        calls++;
      } while (cursor !== '0' && calls < 10_000);
      assert.equal(cursor, '0', 'the walk ended');
      assert.deepEqual([...new Set(seen)].sort(), [...all].sort(), 'every key, on every node');
      assert.ok(largestNodeCursor > 0, 'the nodes gave cursors of their own');
    });
  }
});
