/**
 * The doctor names the pool behind incidents 2 and 4 from the server's side, against a private
 * redis-server, while the pattern runs:
 * - a FIFO-like pool: 32 raw connections taking turns at about 50 INCRs/s in total, each used
 *   well within a second, next to a respool client doing the same work;
 * - a churning pool: raw connections opened, used for one INCR and closed by the client, in
 *   bursts, next to a respool client running the same bursts through its budget.
 * Each finding must be the offending pool's (its group), and nothing may be said about
 * respool's own connections.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from '../../src/client/client.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import type { DoctorReport, Finding } from '../../src/doctor/report-model.js';
import { expectClientCount } from '../helpers/baseline.js';
import { encodeCommand, namedConnection } from '../helpers/named-connection.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const FIFO_CONNECTIONS = 32;
const FIFO_RATE = 50;
const CHURN_BURST = 20;

let server: RedisServer;

function named(name: string): Promise<Socket> {
  return namedConnection(server.port, server.host, name);
}

/** One INCR on `socket`, resolved with the reply. */
function incr(socket: Socket, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('error', reject);
    socket.write(encodeCommand('INCR', key));
  });
}

function byCheck(report: DoctorReport, check: string): Finding[] {
  return report.findings.filter((f) => f.check === check);
}

before(async () => {
  server = await startRedis();
});

after(async () => {
  await expectClientCount(server, 0);
  await server.stop();
});

test('a FIFO pool: 32 warm connections for ~50 commands/s is named oversized; respool is not', async () => {
  const fifo = await Promise.all(
    Array.from({ length: FIFO_CONNECTIONS }, () => named('fifo-pool')),
  );
  const app = createClient({ url: server.url, name: 'orders-api' });
  await app.ready();
  let stop = false;
  // Borrow from the head, return to the tail: every connection is used in turn.
  const fifoLoop = (async () => {
    for (let i = 0; !stop; i++) {
      const socket = fifo[i % fifo.length];
      if (socket !== undefined) await incr(socket, 'fifo:counter');
      await delay(1000 / FIFO_RATE);
    }
  })();
  const appLoop = (async () => {
    while (!stop) {
      await app.withConnection((conn) => conn.incr('app:counter'));
      await delay(1000 / FIFO_RATE);
    }
  })();
  try {
    await delay(1_200);
    const report = await runDoctor({ url: server.url });
    const [oversized, ...more] = byCheck(report, 'oversized-pool');
    assert.equal(more.length, 0, JSON.stringify(report.findings, null, 1));
    assert.ok(oversized !== undefined, JSON.stringify(report.findings, null, 1));
    assert.equal(oversized.group?.name, 'fifo-pool');
    assert.match(oversized.message, /holds 32 connections/);
    assert.match(oversized.message, /32 held, about 1 needed/);
    assert.ok(oversized.actions.some((a) => a.command?.includes('setLifo(true)')));
    const node = report.nodes[0];
    assert.ok(node?.clients.status === 'ok');
    const group = node.clients.groups.byPool.find((g) => g.key.name === 'fifo-pool');
    const rate = group?.activity?.commandsPerSecond ?? 0;
    // Shared by last command with respool's leased INCRs (same command), so between the
    // pool's own rate and both together.
    assert.ok(rate > FIFO_RATE * 0.4 && rate < FIFO_RATE * 2.5, `rate ${rate}`);
    assert.ok((node.delta?.clientListSamples ?? 0) >= 5, 'CLIENT LIST sampled in the window');
    assert.deepEqual(
      report.findings.filter((f) => f.group?.name === 'orders-api'),
      [],
      'nothing about respool',
    );
  } finally {
    stop = true;
    await Promise.all([fifoLoop, appLoop]);
    for (const socket of fifo) socket.destroy();
    await app.close();
  }
});

test('a churning pool: dial, one INCR, close per caller, named with its TIME_WAIT; respool is not', async () => {
  const app = createClient({ url: server.url, name: 'orders-api', maxConnections: 8 });
  await app.ready();
  let stop = false;
  // redigo with MaxIdle 0: every caller of a burst dials, and its release closes (client side).
  const churnLoop = (async () => {
    while (!stop) {
      await Promise.all(
        Array.from({ length: CHURN_BURST }, async () => {
          const socket = await named('push-worker');
          await incr(socket, 'churn:counter');
          // Lingers a little, as a pool's release does after the reply is handled.
          await delay(30);
          socket.end();
        }),
      );
      await delay(20);
    }
  })();
  const appLoop = (async () => {
    while (!stop) {
      await Promise.all(
        Array.from({ length: CHURN_BURST }, () =>
          app.withConnection((conn) => conn.incr('app:counter')),
        ),
      );
      await delay(20);
    }
  })();
  try {
    await delay(500);
    const report = await runDoctor({ url: server.url });
    const churn = byCheck(report, 'connection-churn');
    const seen = report.nodes.map((n) => ({
      delta: n.delta,
      pools:
        n.clients.status === 'ok'
          ? n.clients.groups.byPool.map((g) => [g.key.name, g.count, g.activity])
          : [],
    }));
    assert.equal(churn.length, 1, JSON.stringify(seen));
    const [finding] = churn;
    assert.equal(finding?.group?.name, 'push-worker');
    assert.match(finding?.message ?? '', /opens and closes connections/);
    // The doctor runs on the churning pool's host: the finding carries this host's TIME_WAIT,
    // and no separate host-level time-wait finding repeats it.
    assert.match(finding?.message ?? '', /sockets are in TIME_WAIT towards .* ephemeral ports/);
    assert.deepEqual(byCheck(report, 'time-wait'), []);
    assert.ok(finding?.actions.some((a) => a.command === 'MaxIdle = MaxActive; Wait = true'));
    assert.deepEqual(
      report.findings.filter((f) => f.group?.name === 'orders-api'),
      [],
      'nothing about respool',
    );
  } finally {
    stop = true;
    await Promise.all([churnLoop, appLoop]);
    await app.close();
  }
  // Once the churn has stopped, its TIME_WAIT is left over: host-wide, and said to be so.
  const quiet = await runDoctor({ url: server.url });
  assert.deepEqual(byCheck(quiet, 'connection-churn'), []);
  const [timeWait] = byCheck(quiet, 'time-wait');
  assert.ok(timeWait !== undefined, JSON.stringify(quiet.findings, null, 1));
  assert.equal(timeWait.group, null);
  assert.match(timeWait.message, /No client of .* was opening and closing connections/);
});
