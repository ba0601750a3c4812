/**
 * MONITOR through the proxy, as the contract says: a lease held for the MONITOR session (the
 * server sees one monitoring connection, named respool-proxy), every line relayed, and the
 * connection closed, never lent again, when the client RESETs, QUITs or leaves.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createProxy, type RespoolProxy } from '../../src/proxy/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;
let proxy: RespoolProxy;
let port: number;

before(async () => {
  server = await startRedis();
  proxy = createProxy({
    listen: '127.0.0.1:0',
    upstream: server.url,
    maxConnections: 3,
    leaseTimeoutMs: 300,
  });
  await proxy.listen();
  port = Number(proxy.address()[0]!.split(':')[1]);
});

after(async () => {
  await proxy.close();
  await server.stop();
});

/** Monitoring connections the server holds (flag O). */
async function monitors(): Promise<string[]> {
  return (await server.clientList())
    .filter((c) => String(c.fields['flags'] ?? '').includes('O'))
    .map((c) => c.name);
}

const LINE = /^\+\d+\.\d+ \[/;

/** The next MONITOR line that is not the harness's own CLIENT SETNAME/LIST. */
async function nextLine(watcher: RawClient): Promise<string> {
  for (;;) {
    const frame = await watcher.frame();
    if (!/^\+\S+ \[[^\]]+\] "CLIENT"/.test(frame)) return frame;
  }
}

/** A command's reply on a monitoring client: MONITOR lines before it are skipped. */
async function callPast(watcher: RawClient, ...args: string[]): Promise<string> {
  watcher.command(...args);
  for (;;) {
    const frame = await watcher.frame();
    if (!LINE.test(frame)) return frame;
  }
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

test('MONITOR relays every command on a lease held until RESET', async (t) => {
  const watcher = await RawClient.connect(port);
  const other = await RawClient.connect(port);
  t.after(() => {
    watcher.close();
    other.close();
  });
  assert.equal(await watcher.call('MONITOR'), '+OK\r\n');
  assert.equal(proxy.stats().upstream.leased, 1);
  assert.equal(await other.call('SET', 'mon:k', 'v1'), '+OK\r\n');
  assert.equal(await other.call('GET', 'mon:k'), '$2\r\nv1\r\n');
  const lines = [await nextLine(watcher), await nextLine(watcher)];
  assert.match(lines[0]!, /^\+\d+\.\d+ \[0 [^\]]+\] "SET" "mon:k" "v1"\r\n$/);
  assert.match(lines[1]!, /^\+\d+\.\d+ \[0 [^\]]+\] "GET" "mon:k"\r\n$/);
  // (The harness's own CLIENT LIST is monitored too: asked only once the lines are read.)
  assert.deepEqual(await monitors(), ['respool-proxy']);
  // The proxy's CLIENT LIST shows the watcher as Redis does (flag O).
  assert.match(await other.call('CLIENT', 'LIST'), /flags=O /);
  assert.match(
    await callPast(watcher, 'GET', 'mon:k'),
    /^-ERR respool proxy: only RESET and QUIT are accepted while MONITOR runs/,
  );
  assert.equal(await callPast(watcher, 'RESET'), '+RESET\r\n');
  await until(async () => (await monitors()).length === 0, 'the monitor connection to close');
  assert.equal(proxy.stats().upstream.leased, 0);
  // The client is an ordinary one again, and the closed lease left the budget whole.
  assert.equal(await watcher.call('GET', 'mon:k'), '$2\r\nv1\r\n');
  assert.equal(await other.call('SET', 'mon:k', 'v2'), '+OK\r\n');
});

test('the monitor connection closes when the client QUITs or leaves', async () => {
  const quitter = await RawClient.connect(port);
  assert.equal(await quitter.call('MONITOR'), '+OK\r\n');
  assert.deepEqual(await monitors(), ['respool-proxy']);
  assert.equal(await callPast(quitter, 'QUIT'), '+OK\r\n');
  await quitter.closed;
  await until(async () => (await monitors()).length === 0, 'QUIT to close the monitor');
  const leaver = await RawClient.connect(port);
  assert.equal(await leaver.call('MONITOR'), '+OK\r\n');
  assert.deepEqual(await monitors(), ['respool-proxy']);
  leaver.close();
  await until(async () => (await monitors()).length === 0, 'the client gone to close the monitor');
  await until(async () => proxy.stats().upstream.leased === 0, 'the lease to be returned');
  // No leftover monitor line reaches a client that borrows a connection next.
  const blocker = await RawClient.connect(port);
  const pusher = await RawClient.connect(port);
  blocker.command('BLPOP', 'mon:q', 2);
  await delay(50);
  assert.equal(await pusher.call('RPUSH', 'mon:q', 'x'), ':1\r\n');
  assert.equal(await blocker.frame(), '*2\r\n$5\r\nmon:q\r\n$1\r\nx\r\n');
  blocker.close();
  pusher.close();
});

test('MONITOR waits for a lease like any stateful command, then names the limit', async (t) => {
  // --max-connections 3: the shared connection and two leases.
  const a = await RawClient.connect(port);
  const b = await RawClient.connect(port);
  const c = await RawClient.connect(port);
  t.after(() => {
    a.close();
    b.close();
    c.close();
  });
  assert.equal(await a.call('MONITOR'), '+OK\r\n');
  assert.equal(await b.call('MONITOR'), '+OK\r\n');
  assert.match(await c.call('MONITOR'), /^-ERR respool proxy: .*--max-connections 3/);
  assert.ok((await server.clientList()).length <= 3);
  a.close();
  b.close();
  await until(async () => (await monitors()).length === 0, 'both monitors to close');
});

test("MONITOR never shows the upstream's password (the server redacts the proxy's AUTH)", async (t) => {
  const secret = 'upstream-secret-5f1c';
  const guarded = await startRedis({ password: secret });
  const guardedProxy = createProxy({
    listen: '127.0.0.1:0',
    upstream: guarded.url,
    maxConnections: 4,
  });
  await guardedProxy.listen();
  const guardedPort = Number(guardedProxy.address()[0]!.split(':')[1]);
  const watcher = await RawClient.connect(guardedPort);
  const other = await RawClient.connect(guardedPort);
  t.after(async () => {
    watcher.close();
    other.close();
    await guardedProxy.close();
    await guarded.stop();
  });
  assert.equal(await watcher.call('MONITOR'), '+OK\r\n');
  // A blocking pop takes a lease the pool must dial: its handshake runs while the watcher looks.
  other.command('BLPOP', 'mon:none', '0.1');
  assert.equal(await other.frame(), '*-1\r\n');
  assert.equal(await other.call('SET', 'mon:last', '1'), '+OK\r\n');
  const seen: string[] = [];
  for (;;) {
    const line = await watcher.frame();
    seen.push(line);
    if (line.includes('"mon:last"')) break;
  }
  assert.ok(
    seen.some((l) => /"(AUTH|HELLO)"/.test(l)),
    `the new connection's handshake was seen:\n${seen.join('')}`,
  );
  assert.ok(!seen.join('').includes(secret), seen.join(''));
});
