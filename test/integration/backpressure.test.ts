/**
 * Back-pressure: every byte not yet accepted by the kernel (waiting for a connection, waiting for
 * a congested socket to drain, encoded but unwritten, buffered in the socket) counts against
 * `maxQueuedBytes`, connected or not. `send()` says when the node cannot take more and `drain`
 * says when it can again, so a relay can stop reading its own clients; a producer that ignores
 * it gets ERR_QUEUE_FULL instead of unbounded memory. Nothing accepted is lost or reordered.
 *
 * Two servers that read slower than the client writes: a fake one that drains its socket at a
 * fixed rate, and a real redis-server stopped with SIGSTOP. No deadlines (`commandTimeoutMs: 0`),
 * so the stall rule never replaces the connection: only the bound keeps memory in check.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ClientCore } from '../../src/client/client-core.js';
import { resolveClientOptions } from '../../src/client/options.js';
import { BasicCommand, type PendingCommand } from '../../src/connection/pending-command.js';
import { createClient, isRespoolError, type RespValue } from '../../src/index.js';
import { expectClientCount } from '../helpers/baseline.js';
import { useFaultHarness } from '../helpers/fault-harness.js';
import { startRedis } from '../helpers/redis-server.js';

const { fake, adopt } = useFaultHarness();

const MiB = 1024 * 1024;

interface Outcome {
  readonly index: number;
  readonly value?: unknown;
  readonly code?: string;
}

/** Settle `promise` into an outcome, so nothing is left unhandled. */
function outcome(index: number, promise: Promise<unknown>): Promise<Outcome> {
  return promise.then(
    (value) => ({ index, value }),
    (error: unknown) => ({ index, code: isRespoolError(error) ? error.code : String(error) }),
  );
}

/** Peak RSS growth over `fn`, sampled every 20 ms. */
async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return [result, peak - base];
  } finally {
    clearInterval(sampler);
  }
}

/** A fake server whose replies to RPUSH count per connection, as a list's length would. */
async function slowCountingServer(readBytesPerSecond: number) {
  const counts = new Map<number, number>();
  return fake(
    (cmd, conn) => {
      if (cmd[0] !== 'RPUSH') return undefined;
      const n = (counts.get(conn.id) ?? 0) + 1;
      counts.set(conn.id, n);
      return n;
    },
    { readBytesPerSecond },
  );
}

/** Every accepted RPUSH answered, consecutively from 1: none lost, none reordered. */
function assertAcceptedInOrder(outcomes: readonly Outcome[]): Outcome[] {
  const accepted = outcomes.filter((o) => o.code === undefined);
  assert.deepEqual(
    accepted.map((o) => o.value),
    accepted.map((_, i) => i + 1),
    'accepted commands were answered out of order or some were lost',
  );
  return accepted;
}

