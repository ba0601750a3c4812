/**
 * Operations through the proxy: `respool doctor` pointed at the proxy sees the proxy's own
 * clients (from its CLIENT LIST), grouped by host and name, while the server behind it sees only
 * the proxy's connections, each named `respool-proxy`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runDoctor } from '../../src/doctor/doctor.js';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let proxy: RespoolProxy;
let port: number;
const clients: RawClient[] = [];

before(async () => {
  server = await startRedis();
  proxy = createProxy({ listen: '127.0.0.1:0', upstream: server.url, maxConnections: 4 });
  await proxy.listen();
  port = Number(proxy.address()[0]!.split(':')[1]);
});

after(async () => {
  for (const c of clients) c.close();
  await proxy.close();
  await server.stop();
});

test('doctor at the proxy groups its clients by host and name; the server sees respool-proxy only', async () => {
  for (const [name, n] of [
    ['worker', 5],
    ['web', 3],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const c = await RawClient.connect(port);
      clients.push(c);
      assert.equal(await c.call('CLIENT', 'SETNAME', name), '+OK\r\n');
      assert.equal(await c.call('SET', `doc:${name}:${i}`, '1'), '+OK\r\n');
    }
  }
  const report = await runDoctor({ url: `redis://127.0.0.1:${port}` });
  const view = report.nodes[0]!.clients;
  assert.equal(view.status, 'ok');
  if (view.status !== 'ok') return;
  const byName = new Map(view.groups.byName.map((g) => [g.key.name, g.count]));
  assert.equal(byName.get('worker'), 5);
  assert.equal(byName.get('web'), 3);
  const byHost = new Map(view.groups.byHost.map((g) => [g.key.host, g.count]));
  assert.equal(byHost.get('127.0.0.1'), 8, 'the eight clients, the doctor left out');
  // Behind the proxy: its upstream connections only, all named so the server's doctor groups them.
  const upstream = await server.clientList();
  assert.ok(upstream.length >= 1 && upstream.length <= 4, `${upstream.length} connections`);
  assert.deepEqual(new Set(upstream.map((c) => c.name)), new Set(['respool-proxy']));
});
