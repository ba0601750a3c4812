/**
 * The demo's incident replays against a real redis-server, with small parameters: the structured
 * results (what the CLI prints from), not the printed text. Incident 2: a FIFO idle queue keeps
 * its burst of connections alive under steady traffic while respool's LIFO stack drains to
 * minIdle. Incident 4: closing on release leaves TIME_WAIT on this host; respool leaves none and
 * stays within its budget.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fifoIdleReport, replayFifoIdleQueue } from '../../src/demo/incident-2.js';
import { replayTimeWaitStorm, timeWaitReport } from '../../src/demo/incident-4.js';
import type { ReplayEnv } from '../../src/demo/replay.js';
import { ServerMonitor } from '../../src/demo/server-monitor.js';
import { expectClientCount } from '../helpers/baseline.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let monitor: ServerMonitor;
let env: ReplayEnv;

before(async () => {
  server = await startRedis();
  monitor = await ServerMonitor.open(server.url);
  env = {
    url: server.url,
    monitor,
    shared: false,
    runId: randomBytes(4).toString('hex'),
    progress: () => {},
  };
});

after(async () => {
  await monitor.close();
  // Every replay closes what it opened: nothing of theirs may be left on the server.
  await expectClientCount(server, 0);
  await server.stop();
});

test('incident 2: the FIFO pool keeps its burst open under steady traffic, respool drains', async () => {
  // Each FIFO connection is reused every 16 / 80 s = 0.2 s, well under the 0.5 s timeout.
  const params = {
    burstLeases: 16,
    ratePerSecond: 80,
    idleTimeoutMs: 500,
    seconds: 3,
    minIdle: 1,
  };
  const result = await replayFifoIdleQueue(env, params);
  const first = result.samples[0];
  const last = result.samples.at(-1);
  assert.ok(first !== undefined && last !== undefined);
  assert.equal(result.samples.length, params.seconds + 1, 'one sample per second, t=0 included');
  assert.equal(first.naive, params.burstLeases, 'the burst opened N naive connections');
  assert.ok(
    last.naive >= 0.8 * params.burstLeases,
    `the FIFO pool kept ${last.naive} of ${params.burstLeases} connections`,
  );
  // Quiet, respool is down to minIdle plus the one or two leases of the traffic; on a loaded
  // machine the leases overlap more, so the bound is half the burst, still far from the FIFO's.
  assert.ok(
    last.respool < 0.5 * params.burstLeases,
    `respool kept ${last.respool} of ${params.burstLeases} connections (minIdle ${params.minIdle})`,
  );
  assert.ok(result.respool.evicted > 0, 'respool retired idle connections');
  for (const side of [result.naive, result.respool]) {
    assert.equal(side.burstFailures, 0);
    assert.equal(side.steady.errors, 0);
    assert.ok(side.steady.completed > 0);
    assert.equal(side.counter, side.steady.completed);
  }
  assert.deepEqual(fifoIdleReport(result).failures, []);
});

test('incident 4: close-on-release leaves TIME_WAIT on this host, respool none', async () => {
  const params = { bursts: 3, burstCallers: 40, maxIdle: 4, maxConnections: 8 };
  const result = await replayTimeWaitStorm(env, params);
  const { naive, respool } = result;
  for (const side of [naive, respool]) {
    // The bursts go on while the doctor audits: at least `bursts` of them.
    assert.ok(side.bursts >= params.bursts, `${side.bursts} bursts`);
    const total = side.bursts * params.burstCallers;
    assert.equal(side.errors, 0);
    assert.equal(side.completed, total);
    assert.equal(side.counter, total);
    assert.equal(side.duplicateReplies, 0);
  }
  assert.ok(naive.dialled > params.maxIdle, `the naive pool dialled ${naive.dialled}`);
  assert.ok(respool.serverPeak <= params.maxConnections, `server saw ${respool.serverPeak}`);
  assert.ok(respool.dialled <= params.maxConnections - 1, `respool dialled ${respool.dialled}`);
  if (process.platform === 'linux') {
    assert.ok(
      naive.timeWait !== undefined && naive.timeWait > 0,
      `naive TIME_WAIT ${naive.timeWait}`,
    );
    assert.equal(respool.timeWait, 0);
  } else {
    assert.equal(respool.timeWait, undefined, 'no /proc/net/tcp: reported as not available');
  }
  assert.deepEqual(timeWaitReport(result).failures, []);
});
