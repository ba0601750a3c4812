/**
 * `respool doctor` against a private redis-server: 300 idle connections of one naive pool next
 * to a respool client, a server near maxclients, TIME_WAIT sockets made on purpose, a user
 * forbidden CLIENT LIST and CONFIG, a wrong password and an unreachable server. Each is checked
 * through the orchestration function (the report model and its text) and, for exit codes and
 * --json, through the CLI run as a child process. Last, a cluster seed: every node is audited.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createClient, type RespoolClient } from '../../src/client/client.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import { renderText } from '../../src/doctor/render-text.js';
import type { ClientGroup, DoctorReport, NodeReport } from '../../src/doctor/report-model.js';
import { IDLE_POOL_P50_SECONDS } from '../../src/doctor/thresholds.js';
import { watchDoctor } from '../../src/doctor/watch.js';
import { expectClientCount } from '../helpers/baseline.js';
import { freePort } from '../helpers/free-port.js';
import { startCluster } from '../helpers/redis-cluster.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const NAIVE_CONNECTIONS = 300;
const TIME_WAIT_SOCKETS = 50;
// TIME_WAIT sockets made here that the count may miss (a close still in FIN_WAIT_2).
const TIME_WAIT_SLACK = 5;
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

let server: RedisServer;
let app: RespoolClient;
const naive: Socket[] = [];

/** Open a raw connection, run `commands` (inline RESP), resolve once `until` was replied. */
function rawConnection(payload: string, until: RegExp): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, server.host);
    let received = '';
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (until.test(received)) resolve(socket);
    });
    socket.write(payload);
  });
}

