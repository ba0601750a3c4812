/**
 * A `SENTINEL FAILOVER` under 100 concurrent writers: the client moves to the new primary
 * within 2 s of the promotion, and writes the demoted primary acknowledged after the promotion
 * (lost: the new primary does not hold them) stay under 0.5 % of all acknowledged writes.
 * Subscriptions and leases follow; a replica client leaves the promoted replica. One failover
 * per file: the demoted primary takes Sentinel several seconds to reconfigure.
 *
 * The bounds are the issue's; the measured figures are far inside them (docs/sentinel.md), so
 * run-to-run noise on a loaded machine does not decide the outcome.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createSentinel, type RespoolSentinel, type SwitchEvent } from '../../src/index.js';
import { runFailoverLoad } from '../helpers/failover-load.js';
import { type SentinelTopology, startSentinelTopology } from '../helpers/redis-sentinel.js';

let topo: SentinelTopology;
let client: RespoolSentinel;
let reader: RespoolSentinel;

before(async () => {
  topo = await startSentinelTopology();
  client = createSentinel({
    sentinels: topo.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: topo.name,
    clientName: 'failover-test',
  });
  reader = createSentinel({
    sentinels: topo.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: topo.name,
    role: 'replica',
    commandTimeoutMs: 30_000,
  });
});
after(async () => {
  await client?.close();
  await reader?.close();
  await topo?.stop();
});

test('SENTINEL FAILOVER under 100 writers: moved within 2 s, < 0.5 % acknowledged by the demoted primary after the promotion', async (t) => {
  await client.ready();
  await reader.ready();
  assert.equal(reader.address?.port, topo.replica.port);
  assert.equal(client.address?.port, topo.primary.port);
  const messages: string[] = [];
  await client.subscribe('sentinel:news', (m) => messages.push(m));
  const switches: SwitchEvent[] = [];
  client.onSwitch((e) => switches.push(e));

  const result = await runFailoverLoad(
    topo,
    { set: (k) => client.set(k, '1'), incr: (k) => client.incr(k) },
    { callers: 100, beforeMs: 2_000, afterMs: 3_000, prefix: 'w' },
  );
  const report = JSON.stringify(result);
  t.diagnostic(`respool: ${report}`);

  assert.ok(result.acknowledged > 1_000, `too few writes to judge: ${report}`);
  assert.ok(result.movedAfterMs !== undefined, `never reached the new primary: ${report}`);
  assert.ok(result.movedAfterMs < 2_000, `moved after ${result.movedAfterMs} ms: ${report}`);
  // The bound: writes the demoted primary acknowledged after the promotion. (Writes it
  // acknowledged just before and had not yet replicated are lost by any client; on a loaded
  // machine the replica can lag by thousands. They are reported, not bounded here.)
  assert.ok(
    result.lostAfterPromotionRatio < 0.005,
    `lost ${result.lostAfterPromotion} acknowledged after the promotion, of ${result.acknowledged}: ${report}`,
  );
  // The writes in flight when the promotion began were answered by the old primary (before it
  // stopped replicating), not failed.
  assert.equal(result.failed, 0, report);
  assert.equal(client.address?.port, topo.replica.port);
  assert.deepEqual(
    switches.map((s) => [s.from?.port, s.to.port]),
    [[topo.primary.port, topo.replica.port]],
  );

  // The subscription moved with the client: a message published on the new primary arrives.
  const deadline = performance.now() + 5_000;
  while (!messages.includes('after') && performance.now() < deadline) {
    await topo.replica.cli('PUBLISH', 'sentinel:news', 'after');
    await delay(50);
  }
  assert.ok(messages.includes('after'), 'the subscription did not follow the failover');
  // Leases dial the new primary too.
  const role = await client.withConnection((c) => c.call('ROLE'));
  assert.equal((role as unknown[])[0], 'master');
  // Nothing of the client is left on the old primary, and the budget held on the new one.
  const ours = async (server: typeof topo.primary): Promise<number> =>
    (await server.clientList()).filter((c) => c.name === 'failover-test').length;
  assert.equal(await ours(topo.primary), 0);
  const onNew = await ours(topo.replica);
  assert.ok(onNew >= 2 && onNew <= 10, `${onNew} connections on the new primary`);
});

test('a replica client leaves its replica once it is promoted, for the demoted primary once it replicates', async () => {
  // Run after the failover above: the replica the reader used is now the primary. Sentinel
  // turns the old primary into a replica some 8 s after the switch; until then the reader's
  // commands wait (within commandTimeoutMs) for a healthy replica.
  const role = (await reader.call('ROLE')) as unknown[];
  assert.equal(role[0], 'slave');
  assert.equal(reader.address?.port, topo.primary.port);
  assert.equal(await reader.get('w:0:0'), '1');
});
