/**
 * Grouping and distributions: nearest-rank percentiles, idle buckets, the four groupings, the
 * blocked/pub-sub/timeout classification, and analyzeNode (the doctor's own connections left
 * out, lib-name reported or not, unreadable sections, watch deltas).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeActivity } from '../../src/doctor/activity.js';
import { analyzeNode } from '../../src/doctor/analyze.js';
import type { Fetched, RawNode } from '../../src/doctor/collect.js';
import { distribution, idleBuckets, percentile } from '../../src/doctor/distribution.js';
import { clientTraits, groupClients, keyId } from '../../src/doctor/groups.js';
import { type ClientEntry, parseClientLine } from '../../src/doctor/parse/client-list.js';

function entry(fields: string): ClientEntry {
  const parsed = parseClientLine(
    `id=1 addr=10.0.0.1:5000 age=10 idle=1 flags=N cmd=ping ${fields}`,
  );
  assert.ok(parsed !== undefined);
  return parsed;
}

test('percentile is nearest-rank: always an observed value', () => {
  const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(sorted, 50), 5);
  assert.equal(percentile(sorted, 90), 9);
  assert.equal(percentile(sorted, 100), 10);
  assert.equal(percentile([7], 50), 7);
  assert.equal(percentile([], 50), 0);
  assert.equal(percentile([1, 2, 3], 0), 1);
});

test('distribution sorts its input and reports p50, p90, max', () => {
  assert.deepEqual(distribution([30, 10, 20]), { p50: 20, p90: 30, max: 30 });
  assert.deepEqual(distribution([]), { p50: 0, p90: 0, max: 0 });
  const many = Array.from({ length: 300 }, (_, i) => i);
  assert.deepEqual(distribution(many), { p50: 149, p90: 269, max: 299 });
});

test('idleBuckets: lower bounds inclusive', () => {
  assert.deepEqual(idleBuckets([0, 4, 5, 59, 60, 599, 600, 3599, 3600, 86399, 86400]), {
    under5s: 2,
    under1m: 4,
    under10m: 2,
    under1h: 2,
    under1d: 2,
    atLeast1d: 1,
  });
});

test('clientTraits: blocked, blocking command, pub/sub, replication links', () => {
  const plain = clientTraits(entry('name=a'));
  assert.deepEqual(plain, {
    blocked: false,
    blockingCommand: false,
    pubsub: false,
    subjectToTimeout: true,
  });
  const blocked = clientTraits(entry('flags=b cmd=blpop'));
  assert.equal(blocked.blocked, true);
  assert.equal(blocked.blockingCommand, true);
  assert.equal(blocked.subjectToTimeout, false);
  // Between two BLPOPs: not blocked now, still a blocking consumer, and subject to timeout.
  const between = clientTraits(entry('cmd=brpop'));
  assert.equal(between.blockingCommand, true);
  assert.equal(between.subjectToTimeout, true);
  assert.equal(clientTraits(entry('flags=P sub=1 cmd=subscribe')).pubsub, true);
  assert.equal(clientTraits(entry('ssub=2 cmd=ssubscribe')).pubsub, true);
  assert.equal(clientTraits(entry('flags=S cmd=replconf')).subjectToTimeout, false);
  assert.equal(clientTraits(entry('cmd=client|list')).blockingCommand, false);
});

test('groupClients: four groupings, largest first, stats per group', () => {
  const entries = [
    ...Array.from({ length: 5 }, (_, i) =>
      entry(`addr=10.0.0.1:${6000 + i} name=web idle=${i * 100}`),
    ),
    entry('addr=10.0.0.2:6000 name=web idle=5'),
    entry('addr=10.0.0.2:6001 name= idle=7 flags=P sub=1'),
  ];
  const groups = groupClients(entries, false);
  assert.deepEqual(
    groups.byPool.map((g) => [g.key, g.count]),
    [
      [{ host: '10.0.0.1', name: 'web', libName: null }, 5],
      [{ host: '10.0.0.2', name: '', libName: null }, 1],
      [{ host: '10.0.0.2', name: 'web', libName: null }, 1],
    ],
  );
  assert.deepEqual(
    groups.byHost.map((g) => [g.key.host, g.count]),
    [
      ['10.0.0.1', 5],
      ['10.0.0.2', 2],
    ],
  );
  assert.deepEqual(
    groups.byName.map((g) => [g.key.name, g.count]),
    [
      ['web', 6],
      ['', 1],
    ],
  );
  assert.deepEqual(groups.byLibName, [], 'not reported: no lib-name grouping');
  const web = groups.byPool[0];
  assert.deepEqual(web?.idle, { p50: 200, p90: 400, max: 400 });
  assert.equal(web?.subjectToTimeout, 5);
  assert.equal(web?.idleBuckets.under1m, 1);
  assert.equal(web?.idleBuckets.under10m, 4);
  const host2 = groups.byHost[1];
  assert.equal(host2?.pubsub, 1);
  assert.equal(host2?.subjectToTimeout, 1);
});

test('groupClients with lib-name reported keys pools by it and groups by it', () => {
  const entries = [
    entry('name=a lib-name=ioredis'),
    entry('name=a lib-name=ioredis'),
    entry('name=a lib-name='),
  ];
  const groups = groupClients(entries, true);
  assert.deepEqual(
    groups.byLibName.map((g) => [g.key.libName, g.count]),
    [
      ['ioredis', 2],
      ['', 1],
    ],
  );
  assert.equal(groups.byPool.length, 2);
});

const ok = <T>(value: T): Fetched<T> => ({ ok: true, value });

function rawNode(overrides: Partial<RawNode> = {}): RawNode {
  const clientList = [
    'id=1 addr=127.0.0.1:1 name=respool-doctor age=1 idle=0 flags=N cmd=client|list',
    'id=2 addr=127.0.0.1:2 name=naive-pool age=50 idle=40 flags=N cmd=ping',
    'id=3 addr=127.0.0.1:3 name=naive-pool age=50 idle=42 flags=N cmd=ping',
  ].join('\n');
  return {
    target: { address: '127.0.0.1:6379', host: '127.0.0.1', port: 6379, clusterNodeId: null },
    error: null,
    info: new Map([
      ['server', ok('# Server\r\nredis_version:7.0.15\r\nuptime_in_seconds:100\r\n')],
      [
        'clients',
        ok('# Clients\r\nconnected_clients:3\r\nmaxclients:10000\r\nblocked_clients:0\r\n'),
      ],
      ['stats', ok('# Stats\r\ntotal_connections_received:10\r\nrejected_connections:0\r\n')],
      ['replication', ok('# Replication\r\nrole:master\r\n')],
    ]),
    config: ok(['timeout', '0', 'maxclients', '10000', 'tcp-keepalive', '300']),
    clientList: ok(clientList),
    commandStats: null,
    doctorCommands: new Map(),
    ...overrides,
  };
}

test('analyzeNode leaves the doctor out of the groups and says how many it left out', () => {
  const node = analyzeNode(rawNode(), 'respool-doctor');
  assert.equal(node.error, null);
  assert.equal(node.role, 'master');
  assert.equal(node.server?.connectedClients, 3);
  assert.equal(node.server?.version, '7.0.15');
  assert.deepEqual(node.config, {
    status: 'ok',
    timeout: 0,
    maxClients: 10_000,
    tcpKeepalive: 300,
  });
  assert.ok(node.clients.status === 'ok');
  assert.equal(node.clients.listed, 3);
  assert.equal(node.clients.excluded, 1);
  assert.equal(node.clients.libNameReported, false);
  assert.deepEqual(
    node.clients.groups.byName.map((g) => [g.key.name, g.count]),
    [['naive-pool', 2]],
  );
  assert.equal(node.info['clients']?.['maxclients'], '10000');
  assert.equal(node.delta, null);
});

test('analyzeNode keeps the reasons of sections it could not read', () => {
  const node = analyzeNode(
    rawNode({
      config: {
        ok: false,
        error: "NOPERM this user has no permissions to run the 'config|get' command",
      },
      clientList: { ok: false, error: 'NOPERM no client|list' },
    }),
    'respool-doctor',
  );
  assert.equal(node.config.status, 'unavailable');
  assert.ok(node.config.status === 'unavailable');
  assert.match(node.config.reason, /NOPERM/);
  assert.ok(node.clients.status === 'unavailable');
  assert.match(node.clients.reason, /client\|list/);
  assert.equal(node.server?.maxClients, 10_000, 'INFO still gives maxclients');
});

test('analyzeNode of an unreachable node: error set, every section unavailable', () => {
  const node = analyzeNode(
    rawNode({ error: 'connect ECONNREFUSED', info: new Map(), config: null, clientList: null }),
    'respool-doctor',
  );
  assert.equal(node.error, 'connect ECONNREFUSED');
  assert.equal(node.server, null);
  assert.equal(node.config.status, 'unavailable');
  assert.equal(node.clients.status, 'unavailable');
});

test('analyzeNode watch deltas: accepted, rejected, connections; none across a restart', () => {
  const first = analyzeNode(rawNode(), 'respool-doctor');
  const later = rawNode({
    info: new Map([
      ['server', ok('uptime_in_seconds:105\r\n')],
      ['clients', ok('connected_clients:5\r\n')],
      ['stats', ok('total_connections_received:25\r\nrejected_connections:4\r\n')],
    ]),
  });
  const second = analyzeNode(later, 'respool-doctor', { node: first, intervalSeconds: 5 });
  assert.deepEqual(second.delta, {
    intervalSeconds: 5,
    connectedClients: 2,
    accepted: 15,
    rejected: 4,
    commands: null,
    clientListSamples: 0,
  });
  const restarted = rawNode({ info: new Map([['server', ok('uptime_in_seconds:1\r\n')]]) });
  assert.equal(
    analyzeNode(restarted, 'respool-doctor', { node: first, intervalSeconds: 5 }).delta,
    null,
  );
});

test('nodeActivity: command rates shared by last command, the doctor removed; opened and closed per pool', () => {
  const before = rawNode({
    clientList: ok(
      [
        'id=1 addr=127.0.0.1:1 name=respool-doctor age=1 idle=0 flags=N cmd=client|list',
        'id=2 addr=10.0.0.1:2 name=fifo age=9 idle=0 flags=N cmd=incr',
        'id=3 addr=10.0.0.1:3 name=fifo age=9 idle=0 flags=N cmd=incr',
        'id=4 addr=10.0.0.2:4 name=churn age=0 idle=0 flags=N cmd=incr',
      ].join('\n'),
    ),
    commandStats: ok(
      '# Commandstats\r\ncmdstat_incr:calls=100,usec=1\r\ncmdstat_info:calls=10,usec=1\r\n',
    ),
    doctorCommands: new Map([['info', 4]]),
  });
  const after = rawNode({
    clientList: ok(
      [
        'id=1 addr=127.0.0.1:1 name=respool-doctor age=2 idle=0 flags=N cmd=client|list',
        'id=2 addr=10.0.0.1:2 name=fifo age=10 idle=0 flags=N cmd=incr',
        'id=3 addr=10.0.0.1:3 name=fifo age=10 idle=0 flags=N cmd=incr',
        'id=9 addr=10.0.0.2:9 name=churn age=0 idle=0 flags=N cmd=incr',
        'id=10 addr=10.0.0.3:10 name=monitor age=50 idle=0 flags=N cmd=info',
      ].join('\n'),
    ),
    // 60 INCRs by others; 8 INFOs, of which the doctor sent 8 - 4 = 4 more since.
    commandStats: ok('cmdstat_incr:calls=160,usec=1\r\ncmdstat_info:calls=18,usec=1\r\n'),
    doctorCommands: new Map([['info', 8]]),
  });
  const sample = 'id=5 addr=10.0.0.2:5 name=churn age=0 idle=0 flags=N cmd=incr';
  const activity = nodeActivity({
    before,
    after,
    samples: [sample],
    seconds: 2,
    doctorName: 'respool-doctor',
    libNameReported: false,
  });
  assert.ok(activity !== null);
  assert.equal(activity.commands, 64, '60 INCR + 4 INFO not the doctor’s');
  assert.equal(activity.clientListSamples, 3);
  const fifo = activity.pools.get(keyId({ host: '10.0.0.1', name: 'fifo', libName: null }));
  const churn = activity.pools.get(keyId({ host: '10.0.0.2', name: 'churn', libName: null }));
  const monitor = activity.pools.get(keyId({ host: '10.0.0.3', name: 'monitor', libName: null }));
  // 60 INCRs in 2 s shared by the three connections whose last command was INCR.
  assert.equal(fifo?.commandsPerSecond, 20);
  assert.deepEqual(churn, { commandsPerSecond: 10, opened: 2, closed: 2, topologyQueries: 0 });
  assert.equal(fifo?.opened, 0);
  assert.equal(fifo?.closed, 0);
  assert.equal(monitor?.commandsPerSecond, 2, 'the 4 INFOs that were not the doctor’s');
  assert.equal(monitor?.opened, 1);
});