describe('a server that reads slowly (fake, 1 MiB/s)', () => {
  test('a producer that ignores back-pressure gets ERR_QUEUE_FULL; memory stays bounded', async (t) => {
    const server = await slowCountingServer(1 * MiB);
    const client = adopt(
      createClient({
        url: server.url,
        commandTimeoutMs: 0,
        pingIntervalMs: 0,
        maxQueuedBytes: 4 * MiB,
      }),
    );
    await client.ready();
    const value = 'v'.repeat(128 * 1024);
    const codes = new Map<string, number>();
    const answers: unknown[] = [];
    // 25 MiB/s offered for 1.5 s to a server that reads 1 MiB/s.
    const [, growth] = await peakRssGrowth(async () => {
      for (let tick = 0; tick < 150; tick++) {
        for (let j = 0; j < 2; j++) {
          client.call('RPUSH', 'list', value).then(
            (reply) => answers.push(reply),
            (error: unknown) => {
              const code = isRespoolError(error) ? error.code : String(error);
              codes.set(code, (codes.get(code) ?? 0) + 1);
            },
          );
        }
        await delay(10);
      }
    });
    t.diagnostic(
      `refused ${codes.get('ERR_QUEUE_FULL') ?? 0} of 300, answered ${answers.length}, RSS +${Math.round(growth / MiB)} MiB`,
    );
    assert.deepEqual([...codes.keys()], ['ERR_QUEUE_FULL']);
    // 300 commands of 128 KiB were offered (37.5 MiB, and as much again once encoded).
    assert.ok(growth < 30 * MiB, `RSS grew ${Math.round(growth / MiB)} MiB`);
    // What was answered so far came back complete and in order.
    assert.deepEqual(
      answers,
      answers.map((_, i) => i + 1),
    );
    client.destroy();
  });

  test('a producer that waits for drain when send() says false is never refused and loses nothing', async (t) => {
    const server = await slowCountingServer(2 * MiB);
    const maxQueuedBytes = 1 * MiB;
    const maxWriteBytes = 64 * 1024;
    const core = adopt(
      new ClientCore(
        resolveClientOptions({
          url: server.url,
          commandTimeoutMs: 0,
          pingIntervalMs: 0,
          maxQueuedBytes,
          maxWriteBytes,
        }),
      ),
    );
    await core.mux.connect();
    const value = Buffer.alloc(32 * 1024, 0x61);
    const outcomes: Promise<Outcome>[] = [];
    let pauses = 0;
    let peakBytes = 0;
    for (let i = 0; i < 200; i++) {
      let more = true;
      outcomes.push(
        outcome(
          i,
          new Promise<RespValue>((resolve, reject) => {
            const cmd: PendingCommand = new BasicCommand({
              args: ['RPUSH', 'list', value],
              reply: resolve,
              fail: reject,
            });
            more = core.mux.send(cmd);
          }),
        ),
      );
      const stats = core.mux.stats();
      peakBytes = Math.max(peakBytes, stats.queuedBytes + stats.bufferedBytes);
      if (!more) {
        // The proxy's move: stop reading its clients until the node can take more.
        pauses++;
        await once(core.events, 'drain');
      }
    }
    const settled = await Promise.all(outcomes);
    t.diagnostic(`${pauses} pauses, at most ${peakBytes} bytes not yet accepted by the kernel`);
    assert.ok(pauses > 0, 'send() never said the node was congested');
    assert.deepEqual(
      settled.filter((o) => o.code !== undefined),
      [],
    );
    assertAcceptedInOrder(settled);
    // The bound, plus what the connection takes before it reports congestion (one write and
    // the command that filled it).
    assert.ok(
      peakBytes <= maxQueuedBytes + maxWriteBytes + 2 * value.length,
      `${peakBytes} bytes were not yet accepted by the kernel at the peak`,
    );
  });
});

describe('a SIGSTOPped redis-server', () => {
  const servers: { stop(): Promise<void> }[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  test('100 x 1 MiB RPUSH a second, no deadline: ERR_QUEUE_FULL, bounded memory, and after SIGCONT every accepted one ran in order', async (t) => {
    const server = await startRedis();
    servers.push(server);
    const client = createClient({
      url: server.url,
      commandTimeoutMs: 0,
      maxQueuedBytes: 8 * MiB,
    });
    await client.ready();
    const value = 'x'.repeat(MiB);
    await server.pause();
    let pending: Promise<Outcome>[] = [];
    const [, growth] = await peakRssGrowth(async () => {
      for (let tick = 0; tick < 30; tick++) {
        for (let j = 0; j < 10; j++) {
          pending.push(outcome(pending.length, client.call('RPUSH', 'seq', value)));
        }
        await delay(100);
      }
    });
    const settledEarly = await Promise.all(
      pending.map((p) => Promise.race([p, delay(0).then(() => undefined)])),
    );
    const queueFull = settledEarly.filter((o) => o?.code === 'ERR_QUEUE_FULL').length;
    await server.resume();
    const outcomes = await Promise.all(pending);
    pending = [];
    const accepted = assertAcceptedInOrder(outcomes);
    t.diagnostic(
      `accepted ${accepted.length} of 300, refused ${queueFull}, RSS +${Math.round(growth / MiB)} MiB`,
    );
    // Every command that was not accepted was refused as queue-full, nothing else.
    assert.deepEqual(
      [...new Set(outcomes.filter((o) => o.code !== undefined).map((o) => o.code))],
      ['ERR_QUEUE_FULL'],
    );
    assert.ok(queueFull > 0);
    // 300 MiB were offered. What is held: at most 8 MiB waiting (estimated at 3 bytes per
    // character, so two commands), one write in the socket, and what the kernel accepted.
    assert.ok(accepted.length < 60, `${accepted.length} of 300 accepted`);
    assert.ok(growth < 120 * MiB, `RSS grew ${Math.round(growth / MiB)} MiB`);
    assert.equal(await client.call('LLEN', 'seq'), accepted.length);
    await client.close();
    await expectClientCount(server, 0);
  });
});
