/**
 * The doctor's verdicts that end the demo's replays: the doctor runs in-process while each
 * side's connections are open, and its findings are sorted by whom they are about. Incident 1:
 * the naive pool's idle connections draw an idle-pool warning naming its group, respool's one
 * connection draws none. Incident 4: the TIME_WAIT the naive pool leaves is a host-wide finding,
 * and still there when respool is audited, which the verdict marks as carried over.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ownWarnings } from '../../src/demo/doctor-verdict.js';
import { replayUnboundedPool, unboundedPoolReport } from '../../src/demo/incident-1.js';
import { fifoIdleReport, replayFifoIdleQueue } from '../../src/demo/incident-2.js';
import { replayTimeWaitStorm, timeWaitReport } from '../../src/demo/incident-4.js';
import type { ReplayEnv } from '../../src/demo/replay.js';
import { ServerMonitor } from '../../src/demo/server-monitor.js';
import { verdictLines } from '../../src/demo/verdict-text.js';
import { IDLE_POOL_MIN_CONNECTIONS, IDLE_POOL_P50_SECONDS } from '../../src/doctor/thresholds.js';
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
  // The doctor's connections are closed too: nothing is left on the server.
  await expectClientCount(server, 0);
  await server.stop();
});

test('incident 1: the doctor warns about the naive pool by name, not about respool', async () => {
  const params = {
    // Enough connections for the doctor's idle-pool rule, idle long enough for its median.
    callers: IDLE_POOL_MIN_CONNECTIONS + 10,
    opsPerCaller: 3,
    auditIdleSeconds: IDLE_POOL_P50_SECONDS + 1,
  };
  const result = await replayUnboundedPool(env, params);
  const { naive, respool } = result;

  assert.equal(naive.verdict.error, null);
  assert.equal(naive.verdict.connections.count, params.callers);
  const warnings = ownWarnings(naive.verdict);
  const idlePool = warnings.find((f) => f.check === 'idle-pool');
  assert.ok(idlePool !== undefined, JSON.stringify(naive.verdict.findings));
  assert.equal(idlePool.severity, 'warning');
  assert.equal(idlePool.groupName, naive.clientName);
  assert.match(idlePool.message, new RegExp(naive.clientName));

  assert.equal(respool.verdict.error, null);
  assert.equal(respool.verdict.connections.count, 1);
  assert.deepEqual(ownWarnings(respool.verdict), [], JSON.stringify(respool.verdict.findings));
  // Warnings only: the doctor would exit 0 for both.
  assert.equal(naive.verdict.exitCode, 0);
  assert.equal(respool.verdict.exitCode, 0);

  const report = unboundedPoolReport(result);
  assert.deepEqual(report.failures, []);
  assert.ok(report.verdicts !== null);
  const text = verdictLines(report.verdicts, 100).join('\n');
  assert.match(text, /WARN idle-pool/);
  assert.match(text, new RegExp(`respool \\(${respool.clientName}\\): exit 0, no findings`));
});

test("incident 4: the doctor names the churning naive pool, with this host's TIME_WAIT; respool's audit shows it left over", async (t) => {
  if (process.platform !== 'linux') {
    t.skip('the doctor reads TIME_WAIT from /proc/net/tcp');
    return;
  }
  // Bursts go on while the doctor samples; each leaves about 56 sockets closed by the naive side.
  const params = { bursts: 4, burstCallers: 60, maxIdle: 4, maxConnections: 8 };
  const result = await replayTimeWaitStorm(env, params);
  const { naive, respool } = result;
  const churn = ownWarnings(naive.verdict).find((f) => f.check === 'connection-churn');
  assert.ok(churn !== undefined, JSON.stringify(naive.verdict.findings));
  assert.equal(churn.groupName, naive.clientName);
  assert.match(churn.message, /sockets are in TIME_WAIT towards/);
  assert.equal(
    naive.verdict.findings.find((f) => f.check === 'time-wait'),
    undefined,
    'the churn finding carries the TIME_WAIT',
  );
  assert.ok(naive.bursts >= params.bursts);
  const respoolTimeWait = respool.verdict.findings.find((f) => f.check === 'time-wait');
  assert.ok(respoolTimeWait !== undefined, "the naive side's TIME_WAIT outlives it by 60 s");
  assert.equal(respoolTimeWait.scope, 'server');
  assert.equal(respoolTimeWait.carriedOver, true);
  assert.match(respoolTimeWait.message, /No client of .* was opening and closing connections/);
  assert.deepEqual(ownWarnings(respool.verdict), []);
  assert.equal(respool.timeWait, 0);
  assert.deepEqual(timeWaitReport(result).failures, []);
  const block = verdictLines(timeWaitReport(result).verdicts!, 100).join('\n');
  assert.doesNotMatch(
    block.split('respool (')[1] ?? '',
    /INFO time-wait/,
    'not listed as respool’s',
  );
  assert.match(block, /1 host-wide, left over from the naive pool run/);
});

test('incident 2: the doctor names the FIFO pool as far larger than its work, not respool', async () => {
  const params = {
    burstLeases: 32,
    ratePerSecond: 50,
    idleTimeoutMs: 1_000,
    seconds: 4,
    minIdle: 1,
  };
  const result = await replayFifoIdleQueue(env, params);
  const { naive, respool } = result;
  const oversized = ownWarnings(naive.verdict).find((f) => f.check === 'oversized-pool');
  assert.ok(oversized !== undefined, JSON.stringify(naive.verdict.findings));
  assert.equal(oversized.groupName, naive.clientName);
  assert.match(oversized.message, /held, about 1 needed/);
  assert.deepEqual(ownWarnings(respool.verdict), [], JSON.stringify(respool.verdict.findings));
  assert.deepEqual(fifoIdleReport(result).failures, []);
});
