/**
 * The primary dies (SIGKILL): Sentinel detects it, elects a leader and promotes the replica; the
 * client, whose connection is gone, keeps asking and moves to the new primary on its own, and
 * commands that waited within their deadline succeed there.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createSentinel, type RespoolSentinel, type SwitchEvent } from '../../src/index.js';
import { type SentinelTopology, startSentinelTopology } from '../helpers/redis-sentinel.js';

let topo: SentinelTopology;
let client: RespoolSentinel;

before(async () => {
  topo = await startSentinelTopology({ downAfterMs: 1_000 });
  client = createSentinel({
    sentinels: topo.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: topo.name,
    commandTimeoutMs: 30_000,
  });
});
after(async () => {
  await client?.close();
  await topo?.stop();
});

test('a killed primary: the client moves to the promoted replica and waiting writes land there', async () => {
  await client.set('loss:before', '1');
  const switches: SwitchEvent[] = [];
  client.onSwitch((e) => switches.push(e));
  // The writes below must follow the client's own sight of the loss: issued before it, they can
  // be written into the dying socket and fail `written: true` (not safe to run twice), which is
  // right but not what this test is about.
  const lost = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await topo.primary.kill();
  const killedAt = performance.now();
  await lost;
  // Written while no primary exists: they wait (unwritten) and run on the new primary.
  const writes = Array.from({ length: 50 }, (_, i) => client.set(`loss:${i}`, String(i)));
  const results = await Promise.allSettled(writes);
  const elapsedMs = performance.now() - killedAt;
  const failed = results.filter((r) => r.status === 'rejected');
  assert.equal(failed.length, 0, `failed: ${JSON.stringify(failed.slice(0, 3))}`);
  assert.ok(elapsedMs < 25_000, `took ${elapsedMs} ms`);
  assert.equal(client.address?.port, topo.replica.port);
  assert.equal(switches.at(-1)?.to.port, topo.replica.port);
  for (let i = 0; i < 50; i += 7) {
    assert.equal(await topo.replica.cli('GET', `loss:${i}`), String(i));
  }
  // And the client keeps working there.
  await delay(10);
  assert.equal(await client.incr('loss:counter'), 1);
});
