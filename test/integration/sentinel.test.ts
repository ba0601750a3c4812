/**
 * createSentinel against a real primary, replica and three sentinels, with passwords on both
 * the data nodes and the sentinels: discovery (options and URL), role checks, replica reads,
 * a wrong name, wrong sentinel credentials, and sentinels that are down or hung.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, createSentinel, type SentinelOptions } from '../../src/index.js';
import { freePort } from '../helpers/free-port.js';
import { type SentinelTopology, startSentinelTopology } from '../helpers/redis-sentinel.js';

const PASSWORD = 'data-secret';

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await delay(20);
  }
}
const SENTINEL_PASSWORD = 'sentinel-secret';

describe('createSentinel', () => {
  let topo: SentinelTopology;
  let base: SentinelOptions;
  /** Clients connected to each sentinel (the helper's own INFO connection included). */
  const connected = async (): Promise<number[]> =>
    Promise.all(
      topo.sentinels.map(async (s) => Number((await s.info('clients'))['connected_clients'])),
    );

  before(async () => {
    topo = await startSentinelTopology({
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
    });
    base = {
      sentinels: topo.sentinels.map((s) => ({ host: s.host, port: s.port })),
      name: topo.name,
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
      sentinelTimeoutMs: 500,
    };
  });
  after(() => topo?.stop());

  test('discovers the primary through the sentinels and checks its role', async () => {
    const client = createSentinel(base);
    try {
      await client.set('sentinel:k', 'v');
      assert.equal(await client.get('sentinel:k'), 'v');
      assert.deepEqual(client.address, { host: '127.0.0.1', port: topo.primary.port });
      const role = (await client.call('ROLE')) as unknown[];
      assert.equal(role[0], 'master');
      // Leases and blocking commands dial through the same resolver.
      const popped = await client.withConnection(async (c) => {
        await c.call('RPUSH', 'sentinel:list', 'x');
        return c.call('BLPOP', 'sentinel:list', '1');
      });
      assert.deepEqual(popped, ['sentinel:list', 'x']);
    } finally {
      await client.close();
    }
  });

  test('accepts a redis+sentinel:// URL; createClient refuses one and names createSentinel', async () => {
    const url = topo.url.replace(/\/([^/]+)$/, '/$1/2');
    const client = createSentinel({ url, sentinelPassword: SENTINEL_PASSWORD });
    try {
      await client.set('sentinel:db2', '1');
      assert.equal(await topo.primary.cli('-n', '2', 'GET', 'sentinel:db2'), '1');
    } finally {
      await client.close();
    }
    assert.throws(() => createClient(topo.url), {
      code: 'ERR_INVALID_ARGUMENT',
      message: /createSentinel/,
    });
    assert.throws(
      () => createClient(topo.url),
      (e: Error) => !e.message.includes(PASSWORD),
    );
  });

  test('role replica reads from a healthy replica, which refuses writes', async () => {
    const client = createSentinel({ ...base, role: 'replica' });
    try {
      const role = (await client.call('ROLE')) as unknown[];
      assert.equal(role[0], 'slave');
      assert.deepEqual(client.address, { host: '127.0.0.1', port: topo.replica.port });
      await assert.rejects(client.set('sentinel:ro', '1'), /READONLY/);
    } finally {
      await client.close();
    }
  });

  test('a lost connection makes the next dial ask the sentinels again', async () => {
    const client = createSentinel({ ...base, clientName: 'sentinel-rediscover' });
    const asked = async (): Promise<number> => {
      let n = 0;
      for (const s of topo.sentinels)
        n += Number((await s.info('stats'))['total_connections_received']);
      return n;
    };
    try {
      await client.ping();
      const before = await asked();
      await topo.primary.cli('CLIENT', 'KILL', 'TYPE', 'normal');
      assert.equal(await client.ping(), 'PONG');
      // One question to a sentinel (the helper's own INFO calls are counted too: + 3).
      assert.ok((await asked()) >= before + 3 + 1);
    } finally {
      await client.close();
    }
  });

  test('close() ends the subscriptions to every sentinel', async () => {
    const before = await connected();
    const client = createSentinel(base);
    await client.ping();
    // One subscription per sentinel (the helper's own INFO connection counts in both).
    await waitFor(async () => (await connected()).every((n, i) => n === (before[i] ?? 0) + 1));
    await client.close();
    await waitFor(async () => (await connected()).every((n, i) => n === before[i]));
  });

  test('given one sentinel, the client learns the others and subscribes to each', async () => {
    const before = await connected();
    const [first] = topo.sentinels;
    assert.ok(first !== undefined);
    const client = createSentinel({ ...base, sentinels: [{ host: first.host, port: first.port }] });
    try {
      await client.ping();
      await waitFor(async () => (await connected()).every((n, i) => n === (before[i] ?? 0) + 1));
    } finally {
      await client.close();
    }
  });

  test('a name no sentinel monitors fails with ERR_SENTINEL_UNKNOWN_NAME', async () => {
    const client = createSentinel({ ...base, name: 'nosuchmaster' });
    try {
      await assert.rejects(client.ping(), {
        code: 'ERR_SENTINEL_UNKNOWN_NAME',
        message: /nosuchmaster/,
      });
    } finally {
      await client.close();
    }
  });

  test('a wrong sentinel password fails with ERR_SENTINEL_UNREACHABLE, never echoing it', async () => {
    const client = createSentinel({ ...base, sentinelPassword: 'wrong-one' });
    try {
      await assert.rejects(client.ping(), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'ERR_SENTINEL_UNREACHABLE');
        assert.match(error.message, /WRONGPASS|invalid|auth/i);
        assert.ok(!error.message.includes('wrong-one'));
        return true;
      });
    } finally {
      await client.close();
    }
  });

  test('a sentinel that is down or hung is skipped for the next one', async () => {
    const deadPort = await freePort();
    const [hung, live] = topo.sentinels;
    assert.ok(hung !== undefined && live !== undefined);
    await hung.pause();
    const client = createSentinel({
      ...base,
      sentinels: [
        { host: '127.0.0.1', port: deadPort },
        { host: hung.host, port: hung.port },
        { host: live.host, port: live.port },
      ],
      sentinelTimeoutMs: 300,
    });
    try {
      const started = performance.now();
      assert.equal(await client.ping(), 'PONG');
      // The dead one refuses at once; the hung one costs its timeout, not more.
      assert.ok(performance.now() - started < 3_000);
      assert.equal(client.address?.port, topo.primary.port);
    } finally {
      await hung.resume();
      await client.close();
    }
  });

  test('no sentinel reachable fails with ERR_SENTINEL_UNREACHABLE', async () => {
    const client = createSentinel({
      ...base,
      sentinels: [{ host: '127.0.0.1', port: await freePort() }],
    });
    try {
      await assert.rejects(client.ping(), { code: 'ERR_SENTINEL_UNREACHABLE' });
    } finally {
      await client.close();
    }
  });

  test('invalid options throw synchronously, naming the option', () => {
    assert.throws(() => createSentinel({ name: 'x' }), /"sentinels"/);
    assert.throws(() => createSentinel({ sentinels: [{ host: 'h' }] }), /"name"/);
    assert.throws(
      () => createSentinel({ ...base, role: 'leader' as 'primary' }),
      /"role".*"leader"/,
    );
    assert.throws(() => createSentinel({ ...base, sentinels: [{ host: 'h', port: 0 }] }), /port/);
    assert.throws(() => createSentinel('redis+sentinel://nohosts'), /"url"/);
    assert.throws(
      () => createSentinel('redis+sentinel://:pw-hidden@h:1,h:x/m'),
      (e: Error) => /"url"/.test(e.message) && !e.message.includes('pw-hidden'),
    );
  });
});