function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `respool <args>` as a child process, the way a deploy script runs it. */
function runCliProcess(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function onlyNode(report: DoctorReport): NodeReport {
  assert.equal(report.nodes.length, 1);
  const node = report.nodes[0];
  assert.ok(node !== undefined);
  return node;
}

function groupNamed(groups: readonly ClientGroup[], name: string): ClientGroup {
  const group = groups.find((g) => g.key.name === name);
  assert.ok(group !== undefined, `no group named ${name}`);
  return group;
}

/** Prose is wrapped in the text report; fold line breaks before matching sentences. */
function folded(text: string): string {
  return text.replace(/\s+/g, ' ');
}

before(async () => {
  server = await startRedis();
  const hello = resp('CLIENT', 'SETNAME', 'naive-pool') + resp('PING');
  const opened = await Promise.all(
    Array.from({ length: NAIVE_CONNECTIONS }, () => rawConnection(hello, /\+PONG\r\n/)),
  );
  naive.push(...opened);
  app = createClient({ url: server.url, name: 'orders-api' });
  await app.set('doctor:test', '1');
  // The idle-pool finding needs the pool's median idle time at its threshold; the server counts
  // idle in whole seconds.
  await delay((IDLE_POOL_P50_SECONDS + 1) * 1000);
});

after(async () => {
  for (const socket of naive) socket.destroy();
  await app?.close();
  await expectClientCount(server, 0);
  await server.stop();
});

test('300 idle connections of one pool: the group, its idle distribution, the timeout advice', async () => {
  const report = await runDoctor({ url: server.url });
  const node = onlyNode(report);
  assert.equal(report.mode, 'standalone');
  assert.equal(node.error, null);
  assert.ok(node.clients.status === 'ok');
  assert.equal(node.clients.excluded, 1, "the doctor's own connection is left out");
  const { groups } = node.clients;
  assert.equal(
    groups.byName.some((g) => g.key.name === 'respool-doctor'),
    false,
  );
  const pool = groupNamed(groups.byPool, 'naive-pool');
  assert.deepEqual(pool.key, { host: '127.0.0.1', name: 'naive-pool', libName: pool.key.libName });
  assert.equal(pool.count, NAIVE_CONNECTIONS);
  assert.equal(pool.subjectToTimeout, NAIVE_CONNECTIONS);
  assert.ok(pool.idle.p50 >= IDLE_POOL_P50_SECONDS, `p50 idle ${pool.idle.p50}`);
  assert.ok(pool.idle.p50 <= pool.idle.p90 && pool.idle.p90 <= pool.idle.max);
  assert.ok(pool.age.max >= pool.idle.max);
  assert.equal(groupNamed(groups.byName, 'naive-pool').count, NAIVE_CONNECTIONS);
  assert.equal(groupNamed(groups.byName, 'orders-api').count, 1, 'respool multiplexes');
  assert.equal(node.config.status === 'ok' && node.config.timeout, 0);

  const finding = report.findings.find((f) => f.check === 'idle-pool');
  assert.ok(finding !== undefined, 'an idle-pool finding');
  assert.equal(finding.severity, 'warning');
  assert.equal(finding.group?.name, 'naive-pool');
  assert.match(finding.message, /holds 300 connections/);
  assert.match(finding.message, /p50 idle \d+s, p90 idle \d+s/);
  assert.match(finding.recommendation, /CONFIG SET timeout 300/);
  assert.equal(report.summary.exitCode, 0);

  const text = renderText(report);
  assert.match(text, new RegExp(`127\\.0\\.0\\.1\\s+naive-pool\\s+${NAIVE_CONNECTIONS}\\s+\\d+s`));
  assert.match(text, /1 named respool-doctor \(this doctor\) left out of the groups/);
  assert.match(folded(text), /Pool "naive-pool" on 127\.0\.0\.1 holds 300 connections/);
  assert.match(folded(text), /CONFIG SET timeout 300/);
  if (!node.clients.libNameReported) assert.match(text, /\(not reported by this server\)/);
});

test('the CLI prints the same as JSON and exits 0 (warnings only)', async () => {
  const run = await runCliProcess(['doctor', server.url, '--json']);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as DoctorReport;
  assert.equal(report.schemaVersion, 1);
  const node = onlyNode(report);
  assert.ok(node.clients.status === 'ok');
  const pool = groupNamed(node.clients.groups.byPool, 'naive-pool');
  assert.equal(pool.count, NAIVE_CONNECTIONS);
  assert.ok(pool.idle.p50 >= IDLE_POOL_P50_SECONDS);
  const finding = report.findings.find((f) => f.check === 'idle-pool');
  assert.match(finding?.recommendation ?? '', /CONFIG SET timeout 300/);
});

test('near maxclients: an error-level finding and exit code 1', async () => {
  const connected = Number((await server.info('clients'))['connected_clients']);
  // Room for the doctor's connection (and the harness's probe), but within 5% of the limit.
  await server.cli('CONFIG', 'SET', 'maxclients', String(connected + 5));
  try {
    const report = await runDoctor({ url: server.url });
    const finding = report.findings.find((f) => f.check === 'max-clients');
    assert.equal(finding?.severity, 'error');
    assert.match(finding?.message ?? '', /of maxclients \d+ \(9\d%\)/);
    assert.match(finding?.recommendation ?? '', /pool "naive-pool" on 127\.0\.0\.1: 300/);
    assert.equal(report.summary.exitCode, 1);
    const run = await runCliProcess(['doctor', server.url]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /ERROR {2}max-clients/);
    assert.match(run.stdout, /exit code 1/);
  } finally {
    await server.cli('CONFIG', 'SET', 'maxclients', '10000');
  }
});

test('watch: the second report carries the deltas of connections opened in between', async () => {
  const extra: Promise<Socket>[] = [];
  const reports: DoctorReport[] = [];
  await watchDoctor({
    url: server.url,
    intervalSeconds: 0.5,
    maxIterations: 2,
    onReport: (report) => {
      reports.push(report);
      if (reports.length === 1) {
        for (let i = 0; i < 5; i++) extra.push(rawConnection(resp('PING'), /\+PONG\r\n/));
      }
    },
  });
  const opened = await Promise.all(extra);
  for (const socket of opened) socket.destroy();
  assert.deepEqual(
    reports.map((r) => r.iteration),
    [1, 2],
  );
  assert.equal(reports[0]?.nodes[0]?.delta, null);
  const delta = reports[1]?.nodes[0]?.delta;
  assert.ok(delta !== null && delta !== undefined);
  assert.ok(delta.intervalSeconds >= 0.4, `interval ${delta.intervalSeconds}`);
  assert.equal(delta.accepted, 5, 'the doctor reused its connection');
  assert.equal(delta.connectedClients, 5);
  assert.equal(delta.rejected, 0);
  assert.match(
    renderText(reports[1] as DoctorReport),
    /last 0\.\d s\s+\+5 connections · 5 accepted · 0 rejected/,
  );
});

test('TIME_WAIT: connections closed by this side show in the host view', async (t) => {
  for (let i = 0; i < TIME_WAIT_SOCKETS; i++) {
    const socket = await rawConnection(resp('PING'), /\+PONG\r\n/);
    // end() sends our FIN first: this side is the one that ends in TIME_WAIT.
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
    });
  }
  const report = await runDoctor({ url: server.url });
  if (report.host.status === 'unavailable') {
    t.skip(`host view not available here: ${report.host.reason}`);
    return;
  }
  const endpoint = report.host.endpoints.find((e) => e.port === server.port);
  assert.ok(endpoint !== undefined);
  assert.equal(endpoint.matchedByPortOnly, false);
  assert.ok(
    endpoint.timeWait >= TIME_WAIT_SOCKETS - TIME_WAIT_SLACK,
    `TIME_WAIT ${endpoint.timeWait}, made ${TIME_WAIT_SOCKETS}`,
  );
  // The naive pool, the app and the doctor itself are established.
  assert.ok(endpoint.established >= NAIVE_CONNECTIONS + 2, `ESTABLISHED ${endpoint.established}`);
  assert.equal(endpoint.closeWait, 0);
  assert.match(
    renderText(report),
    new RegExp(`127\\.0\\.0\\.1:${server.port}\\s+\\d+\\s+\\d+\\s+0`),
  );
});

