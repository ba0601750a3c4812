/**
 * The budget at scale, through the real CLI process: 1,000 clients each send a blocking pop on a
 * key of their own to `respool proxy --max-connections 8`. The server's CLIENT LIST, polled the
 * whole time, never shows more than 8 connections; the clients that found no free connection get
 * the -ERR naming the limit once the lease timeout passes; the ones holding leases get their
 * values when the keys are pushed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';
import { type ProxyProcess, startRespoolProxy } from '../helpers/respool-proxy-process.js';

const CLIENTS = 1_000;
const MAX_CONNECTIONS = 8;
const LEASE_TIMEOUT_MS = 300;
let server: RedisServer;
let proxy: ProxyProcess;

before(async () => {
  server = await startRedis();
  const started = await startRespoolProxy({
    root: process.cwd(),
    upstreamPort: server.port,
    maxConnections: MAX_CONNECTIONS,
    maxClients: CLIENTS + 10,
    extraArgs: ['--lease-timeout', String(LEASE_TIMEOUT_MS)],
  });
  assert.ok(started, 'this checkout has the proxy CLI');
  proxy = started;
});

after(async () => {
  await proxy?.stop();
  await server?.stop();
});

test('1,000 blocked clients, --max-connections 8: never more than 8 server connections', async (t) => {
  const startedAt = Date.now();
  const clients: RawClient[] = [];
  // In batches, so the listen backlog never overflows.
  for (let i = 0; i < CLIENTS; i += 100) {
    clients.push(
      ...(await Promise.all(Array.from({ length: 100 }, () => RawClient.connect(proxy.port)))),
    );
  }
  let peak = 0;
  let polls = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      peak = Math.max(peak, (await server.clientList()).length);
      polls++;
      await delay(20);
    }
  })();
  const sentAt = Date.now();
  let firstRefusalMs = Number.POSITIVE_INFINITY;
  const replies = clients.map((c, i) => {
    c.command('BLPOP', `scale:${i}`, 0);
    return c.frame(30_000).then(
      (frame) => frame,
      (error: Error) => `no reply: ${error.message}`,
    );
  });
  // Everyone without a lease is answered once the lease timeout has passed.
  const settled = new Map<number, string>();
  replies.forEach(
    (p, i) =>
      void p.then((frame) => {
        firstRefusalMs = Math.min(firstRefusalMs, Date.now() - sentAt);
        settled.set(i, frame);
      }),
  );
  const deadline = Date.now() + 20_000;
  while (settled.size < CLIENTS - (MAX_CONNECTIONS - 1) && Date.now() < deadline) await delay(50);
  await delay(LEASE_TIMEOUT_MS * 2);
  const refusedAfterMs = Date.now() - startedAt;
  const refused = [...settled.values()];
  const holders = clients.flatMap((_, i) => (settled.has(i) ? [] : [i]));
  assert.ok(
    refused.every((r) => r.startsWith('-ERR respool proxy: ') && r.includes('--max-connections 8')),
    `every refusal names the limit: ${refused.find((r) => !r.includes('--max-connections 8'))}`,
  );
  // They waited for a lease first, as long as --lease-timeout says (timers never fire early).
  assert.ok(firstRefusalMs >= LEASE_TIMEOUT_MS - 5, `first refusal after ${firstRefusalMs} ms`);
  // One connection is the shared one; every other can be a lease.
  assert.ok(
    holders.length >= 1 && holders.length <= MAX_CONNECTIONS - 1,
    `${holders.length} hold leases`,
  );
  assert.equal(refused.length + holders.length, CLIENTS);
  const blocked = (await server.clientList()).filter((c) => c.cmd === 'blpop');
  assert.equal(blocked.length, holders.length, 'each lease holder is blocked on the server');
  // The shared connection still serves while every lease is held.
  const other = await RawClient.connect(proxy.port);
  for (const i of holders) assert.equal(await other.call('RPUSH', `scale:${i}`, 'v'), ':1\r\n');
  for (const i of holders) {
    const key = `scale:${i}`;
    assert.equal(await replies[i], `*2\r\n$${key.length}\r\n${key}\r\n$1\r\nv\r\n`, `client ${i}`);
  }
  polling = false;
  await poller;
  assert.ok(polls >= 10, `polled CLIENT LIST ${polls} times`);
  assert.ok(peak <= MAX_CONNECTIONS, `the server saw ${peak} connections from the proxy`);
  assert.ok(peak >= 2, `peak ${peak}: the leases were really taken`);
  t.diagnostic(
    `${holders.length} leases held, ${refused.length} refused (first after ${firstRefusalMs} ms, all within ${refusedAfterMs} ms), server peak ${peak} connections over ${polls} CLIENT LIST polls`,
  );
  other.close();
  for (const c of clients) c.close();
});
