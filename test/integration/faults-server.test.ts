/**
 * Fault injection against real redis-server processes: killed and restarted under load (AOF,
 * fsync always), CLIENT KILL of our own connections, the server's idle `timeout`, CLIENT PAUSE,
 * SIGSTOP/SIGCONT (a silent peer), and maxclients. Each server is private to its test, so the
 * faults cannot leak into other tests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient, type RespoolClient } from '../../src/index.js';
import { expectClientCount } from '../helpers/baseline.js';
import { startRedis } from '../helpers/redis-server.js';

interface Tally {
  ok: number;
  written: number;
  notWritten: number;
  other: Error[];
}

/** Run `op` from `callers` concurrent loops until `stop()` resolves; classify every outcome. */
async function underLoad(
  callers: number,
  op: () => Promise<unknown>,
  stop: Promise<void>,
): Promise<Tally> {
  const tally: Tally = { ok: 0, written: 0, notWritten: 0, other: [] };
  let running = true;
  void stop.then(() => {
    running = false;
  });
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (running) {
        try {
          await op();
          tally.ok++;
        } catch (error) {
          const written = (error as { written?: unknown }).written;
          if (written === true) tally.written++;
          else if (written === false) tally.notWritten++;
          else tally.other.push(error as Error);
        }
      }
    }),
  );
  return tally;
}

function errorEvents(client: RespoolClient): Error[] {
  const errors: Error[] = [];
  client.on('error', (e) => errors.push(e));
  return errors;
}

describe('server killed and restarted under load', () => {
  test('every acknowledged INCR survives 5 kill/restarts; extras are bounded by written failures', async (t) => {
    const server = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
    const c = createClient({
      url: server.url,
      commandTimeoutMs: 5_000,
      reconnectDelayMs: 20,
      maxReconnectDelayMs: 200,
    });
    try {
      await c.ready();
      const chaos = (async () => {
        for (let i = 0; i < 5; i++) {
          await delay(250);
          await server.kill('SIGKILL');
          await delay(100);
          await server.restart();
        }
        await delay(300);
      })();
      const tally = await underLoad(100, () => c.incr('counter'), chaos);
      const final = Number(await c.get('counter'));
      assert.deepEqual(tally.other, [], 'every failure carries written: true or false');
      assert.ok(tally.ok > 100, `load ran: ${tally.ok} acknowledged`);
      assert.ok(
        final >= tally.ok,
        `lost acknowledged writes: final ${final} < acknowledged ${tally.ok}`,
      );
      assert.ok(
        final - tally.ok <= tally.written,
        `final ${final} exceeds acknowledged ${tally.ok} by more than the ${tally.written} calls that may have run`,
      );
      assert.ok(c.stats().reconnects >= 5, `reconnects: ${c.stats().reconnects}`);
      t.diagnostic(
        `acknowledged ${tally.ok}, final ${final}, failed written:true ${tally.written}, written:false ${tally.notWritten}, reconnects ${c.stats().reconnects}`,
      );
    } finally {
      await c.close();
      await server.stop();
    }
  });
});

