/**
 * The incident-5 replay on the demo's own private cluster: after the nodes close idle clients,
 * the naive cluster client stampedes (random-node retries, MOVED, one topology rebuild per
 * caller over fresh connections to every node) while respool reconnects to the same nodes with
 * at most one refresh. Asserted on the structured result, whose counts come from the nodes'
 * INFO, not from the clients under test.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createClient } from '../../src/client/client.js';
import { createCluster } from '../../src/cluster/cluster-client.js';
import { ownWarnings } from '../../src/demo/doctor-verdict.js';
import { replayClusterStampede, stampedeReport } from '../../src/demo/incident-5.js';
import { type PrivateCluster, startPrivateCluster } from '../../src/demo/private-cluster.js';

let cluster: PrivateCluster;

before(async () => {
  cluster = await startPrivateCluster();
});

after(async () => {
  await cluster.stop();
});

test('incident 5: the naive client rebuilds the topology per caller, respool reconnects in place', async () => {
  const runId = randomBytes(4).toString('hex');
  const params = { hmgets: 20, idleSeconds: 3, serverTimeout: 2 };
  const result = await replayClusterStampede(
    {
      seeds: cluster.seeds,
      nodes: cluster.nodes.map((n) => ({ host: n.host, port: n.port })),
      runId,
      progress: () => {},
    },
    params,
  );
  const { naive, respool } = result;
  const detail = JSON.stringify({
    naive: { ...naive, verdict: undefined },
    respool: { ...respool, verdict: undefined },
  });

  // The replay bit: the nodes closed the idle connections of both sides.
  assert.ok(naive.closedByServer > 0, detail);
  assert.ok(respool.closedByServer > 0, detail);

  assert.ok(naive.connectionErrors > 0, detail);
  assert.ok(naive.topologyQueries >= 10, `naive topology queries ${naive.topologyQueries}`);
  assert.ok(naive.refreshes >= 2, `naive rebuilds ${naive.refreshes}`);
  assert.ok(
    naive.connectionsOpened > respool.connectionsOpened,
    `connections opened: naive ${naive.connectionsOpened}, respool ${respool.connectionsOpened}`,
  );

  assert.ok(respool.topologyQueries <= 1, `respool topology queries ${respool.topologyQueries}`);
  assert.ok(respool.refreshes <= 1, `respool refreshes ${respool.refreshes}`);
  assert.equal(respool.afterIdle.succeeded, params.hmgets);
  assert.equal(respool.afterIdle.errors, 0);
  assert.equal(respool.connectionErrors, 0);
  assert.ok(
    respool.afterIdle.maxMs < naive.afterIdle.maxMs,
    `slowest HMGET: respool ${respool.afterIdle.maxMs} ms, naive ${naive.afterIdle.maxMs} ms`,
  );
  for (const side of [naive, respool]) {
    assert.equal(side.warm.wrongReplies + side.afterIdle.wrongReplies, 0);
  }

  // The doctor audited the whole cluster for each side, and found nothing wrong with respool's.
  for (const side of [naive, respool]) {
    assert.equal(side.verdict.error, null);
    assert.notEqual(side.verdict.exitCode, null);
    assert.ok(side.verdict.connections.count > 0, `${side.clientName}: the doctor saw none`);
  }
  assert.deepEqual(ownWarnings(respool.verdict), []);
  // Audited across the burst, the naive client is named for its storm of slot-table rebuilds.
  const storm = ownWarnings(naive.verdict).find((f) => f.check === 'topology-storm');
  assert.ok(storm !== undefined, JSON.stringify(naive.verdict.findings));
  assert.match(storm.message, /ran \d+ cluster topology queries/);

  const report = stampedeReport(result);
  assert.deepEqual(report.failures, []);
  assert.deepEqual(report.verdicts?.sides, [naive.verdict, respool.verdict]);

  // Cleanup: every node's timeout is back to what it was (0), and the hashes are gone.
  for (const node of cluster.nodes) {
    const admin = createClient({ host: node.host, port: node.port });
    try {
      const reply = await admin.call('CONFIG', 'GET', 'timeout');
      const value = reply instanceof Map ? reply.get('timeout') : (reply as unknown[])[1];
      assert.equal(String(value), '0', `timeout of node ${node.port}`);
    } finally {
      await admin.close();
    }
  }
  const check = createCluster({ nodes: cluster.seeds });
  try {
    const keys = Array.from(
      { length: params.hmgets },
      (_, i) => `respool-demo:${runId}:incident-5:user:${i}`,
    );
    assert.equal(await check.exists(...keys), 0);
  } finally {
    await check.close();
  }
});
