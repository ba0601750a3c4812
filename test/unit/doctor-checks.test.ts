/**
 * Each check fed hand-built snapshots: at, just below and above its thresholds, and with the
 * data it needs missing. Checks are pure, so no server is involved.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAccess } from '../../src/doctor/checks/access.js';
import { checkCloseWait } from '../../src/doctor/checks/close-wait.js';
import { checkDiscovery } from '../../src/doctor/checks/discovery.js';
import { checkHostImbalance } from '../../src/doctor/checks/host-imbalance.js';
import { checkIdlePools } from '../../src/doctor/checks/idle-pool.js';
import { checkIdleTimeout } from '../../src/doctor/checks/idle-timeout.js';
import { checkMaxClients } from '../../src/doctor/checks/max-clients.js';
import { checkRejectedConnections } from '../../src/doctor/checks/rejected-connections.js';
import { runChecks } from '../../src/doctor/checks/run-checks.js';
import { checkTcpKeepalive } from '../../src/doctor/checks/tcp-keepalive.js';
import { checkTimeWait } from '../../src/doctor/checks/time-wait.js';
import type {
  ClientGroup,
  ClientGroups,
  EndpointSockets,
  GroupKey,
  HostReport,
  NodeReport,
  ServerInfo,
} from '../../src/doctor/report-model.js';
import { summarise } from '../../src/doctor/summary.js';

function group(key: Partial<GroupKey>, fields: Partial<ClientGroup> = {}): ClientGroup {
  const count = fields.count ?? 1;
  return {
    key: { host: null, name: null, libName: null, ...key },
    count,
    subjectToTimeout: count,
    blocked: 0,
    blockingCommand: 0,
    pubsub: 0,
    idle: { p50: 0, p90: 0, max: 0 },
    age: { p50: 0, p90: 0, max: 0 },
    idleBuckets: {
      under5s: count,
      under1m: count,
      under10m: 0,
      under1h: 0,
      under1d: 0,
      atLeast1d: 0,
    },
    young: 0,
    activity: null,
    ...fields,
  };
}

function server(fields: Partial<ServerInfo> = {}): ServerInfo {
  return {
    version: '7.0.15',
    mode: 'standalone',
    uptimeSeconds: 1_000,
    clusterEnabled: false,
    connectedClients: 10,
    blockedClients: 0,
    maxClients: 10_000,
    totalConnectionsReceived: 100,
    rejectedConnections: 0,
    ...fields,
  };
}

function node(fields: Partial<NodeReport> = {}, groups: Partial<ClientGroups> = {}): NodeReport {
  return {
    address: '10.0.0.9:6379',
    host: '10.0.0.9',
    port: 6379,
    clusterNodeId: null,
    role: 'master',
    error: null,
    server: server(),
    serverError: null,
    config: { status: 'ok', timeout: 0, maxClients: 10_000, tcpKeepalive: 300 },
    clients: {
      status: 'ok',
      listed: 1,
      excluded: 1,
      libNameReported: false,
      groups: { byPool: [], byHost: [], byName: [], byLibName: [], ...groups },
      tracking: [],
    },
    delta: null,
    info: {},
    ...fields,
  };
}

function hostView(endpoint: Partial<EndpointSockets>, tcpTwReuse: number | null = 0): HostReport {
  return {
    status: 'ok',
    endpoints: [
      {
        address: '10.0.0.9:6379',
        port: 6379,
        matchedByPortOnly: false,
        established: 1,
        timeWait: 0,
        closeWait: 0,
        ...endpoint,
      },
    ],
    ephemeralPorts: { low: 32768, high: 60999 },
    tcpTwReuse,
    localAddresses: ['127.0.0.1'],
  };
}

test('max-clients: below 80% nothing, 80% warning, 95% error; CONFIG preferred over INFO', () => {
  assert.deepEqual(checkMaxClients(node({ server: server({ connectedClients: 7_999 }) })), []);
  const warn = checkMaxClients(node({ server: server({ connectedClients: 8_000 }) }));
  assert.equal(warn[0]?.severity, 'warning');
  assert.match(warn[0]?.message ?? '', /8,000 connections of maxclients 10,000 \(80%\)/);
  const err = checkMaxClients(node({ server: server({ connectedClients: 9_500 }) }));
  assert.equal(err[0]?.severity, 'error');
  const fromConfig = checkMaxClients(
    node({
      server: server({ connectedClients: 303, maxClients: 10_000 }),
      config: { status: 'ok', timeout: 0, maxClients: 305, tcpKeepalive: 300 },
    }),
  );
  assert.equal(fromConfig[0]?.severity, 'error');
  const fromInfo = checkMaxClients(
    node({
      server: server({ connectedClients: 96, maxClients: 100 }),
      config: { status: 'unavailable', reason: 'NOPERM' },
    }),
  );
  assert.equal(fromInfo[0]?.severity, 'error', 'INFO maxclients when CONFIG is forbidden');
  assert.deepEqual(checkMaxClients(node({ server: null })), []);
});

test('max-clients recommendation names the largest pools', () => {
  const pools = [
    group(
      { host: '10.0.0.1', name: 'naive-pool' },
      { count: 9_000, idle: { p50: 40, p90: 60, max: 90 } },
    ),
  ];
  const [finding] = checkMaxClients(
    node({ server: server({ connectedClients: 9_700 }) }, { byPool: pools }),
  );
  assert.match(
    finding?.recommendation ?? '',
    /pool "naive-pool" on 10\.0\.0\.1: 9,000 \(p50 idle 40s\)/,
  );
});

test('idle-pool: 50+ connections with p50 idle ≥ 5 s, recommendation names the pool and timeout', () => {
  const key = { host: '127.0.0.1', name: 'naive-pool' };
  const busy = group(key, { count: 300, idle: { p50: 4, p90: 8, max: 9 } });
  assert.deepEqual(checkIdlePools(node({}, { byPool: [busy] })), []);
  const small = group(key, { count: 49, idle: { p50: 60, p90: 60, max: 60 } });
  assert.deepEqual(checkIdlePools(node({}, { byPool: [small] })), []);
  const pubsub = group(key, {
    count: 60,
    subjectToTimeout: 0,
    pubsub: 60,
    idle: { p50: 60, p90: 60, max: 60 },
  });
  assert.deepEqual(checkIdlePools(node({}, { byPool: [pubsub] })), [], 'pub/sub idles by design');

  const idle = group(key, { count: 300, idle: { p50: 6, p90: 7, max: 8 } });
  const [finding] = checkIdlePools(node({}, { byPool: [idle] }));
  assert.equal(finding?.check, 'idle-pool');
  assert.equal(finding?.severity, 'warning');
  assert.deepEqual(finding?.group, { host: '127.0.0.1', name: 'naive-pool', libName: null });
  assert.match(finding?.message ?? '', /Pool "naive-pool" on 127\.0\.0\.1 holds 300 connections/);
  assert.match(finding?.message ?? '', /p50 idle 6s, p90 idle 7s, max 8s/);
  assert.match(finding?.recommendation ?? '', /CONFIG SET timeout 300/);
});

test('idle-pool advice follows the server timeout: unknown, set and long, set and short', () => {
  const idle = group({ host: 'h', name: 'p' }, { count: 60, idle: { p50: 30, p90: 40, max: 50 } });
  const forbidden = checkIdlePools(
    node({ config: { status: 'unavailable', reason: 'NOPERM' } }, { byPool: [idle] }),
  );
  assert.match(forbidden[0]?.recommendation ?? '', /CONFIG GET was not permitted/);
  const long = checkIdlePools(
    node(
      { config: { status: 'ok', timeout: 1_800, maxClients: 1, tcpKeepalive: 1 } },
      { byPool: [idle] },
    ),
  );
  assert.match(long[0]?.recommendation ?? '', /timeout is 30m00s, longer than/);
});

test('stale-pool: more than 100 idle ≥ 10 min replaces the idle-pool finding', () => {
  const stale = group(
    { host: '10.0.0.1', name: '' },
    {
      count: 400,
      idle: { p50: 900, p90: 4_000, max: 90_000 },
      idleBuckets: {
        under5s: 0,
        under1m: 299,
        under10m: 0,
        under1h: 50,
        under1d: 50,
        atLeast1d: 1,
      },
    },
  );
  const findings = checkIdlePools(node({}, { byPool: [stale] }));
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.check, 'stale-pool');
  assert.match(
    findings[0]?.message ?? '',
    /Unnamed pool on 10\.0\.0\.1 holds 400 connections.*101 of them idle/,
  );
  const hundred = group(
    { host: '10.0.0.1', name: '' },
    {
      count: 100,
      idle: { p50: 700, p90: 700, max: 700 },
      idleBuckets: { under5s: 0, under1m: 0, under10m: 0, under1h: 100, under1d: 0, atLeast1d: 0 },
    },
  );
  assert.equal(checkIdlePools(node({}, { byPool: [hundred] }))[0]?.check, 'idle-pool');
});

test('idle-timeout: timeout 0 and 10+ connections idle an hour', () => {
  const buckets = (n: number) => ({
    under5s: 0,
    under1m: 0,
    under10m: 0,
    under1h: 0,
    under1d: n,
    atLeast1d: 0,
  });
  const nine = group(
    { host: 'h', name: 'a' },
    { count: 9, idleBuckets: buckets(9), idle: { p50: 4_000, p90: 4_000, max: 4_000 } },
  );
  assert.deepEqual(checkIdleTimeout(node({}, { byPool: [nine] })), []);
  const ten = group(
    { host: 'h', name: 'a' },
    { count: 10, idleBuckets: buckets(10), idle: { p50: 4_000, p90: 4_000, max: 172_085 } },
  );
  const [finding] = checkIdleTimeout(node({}, { byPool: [ten] }));
  assert.equal(finding?.severity, 'warning');
  assert.match(
    finding?.message ?? '',
    /10 connections have been idle for an hour or more \(longest 172,085 s\)/,
  );
  assert.match(finding?.recommendation ?? '', /CONFIG SET timeout 300/);
  const withTimeout = node(
    { config: { status: 'ok', timeout: 300, maxClients: 10_000, tcpKeepalive: 300 } },
    { byPool: [ten] },
  );
  assert.deepEqual(checkIdleTimeout(withTimeout), []);
});

test('tcp-keepalive 0 is an info finding', () => {
  assert.deepEqual(checkTcpKeepalive(node()), []);
  const off = node({ config: { status: 'ok', timeout: 0, maxClients: 1, tcpKeepalive: 0 } });
  assert.equal(checkTcpKeepalive(off)[0]?.severity, 'info');
});

test('host-imbalance: > 3× the median of 2+ peers and > 50 connections', () => {
  const hosts = (counts: number[]) =>
    counts.map((count, i) => group({ host: `10.0.0.${i + 1}` }, { count }));
  assert.deepEqual(checkHostImbalance(node({}, { byHost: hosts([300]) })), [], 'no peers');
  assert.deepEqual(checkHostImbalance(node({}, { byHost: hosts([300, 2]) })), [], 'one peer');
  assert.deepEqual(checkHostImbalance(node({}, { byHost: hosts([50, 2, 2]) })), [], 'too few');
  assert.deepEqual(checkHostImbalance(node({}, { byHost: hosts([90, 30, 30]) })), [], '3× exactly');
  const [finding, ...rest] = checkHostImbalance(node({}, { byHost: hosts([3_000, 20, 25, 30]) }));
  assert.equal(rest.length, 0);
  assert.equal(finding?.check, 'host-imbalance');
  assert.deepEqual(finding?.group?.host, '10.0.0.1');
  assert.match(finding?.message ?? '', /3,000 connections .* median of the other 3 hosts \(25\)/);
});

test('rejected-connections: warning since start, error when growing in watch mode', () => {
  assert.deepEqual(checkRejectedConnections(node()), []);
  const past = checkRejectedConnections(node({ server: server({ rejectedConnections: 12 }) }));
  assert.equal(past[0]?.severity, 'warning');
  const growing = checkRejectedConnections(
    node({
      server: server({ rejectedConnections: 20 }),
      delta: {
        intervalSeconds: 5,
        connectedClients: 0,
        accepted: 10,
        rejected: 8,
        commands: null,
        clientListSamples: 0,
      },
    }),
  );
  assert.equal(growing[0]?.severity, 'error');
  assert.match(growing[0]?.message ?? '', /refused 8 connections in the last 5\.0 s/);
});

test('access: unreachable node is an error, forbidden CLIENT LIST a warning, CONFIG an info', () => {
  const down = checkAccess(node({ error: 'connect ECONNREFUSED 127.0.0.1:1' }));
  assert.equal(down.length, 1);
  assert.equal(down[0]?.severity, 'error');
  assert.equal(down[0]?.check, 'node-unreachable');
  const limited = checkAccess(
    node({
      config: {
        status: 'unavailable',
        reason: "NOPERM this user has no permissions to run the 'config|get' command",
      },
      clients: {
        status: 'unavailable',
        reason: "NOPERM this user has no permissions to run the 'client|list' command",
      },
    }),
  );
  assert.deepEqual(
    limited.map((f) => [f.check, f.severity]),
    [
      ['client-list-unavailable', 'warning'],
      ['config-unavailable', 'info'],
    ],
  );
  assert.match(limited[0]?.message ?? '', /CLIENT LIST could not be read .*NOPERM/);
  assert.match(limited[0]?.recommendation ?? '', /\+client\|list/);
  const renamed = checkAccess(
    node({ config: { status: 'unavailable', reason: "ERR unknown command 'CONFIG'" } }),
  );
  assert.match(renamed[0]?.recommendation ?? '', /renamed or disabled/);
});

test('time-wait: info from 100 sockets, warning from 20% of the port range, error from 50%', () => {
  assert.deepEqual(checkTimeWait(hostView({ timeWait: 99 })), []);
  assert.equal(checkTimeWait(hostView({ timeWait: 100 }))[0]?.severity, 'info');
  const warn = checkTimeWait(hostView({ timeWait: 6_000 }));
  assert.equal(warn[0]?.severity, 'warning');
  assert.match(warn[0]?.message ?? '', /6,000 sockets in TIME_WAIT .* 21\.3% of the 28,232/);
  assert.match(
    warn[0]?.recommendation ?? '',
    /tcp_tw_reuse is 0 now\): sysctl -w net\.ipv4\.tcp_tw_reuse=1/,
  );
  assert.equal(checkTimeWait(hostView({ timeWait: 14_116 }))[0]?.severity, 'error');
  assert.doesNotMatch(
    checkTimeWait(hostView({ timeWait: 200 }, 1))[0]?.recommendation ?? '',
    /tcp_tw_reuse/,
    'no stopgap to suggest when it is already 1',
  );
  const explained = new Set(['10.0.0.9:6379']);
  assert.deepEqual(
    checkTimeWait(hostView({ timeWait: 14_116 }), { explained, quiet: new Set() }),
    [],
    'a churn finding that names the pool carries it',
  );
  assert.match(
    checkTimeWait(hostView({ timeWait: 200 }), { explained: new Set(), quiet: explained })[0]
      ?.message ?? '',
    /No client of 10\.0\.0\.9:6379 was opening and closing connections/,
  );
  assert.deepEqual(checkTimeWait({ status: 'unavailable', reason: 'not Linux' }), []);
});

test('close-wait: any socket is a warning', () => {
  assert.deepEqual(checkCloseWait(hostView({ closeWait: 0 })), []);
  const [finding] = checkCloseWait(hostView({ closeWait: 3 }));
  assert.equal(finding?.severity, 'warning');
  assert.match(finding?.message ?? '', /3 sockets in CLOSE_WAIT/);
});

test('discovery: a cluster whose node list could not be read is an error', () => {
  assert.deepEqual(checkDiscovery(null, 'a:1'), []);
  assert.equal(checkDiscovery('CLUSTER NODES: NOPERM', 'a:1')[0]?.severity, 'error');
});

test('runChecks orders errors first; summarise derives the exit code', () => {
  const nodes = [
    node({
      server: server({ connectedClients: 9_900, rejectedConnections: 1 }),
      config: { status: 'ok', timeout: 0, maxClients: 10_000, tcpKeepalive: 0 },
    }),
  ];
  const findings = runChecks({ nodes, host: hostView({ closeWait: 1 }), discoveryError: null });
  assert.deepEqual(
    findings.map((f) => f.severity),
    ['error', 'warning', 'warning', 'info'],
  );
  assert.deepEqual(summarise(findings, nodes), { errors: 1, warnings: 2, infos: 1, exitCode: 1 });
  assert.equal(summarise([], [node()]).exitCode, 0);
  const down = [node({ error: 'refused' })];
  assert.equal(
    summarise(runChecks({ nodes: down, host: hostView({}), discoveryError: null }), down).exitCode,
    3,
  );
});