describe('connection faults on a live server', () => {
  test('CLIENT KILL of our connections under read load: read-only commands are resent, none fail', async () => {
    const server = await startRedis();
    const c = createClient(server.url);
    const errors = errorEvents(c);
    try {
      await c.set('k', 'v');
      const kills = (async () => {
        for (let i = 0; i < 5; i++) {
          await delay(100);
          await server.cli('CLIENT', 'KILL', 'TYPE', 'normal');
        }
        await delay(100);
      })();
      const tally = await underLoad(50, async () => assert.equal(await c.get('k'), 'v'), kills);
      assert.equal(tally.written + tally.notWritten + tally.other.length, 0, 'no GET failed');
      assert.ok(c.stats().retries > 0, 'GETs in flight at a kill were resent');
      assert.ok(c.stats().destroyed >= 5);
      assert.deepEqual(errors, [], 'routine faults raise no error event');
    } finally {
      await c.close();
      await server.stop();
    }
  });

  test("the server's idle timeout: after 3 s idle, plain and leased commands just work", async (t) => {
    for (const when of ['before connecting', 'after connecting'] as const) {
      const server = await startRedis();
      if (when === 'before connecting') await server.cli('CONFIG', 'SET', 'timeout', '1');
      const c = createClient({ url: server.url, maxConnections: 4 });
      const errors = errorEvents(c);
      try {
        await c.set('k', 'v');
        await Promise.all([c.blpop(['q1'], 0.05), c.blpop(['q2'], 0.05)]);
        if (when === 'after connecting') await server.cli('CONFIG', 'SET', 'timeout', '1');
        await delay(3_000);
        assert.equal(await c.get('k'), 'v', when);
        assert.equal(await c.withConnection((conn) => conn.get('k')), 'v', when);
        assert.equal(await c.blpop(['q3'], 0.05), null, when);
        assert.equal(c.stats().commandsFailed, 0, when);
        assert.deepEqual(errors, [], when);
        t.diagnostic(
          `timeout 1 set ${when}: 0 failed commands, 0 error events, ${c.stats().created} connections created`,
        );
      } finally {
        await c.close();
        await server.stop();
      }
    }
  });

  test('CLIENT PAUSE: commands wait it out within their deadline, or fail at it', async () => {
    const server = await startRedis();
    const c = createClient(server.url);
    try {
      await c.set('k', 'v');
      await server.cli('CLIENT', 'PAUSE', '500', 'ALL');
      const t0 = Date.now();
      assert.equal(await c.get('k'), 'v');
      assert.ok(Date.now() - t0 >= 350, 'the GET waited for the pause');
      await server.cli('CLIENT', 'PAUSE', '1500', 'ALL');
      const t1 = Date.now();
      await assert.rejects(c.withOptions({ timeoutMs: 300 }).get('k'), (e: unknown) => {
        assert.equal((e as { code: string }).code, 'ERR_COMMAND_TIMEOUT');
        assert.equal((e as { written: boolean }).written, true);
        return true;
      });
      const waited = Date.now() - t1;
      assert.ok(waited >= 280 && waited < 1000, `failed after ${waited} ms`);
      await server.cli('CLIENT', 'UNPAUSE');
      assert.equal(await c.get('k'), 'v', 'works again after the pause');
    } finally {
      await c.close();
      await server.stop();
    }
  });

  test('SIGSTOP: callers fail at their deadline, not later; recovery within a second of SIGCONT', async (t) => {
    const server = await startRedis();
    const c = createClient({ url: server.url, commandTimeoutMs: 500 });
    try {
      await c.set('k', 'v');
      await server.pause();
      const failures = await Promise.all(
        Array.from({ length: 20 }, async () => {
          const t0 = Date.now();
          const error = await c.get('k').then(
            () => undefined,
            (e: unknown) => e as { code: string },
          );
          return { error, ms: Date.now() - t0 };
        }),
      );
      for (const f of failures) {
        assert.equal(f.error?.code, 'ERR_COMMAND_TIMEOUT');
        assert.ok(f.ms >= 450 && f.ms < 1200, `failed after ${f.ms} ms`);
      }
      // Commands issued while it is stopped also fail at their deadline.
      const t1 = Date.now();
      await assert.rejects(c.get('k'), { code: 'ERR_COMMAND_TIMEOUT' });
      assert.ok(Date.now() - t1 < 1200);
      await server.resume();
      const resumedAt = Date.now();
      let recoveredAt = 0;
      while (recoveredAt === 0 && Date.now() - resumedAt < 5_000) {
        const ok = await c.get('k').then(
          (v) => v === 'v',
          () => false,
        );
        if (ok) recoveredAt = Date.now();
        else await delay(20);
      }
      assert.ok(recoveredAt > 0, 'recovered');
      assert.ok(
        recoveredAt - resumedAt < 1000,
        `recovered ${recoveredAt - resumedAt} ms after SIGCONT`,
      );
      const ms = failures.map((f) => f.ms).sort((a, b) => a - b);
      t.diagnostic(
        `deadline 500 ms: failed after ${ms[0]}..${ms[ms.length - 1]} ms; recovered ${recoveredAt - resumedAt} ms after SIGCONT`,
      );
    } finally {
      await c.close();
      await server.stop();
    }
  });

  test('maxclients: callers get ERR_MAX_CLIENTS, attempts follow the backoff, recovery when room frees', async (t) => {
    const server = await startRedis();
    const admin = createClient(server.url);
    const c = createClient({ url: server.url, reconnectDelayMs: 50, maxReconnectDelayMs: 1000 });
    const errors = errorEvents(c);
    try {
      await admin.ready();
      await admin.call('CONFIG', 'SET', 'maxclients', '1');
      const rejected = async () => {
        const info = String(await admin.call('INFO', 'stats'));
        return Number(/rejected_connections:(\d+)/.exec(info)?.[1]);
      };
      const before = await rejected();
      const started = Date.now();
      let calls = 0;
      const codes = new Set<string>();
      while (Date.now() - started < 2_000) {
        await c.get('k').then(
          () => codes.add('ok'),
          (e: unknown) => codes.add((e as { code: string }).code),
        );
        calls++;
        await delay(5);
      }
      const attempts = (await rejected()) - before;
      assert.deepEqual([...codes], ['ERR_MAX_CLIENTS']);
      assert.ok(calls > 100, `${calls} calls`);
      // 2 s of backoff from 50 ms doubling (with jitter) to a 1 s cap allows about 6 attempts.
      assert.ok(
        attempts >= 2 && attempts <= 10,
        `${attempts} connection attempts for ${calls} calls`,
      );
      t.diagnostic(`${calls} calls in 2 s at maxclients: ${attempts} rejected connections`);
      assert.ok(
        errors.length >= 1 &&
          errors.every((e) => (e as { code?: string }).code === 'ERR_MAX_CLIENTS'),
      );
      await admin.call('CONFIG', 'SET', 'maxclients', '100');
      await delay(1100); // past the current backoff window
      assert.equal(await c.set('k', 'v'), 'OK', 'recovers once the server has room');
    } finally {
      await c.close();
      await admin.close();
      await expectClientCount(server, 0);
      await server.stop();
    }
  });
});
