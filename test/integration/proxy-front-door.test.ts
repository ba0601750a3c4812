/**
 * The proxy's front-door limits and its own answers, against a real redis-server: max clients,
 * idle timeout, the output limit for a client that never reads, AUTH / HELLO AUTH against the
 * proxy's users with the upstream's password never readable, CLIENT … from the proxy's view,
 * QUIT and RESET, and redis-py (Debian's python3-redis) as a real foreign client.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createProxy, type ProxyOptions, type RespoolProxy } from '../../src/proxy/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const run = promisify(execFile);
const UPSTREAM_PASSWORD = 'upstream-secret-7f3a';
let server: RedisServer;
const proxies: RespoolProxy[] = [];

before(async () => {
  server = await startRedis({ password: UPSTREAM_PASSWORD });
});

after(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await server.stop();
});

async function start(options: Partial<ProxyOptions> = {}): Promise<number> {
  const proxy = createProxy({
    listen: '127.0.0.1:0',
    upstream: `redis://:${UPSTREAM_PASSWORD}@127.0.0.1:${server.port}`,
    maxConnections: 4,
    ...options,
  });
  await proxy.listen();
  proxies.push(proxy);
  return Number(proxy.address()[0]!.split(':')[1]);
}

describe('limits', () => {
  test("--max-clients: the next client reads the server's own error", async () => {
    const port = await start({ maxClients: 3 });
    const clients = await Promise.all([1, 2, 3].map(() => RawClient.connect(port)));
    const fourth = await RawClient.connect(port);
    assert.equal(await fourth.frame(), '-ERR max number of clients reached\r\n');
    await fourth.closed;
    assert.equal(await clients[0]!.call('PING'), '+PONG\r\n');
    clients[0]!.close();
    await delay(50);
    const fifth = await RawClient.connect(port);
    assert.equal(await fifth.call('PING'), '+PONG\r\n');
    for (const c of [...clients, fifth]) c.close();
  });

  test('idle clients are closed; subscribers are not', async () => {
    const port = await start({ clientIdleTimeoutMs: 300 });
    const idle = await RawClient.connect(port);
    const subscriber = await RawClient.connect(port);
    await subscriber.call('SUBSCRIBE', 'idle-channel');
    await idle.closed;
    assert.equal(await subscriber.call('PING'), '*2\r\n$4\r\npong\r\n$0\r\n\r\n');
    subscriber.close();
  });

  test('a client that pipelines but never reads is closed at the output limit; others carry on', async () => {
    const port = await start({ maxClientOutputBytes: 1024 * 1024 });
    const writer = await RawClient.connect(port);
    assert.equal(await writer.call('SET', 'big', Buffer.alloc(100_000, 'v')), '+OK\r\n');
    const greedy = await RawClient.connect(port);
    greedy.socket.pause();
    greedy.write(Buffer.from('*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n'.repeat(2_000)));
    await delay(500);
    // Reading now shows the proxy gave up long before 200 MB of replies.
    greedy.socket.resume();
    await greedy.closed;
    assert.ok(greedy.unread.length < 32 * 1024 * 1024, `${greedy.unread.length} bytes arrived`);
    assert.equal(await writer.call('GET', 'missing'), '$-1\r\n');
    writer.close();
  });
});

describe('AUTH', () => {
  test('--requirepass: NOAUTH before, WRONGPASS for a bad one, then everything works', async () => {
    const port = await start({ requirepass: 'proxy-pass', users: { alice: 'alice-pass' } });
    const c = await RawClient.connect(port);
    assert.equal(await c.call('GET', 'x'), '-NOAUTH Authentication required.\r\n');
    assert.equal(
      await c.call('AUTH', UPSTREAM_PASSWORD),
      '-WRONGPASS invalid username-password pair or user is disabled.\r\n',
    );
    assert.equal(await c.call('AUTH', 'proxy-pass'), '+OK\r\n');
    assert.equal(await c.call('SET', 'authed', '1'), '+OK\r\n');
    const h = await RawClient.connect(port);
    assert.match(
      await h.call('HELLO', 3, 'AUTH', 'alice', 'alice-pass', 'SETNAME', 'svc'),
      /^%7\r\n/,
    );
    assert.equal(await h.call('CLIENT', 'GETNAME'), '$3\r\nsvc\r\n');
    assert.equal(await h.call('GET', 'authed'), '$1\r\n1\r\n');
    c.close();
    h.close();
  });

  test('the upstream password is never readable', async () => {
    const port = await start();
    const c = await RawClient.connect(port);
    const config = await c.call('CONFIG', 'GET', '*pass*');
    assert.ok(!config.includes(UPSTREAM_PASSWORD), config);
    assert.ok(!config.includes('requirepass'));
    assert.match(
      await c.call('CONFIG', 'SET', 'requirepass', 'x'),
      /^-ERR respool proxy: CONFIG SET requirepass/,
    );
    assert.match(await c.call('ACL', 'LIST'), /^-ERR respool proxy/);
    assert.ok(!(await c.call('CLIENT', 'LIST')).includes(UPSTREAM_PASSWORD));
    c.close();
  });
});

describe("CLIENT from the proxy's view, QUIT, RESET", () => {
  test('SETNAME, LIST, INFO, ID, KILL', async () => {
    const port = await start();
    const a = await RawClient.connect(port);
    const b = await RawClient.connect(port);
    assert.equal(await a.call('CLIENT', 'SETNAME', 'worker-a'), '+OK\r\n');
    assert.equal(
      await a.call('CLIENT', 'SETNAME', 'bad name'),
      '-ERR Client names cannot contain spaces, newlines or special characters.\r\n',
    );
    const idB = Number((await b.call('CLIENT', 'ID')).slice(1, -2));
    const list = await a.call('CLIENT', 'LIST');
    const lines = list.split('\r\n')[1]!.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.ok(lines.some((l) => / name=worker-a /.test(l)));
    assert.ok(lines.some((l) => l.startsWith(`id=${idB} `)));
    assert.match(await a.call('CLIENT', 'INFO'), /name=worker-a .*resp=2/);
    assert.equal(await a.call('CLIENT', 'KILL', 'ID', idB), ':1\r\n');
    await b.closed;
    assert.match(
      await a.call('CLIENT', 'TRACKING', 'on'),
      /^-ERR respool proxy: client-side caching/,
    );
    a.close();
  });

  test('QUIT answers +OK and closes; RESET returns a clean session', async () => {
    const port = await start();
    const c = await RawClient.connect(port);
    await c.call('HELLO', 3);
    await c.call('SELECT', 2);
    await c.call('MULTI');
    assert.equal(await c.call('RESET'), '+RESET\r\n');
    assert.match(await c.call('CLIENT', 'INFO'), / db=0 .*resp=2/);
    assert.equal(await c.call('EXEC'), '-ERR EXEC without MULTI\r\n');
    assert.equal(await c.call('QUIT'), '+OK\r\n');
    await c.closed;
  });
});

describe('redis-py through the proxy', () => {
  test('commands, pipeline, WATCH transaction, pub/sub, blocking pop', async () => {
    const port = await start({ requirepass: 'py-pass' });
    const script = `
import redis, threading, time
r = redis.Redis(port=${port}, password='py-pass')
assert r.set('py', 'v') and r.get('py') == b'v'
p = r.pipeline(transaction=False)
for i in range(100): p.incr('py-n')
assert p.execute()[-1] == 100
with r.pipeline() as t:
    t.watch('py-n'); n = int(t.get('py-n')); t.multi(); t.set('py-n', n + 1); assert t.execute() == [True]
assert r.get('py-n') == b'101'
ps = r.pubsub(); ps.subscribe('py-ch'); ps.get_message(timeout=1)
assert r.publish('py-ch', 'hi') == 1
m = ps.get_message(timeout=2)
assert m['data'] == b'hi', m
threading.Timer(0.2, lambda: redis.Redis(port=${port}, password='py-pass').rpush('py-q', 'job')).start()
assert r.blpop('py-q', 5) == (b'py-q', b'job')
print('ok')
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script], { timeout: 20_000 });
    assert.equal(stdout.trim(), 'ok');
  });
});
