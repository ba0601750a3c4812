/**
 * `respool doctor` shows which connections track (client-side caching): a RESP3 cached client
 * (tracking pushed on itself), a RESP2 one (tracking redirected to its subscribed connection),
 * a bcast one, and a plain client that does not track, in the model (JSON), text and HTML.
 * The parse of `t`/`B`/`R` and `redir` is checked on a hand-made line too (a lost redirect
 * cannot be made on cue without racing the server).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, type RespoolClient } from '../../src/client/client.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import { parseClientLine } from '../../src/doctor/parse/client-list.js';
import { renderHtml } from '../../src/doctor/render-html.js';
import { renderJson } from '../../src/doctor/render-json.js';
import { renderText } from '../../src/doctor/render-text.js';
import { trackingClients } from '../../src/doctor/tracking.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
const clients: RespoolClient[] = [];

before(async () => {
  server = await startRedis();
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.stop();
});

async function armed(c: RespoolClient): Promise<void> {
  const end = Date.now() + 5000;
  for (;;) {
    await c.cached.get('warm');
    if (c.stats().cacheHits > 0) return;
    if (Date.now() > end) assert.fail('cache did not arm');
    await delay(10);
  }
}

test('the doctor lists tracking connections: mode and where invalidations go', async () => {
  const resp3 = createClient({ url: server.url, cache: true, name: 'cache-resp3' });
  const resp2 = createClient({ url: server.url, cache: true, protocol: 2, name: 'cache-resp2' });
  const bcast = createClient({
    url: server.url,
    cache: { mode: 'bcast', prefixes: ['user:'] },
    name: 'cache-bcast',
  });
  const plain = createClient({ url: server.url, name: 'no-cache' });
  clients.push(resp3, resp2, bcast, plain);
  await Promise.all([armed(resp3), armed(resp2), plain.ping()]);
  await bcast.cached.get('user:1');

  const report = await runDoctor({ url: server.url });
  const node = report.nodes[0]!;
  assert.ok(node.clients.status === 'ok');
  const tracking = node.clients.tracking;
  const byName = new Map(tracking.map((t) => [t.name, t]));
  assert.deepEqual([...byName.keys()].sort(), ['cache-bcast', 'cache-resp2', 'cache-resp3']);
  assert.equal(byName.get('cache-resp3')?.mode, 'default');
  assert.equal(byName.get('cache-resp3')?.redirect, null);
  assert.equal(byName.get('cache-bcast')?.mode, 'bcast');
  // The RESP2 client's invalidations go to its own subscribed connection, listed too.
  const list = await server.clientList();
  const sub = list.find((c) => c.name === 'cache-resp2' && c.sub > 0);
  assert.ok(sub !== undefined);
  assert.equal(byName.get('cache-resp2')?.redirect, sub.id);
  assert.equal(byName.get('cache-resp2')?.redirectListed, true);

  const text = renderText(report, undefined, 160);
  assert.match(text, /3 connection\(s\) track \(client-side caching\): 1 broadcast, 1 redirect/);
  assert.match(
    text,
    new RegExp(`cache-resp2 \\S+ id \\d+: default, invalidations to client ${sub.id}`),
  );
  assert.match(text, /cache-resp3 \S+ id \d+: default, invalidations pushed on itself \(RESP3\)/);
  assert.doesNotMatch(text, /no-cache \S+ id \d+:/);
  const json = JSON.parse(renderJson(report));
  assert.equal(json.nodes[0].clients.tracking.length, 3);
  const html = renderHtml(report);
  assert.match(html, /<h3>Tracking \(client-side caching\)<\/h3>/);
  assert.match(html, new RegExp(`to client ${sub.id}`));
});

test('CLIENT LIST flags t, B, R and the redir field are read', () => {
  const line =
    'id=7 addr=10.0.0.1:5000 laddr=10.0.0.2:6379 fd=8 name=app age=3 idle=0 flags=tBR db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 cmd=get redir=42';
  const e = parseClientLine(line)!;
  assert.equal(e.redir, 42);
  const [t] = trackingClients([e]);
  assert.equal(t?.mode, 'bcast');
  assert.equal(t?.redirect, 42);
  assert.equal(t?.redirectBroken, true);
  assert.equal(t?.redirectListed, false);
  const none = parseClientLine('id=8 addr=10.0.0.1:5001 flags=N redir=-1 cmd=ping')!;
  assert.deepEqual(trackingClients([none]), []);
});
