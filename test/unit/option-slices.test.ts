/**
 * Options per layer: the client's resolved options cut into the connection's and the pool's
 * slices (client/option-slices.ts), a cluster node's options made from the cluster's once
 * (withEndpoint), READONLY decided by the cluster and passed through its node factory, the
 * cluster defaults as a frozen constant, and the password hidden the same way everywhere.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import {
  reconnectBackoff,
  toConnectionOptions,
  toPoolOptions,
} from '../../src/client/option-slices.js';
import { resolveClientOptions, withEndpoint } from '../../src/client/options.js';
import { createCluster } from '../../src/cluster/cluster-client.js';
import {
  DEFAULT_CLUSTER_OPTIONS,
  nodeOptions,
  resolveClusterOptions,
} from '../../src/cluster/cluster-options.js';
import type { NodeSettings } from '../../src/cluster/node-client.js';
import { DEFAULT_CLUSTER_OPTIONS as EXPORTED } from '../../src/index.js';
import { resolvePoolOptions } from '../../src/pool/pool-options.js';
import { FakeNodes, shardsReply } from '../helpers/fake-node-client.js';

const SECRET = 's3cret-pw';

test('the connection slice: every dial and handshake field, the password hidden, READONLY only as an extra', () => {
  const o = resolveClientOptions({ url: `redis://u:${SECRET}@h.example:7000/2`, name: 'api' });
  const c = toConnectionOptions(o);
  assert.equal(c.host, 'h.example');
  assert.equal(c.port, 7000);
  assert.equal(c.db, 2);
  assert.equal(c.username, 'u');
  assert.equal(c.name, 'api');
  assert.equal(c.readOnly, false);
  assert.equal(c.password, SECRET, 'readable by name (the handshake needs it)');
  assert.ok(!Object.keys(c).includes('password'), 'not enumerable');
  assert.ok(!JSON.stringify(c).includes(SECRET));
  assert.ok(!inspect(c).includes(SECRET));
  assert.ok(!JSON.stringify({ ...c }).includes(SECRET), 'a spread drops it');
  assert.equal(toConnectionOptions(o, { readOnly: true }).readOnly, true);
});

test('the pool slice: maxConnections - 1, and dials back off like reconnects', () => {
  const o = resolveClientOptions({
    maxConnections: 7,
    reconnectDelayMs: 30,
    maxReconnectDelayMs: 900,
    idleTimeoutMs: 400,
  });
  const p = resolvePoolOptions(toPoolOptions(o));
  assert.equal(p.maxSize, 6);
  assert.equal(p.evictionIntervalMs, 400, 'at least as often as the idle timeout');
  assert.deepEqual(
    { baseMs: p.dialBackoffMs, maxMs: p.maxDialBackoffMs },
    reconnectBackoff(o),
    'one backoff configuration',
  );
  assert.deepEqual(reconnectBackoff(o), { baseMs: 30, maxMs: 900 });
  assert.equal(p.maxConcurrentDials, 4, 'the documented default');
});

test('maxConcurrentDials is a client option, validated and handed to the pool', () => {
  const o = resolveClientOptions({ maxConcurrentDials: 2 });
  assert.equal(resolvePoolOptions(toPoolOptions(o)).maxConcurrentDials, 2);
  for (const bad of [0, 1.5, -1, '3']) {
    assert.throws(() => resolveClientOptions({ maxConcurrentDials: bad } as never), {
      code: 'ERR_INVALID_ARGUMENT',
      message: /maxConcurrentDials/,
    });
  }
});

test('readOnly is not a client option any more', () => {
  assert.throws(() => resolveClientOptions({ readOnly: true } as never), {
    code: 'ERR_INVALID_ARGUMENT',
    message: /readOnly.*replica-preferred/,
  });
  assert.throws(
    () => createCluster({ nodes: ['redis://127.0.0.1:7001'], readOnly: true } as never),
    {
      code: 'ERR_INVALID_ARGUMENT',
    },
  );
});

test('withEndpoint: the same resolved options at another address, password still hidden', () => {
  const o = resolveClientOptions({ password: SECRET, commandTimeoutMs: 1234 });
  const n = withEndpoint(o, '10.0.0.9', 7009);
  assert.equal(n.host, '10.0.0.9');
  assert.equal(n.port, 7009);
  assert.equal(n.commandTimeoutMs, 1234);
  assert.equal(n.clientId, o.clientId, 'diagnostics stay attributed to one client');
  assert.equal(n.password, SECRET);
  assert.ok(!Object.keys(n).includes('password'));
  assert.ok(!inspect(n).includes(SECRET));
  assert.match(inspect(n), /<redacted>/);
  assert.ok(Object.isFrozen(n));
});

test('cluster defaults: one frozen, exported constant, which resolution applies', () => {
  assert.equal(EXPORTED, DEFAULT_CLUSTER_OPTIONS);
  assert.ok(Object.isFrozen(DEFAULT_CLUSTER_OPTIONS));
  const r = resolveClusterOptions({ nodes: [`redis://:${SECRET}@127.0.0.1:7001`] });
  for (const [name, value] of Object.entries(DEFAULT_CLUSTER_OPTIONS)) {
    assert.equal(r[name as keyof typeof r], value, name);
  }
  // The first seed's password reaches every node, hidden.
  const node = nodeOptions(r, '127.0.0.1', 7002);
  assert.equal(node.port, 7002);
  assert.equal(node.password, SECRET);
  assert.ok(!inspect(r).includes(SECRET));
});

test('READONLY is decided by the cluster and handed to its node factory', async () => {
  for (const readFrom of ['primary', 'replica-preferred'] as const) {
    const nodes = new FakeNodes();
    const settings: NodeSettings[] = [];
    const factory = nodes.factory;
    nodes.answer = (_node, args) =>
      args[0] === 'CLUSTER' ? shardsReply([[0, 16383, 7001, 7002]]) : 'v';
    const cluster = createCluster(
      { nodes: ['redis://127.0.0.1:7001'], readFrom, topologyCheckIntervalMs: 0 },
      (options, budget, s) => {
        settings.push(s);
        return factory(options, budget, s);
      },
    );
    assert.equal(await cluster.get('k'), 'v');
    assert.ok(settings.length > 0);
    assert.ok(
      settings.every((s) => s.readOnly === (readFrom === 'replica-preferred')),
      `${readFrom}: ${JSON.stringify(settings)}`,
    );
    await cluster.close();
  }
});