test('a user forbidden CLIENT LIST and CONFIG: the report names both and still renders', async () => {
  await server.cli(
    'ACL',
    'SETUSER',
    'limited',
    'on',
    '>limited-pw',
    '~*',
    '+@all',
    '-client|list',
    '-config',
  );
  const url = `redis://limited:limited-pw@127.0.0.1:${server.port}`;
  const report = await runDoctor({ url });
  const node = onlyNode(report);
  assert.equal(node.error, null);
  assert.ok(node.clients.status === 'unavailable');
  assert.match(node.clients.reason, /NOPERM.*client\|list/);
  assert.ok(node.config.status === 'unavailable');
  assert.match(node.config.reason, /NOPERM.*config\|get/);
  assert.ok((node.server?.connectedClients ?? 0) > NAIVE_CONNECTIONS, 'INFO still read');
  assert.deepEqual(
    report.findings.map((f) => f.check).filter((c) => c.endsWith('-unavailable')),
    ['client-list-unavailable', 'config-unavailable'],
  );
  assert.equal(report.target, `redis://limited:***@127.0.0.1:${server.port}`);
  const text = renderText(report);
  assert.match(text, /CLIENT LIST\s+not available: NOPERM/);
  assert.match(text, /config\s+not available: NOPERM/);
  assert.match(folded(text), /CLIENT LIST could not be read on 127\.0\.0\.1:\d+: NOPERM/);
  assert.match(text, /This host: sockets towards the audited nodes/);
  assert.doesNotMatch(text, /limited-pw/);
});

test('a wrong password: not audited, authentication named, exit code 3, no password shown', async () => {
  const report = await runDoctor({ url: `redis://limited:wrong-pw@127.0.0.1:${server.port}` });
  const node = onlyNode(report);
  assert.match(node.error ?? '', /authentication failed: WRONGPASS/);
  assert.equal(report.summary.exitCode, 3);
  assert.doesNotMatch(JSON.stringify(report) + renderText(report), /wrong-pw/);
});

test('an unreachable server: a clear message and exit code 3 from the CLI', async () => {
  const port = await freePort();
  const run = await runCliProcess(['doctor', `redis://:secret-pw@127.0.0.1:${port}`]);
  assert.equal(run.code, 3);
  assert.match(
    run.stderr,
    new RegExp(
      `could not audit 127\\.0\\.0\\.1:${port}: connection refused: nothing listens there`,
    ),
  );
  assert.doesNotMatch(run.stdout + run.stderr, /ERR_CONNECTION_CLOSED/, 'refused is not "closed"');
  assert.match(run.stdout, /redis-cli -u redis:\/\/127\.0\.0\.1:\d+ PING/);
  assert.match(run.stdout, /not audited/);
  assert.match(run.stdout, /exit code 3/);
  assert.doesNotMatch(run.stdout + run.stderr, /secret-pw/);
});

test('a cluster seed: every node listed by CLUSTER NODES is audited', async () => {
  const cluster = await startCluster();
  try {
    const seed = cluster.seeds[0];
    assert.ok(seed !== undefined);
    const report = await runDoctor({ url: seed });
    assert.equal(report.mode, 'cluster');
    assert.equal(report.discoveryError, null);
    assert.equal(report.nodes.length, cluster.nodes.length);
    assert.deepEqual(
      report.nodes.map((n) => n.port).sort(),
      cluster.nodes.map((n) => n.port).sort(),
    );
    assert.equal(new Set(report.nodes.map((n) => n.clusterNodeId)).size, cluster.nodes.length);
    assert.deepEqual(report.nodes.map((n) => n.role).sort(), [
      'master',
      'master',
      'master',
      'replica',
      'replica',
      'replica',
    ]);
    for (const node of report.nodes) {
      assert.equal(node.error, null, node.address);
      assert.ok(node.clients.status === 'ok');
      assert.equal(node.clients.excluded, 1, `one doctor connection on ${node.address}`);
    }
    assert.equal(report.summary.exitCode, 0);
  } finally {
    await cluster.stop();
  }
});

test('a server that wants a password: the report says to put it in the URL', async () => {
  const locked = await startRedis({ password: 'doctor-test-pw' });
  try {
    const report = await runDoctor({ url: locked.url.replace(/\/\/[^@]*@/, '//') });
    const node = onlyNode(report);
    assert.match(
      node.error ?? '',
      /the server needs a password .*put it in the URL, redis:\/\/:PASSWORD@host:port/,
    );
    const [finding] = report.findings;
    assert.equal(finding?.check, 'node-unreachable');
    assert.match(
      finding?.actions[0]?.command ?? '',
      /^npx respool doctor redis:\/\/:PASSWORD@127\.0\.0\.1:\d+$/,
    );
    assert.equal(report.summary.exitCode, 3);
  } finally {
    await locked.stop();
  }
});

test('a port that does not speak RESP: "is this Redis?"', async () => {
  // An HTTP-like listener: it answers anything with an HTTP status line.
  const http = createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  try {
    const report = await runDoctor({ url: `redis://127.0.0.1:${port}`, sampleWindowMs: 0 });
    assert.match(onlyNode(report).error ?? '', /does not speak RESP: is this Redis\?/);
    assert.match(report.findings[0]?.recommendation ?? '', /Point the doctor at the Redis port/);
  } finally {
    await new Promise((resolve) => http.close(resolve));
  }
});
