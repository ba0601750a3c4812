/**
 * The cluster's routing and redirects against fake node clients (test/helpers/fake-node-client.ts):
 * no server, every reply chosen by the test, so MOVED, ASK, loops and unserved slots happen on cue.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCluster, type RespoolCluster } from '../../src/cluster/cluster-client.js';
import { keySlot } from '../../src/cluster/slot.js';
import { ReplyError } from '../../src/errors.js';
import type { RespValue } from '../../src/protocol/resp-types.js';
import { type FakeNodeClient, FakeNodes, shardsReply } from '../helpers/fake-node-client.js';

const TWO_SHARDS = [
  [0, 8191, 7001, 7004],
  [8192, 16383, 7002, 7005],
] as const;

/** A key whose slot is in [from, to]. */
function keyIn(from: number, to: number, stem = 'k'): string {
  for (let i = 0; ; i++) {
    const key = `${stem}${i}`;
    const slot = keySlot(key);
    if (slot >= from && slot <= to) return key;
  }
}

function setup(
  reply: (node: FakeNodeClient, args: string[]) => RespValue | undefined,
  options: Record<string, unknown> = {},
  shards: readonly (readonly number[])[] = TWO_SHARDS,
): {
  cluster: RespoolCluster;
  nodes: FakeNodes;
  topology: { shards: readonly (readonly number[])[] };
} {
  const nodes = new FakeNodes();
  const topology = { shards };
  nodes.answer = (node, args) => {
    if (args[0] === 'CLUSTER' && args[1] === 'SHARDS') return shardsReply(topology.shards);
    return reply(node, args);
  };
  const cluster = createCluster(
    {
      nodes: ['redis://127.0.0.1:7001'],
      topologyCheckIntervalMs: 0,
      refreshJitterMs: 0,
      refreshCooldownMs: 0,
      ...options,
    },
    nodes.factory,
  );
  return { cluster, nodes, topology };
}

describe('cluster routing (fake nodes)', () => {
  it('sends a key to the primary of its slot, and keyless commands to the primary of slot 0', async () => {
    const { cluster, nodes } = setup((node, args) => `${args[0]}@${node.port}`);
    const low = keyIn(0, 8191);
    const high = keyIn(8192, 16383);
    assert.equal(await cluster.get(low), `GET@7001`);
    assert.equal(await cluster.get(high), `GET@7002`);
    assert.equal(await cluster.call('PING'), 'PING@7001');
    assert.deepEqual(nodes.at(7002).names(), ['GET']);
    await cluster.close();
  });

  it('refuses keys in two slots before anything is sent (ERR_CROSS_SLOT)', async () => {
    const { cluster, nodes } = setup(() => 'OK');
    await cluster.ready();
    await assert.rejects(cluster.call('MSET', 'a', '1', 'b', '2'), { code: 'ERR_CROSS_SLOT' });
    assert.deepEqual(nodes.at(7001).names(), []);
    await cluster.close();
  });

  it('follows MOVED at once, and routes the slot to the new owner from then on', async () => {
    const key = keyIn(0, 8191);
    const slot = keySlot(key);
    const { cluster, nodes } = setup((node, args) => {
      if (node.port === 7001 && args[0] === 'GET')
        return new ReplyError(`MOVED ${slot} 127.0.0.1:7002`);
      return `${args[0]}@${node.port}`;
    });
    assert.equal(await cluster.get(key), 'GET@7002');
    // The snapshot was patched by the MOVED: no second trip to the old owner.
    assert.equal(await cluster.get(key), 'GET@7002');
    assert.deepEqual(nodes.at(7001).names(), ['GET']);
    assert.equal(cluster.stats().redirects, 1);
    await cluster.close();
  });

  it('follows a MOVED that names only a port on the host of the slot owner', async () => {
    const key = keyIn(0, 8191);
    const { cluster } = setup((node, args) =>
      node.port === 7001 && args[0] === 'GET'
        ? new ReplyError(`MOVED ${keySlot(key)} :7002`)
        : `${args[0]}@${node.address}`,
    );
    assert.equal(await cluster.get(key), 'GET@127.0.0.1:7002');
    await cluster.close();
  });

  it('follows ASK with ASKING on the target, without changing the table', async () => {
    const key = keyIn(0, 8191);
    const { cluster, nodes } = setup((node, args) => {
      if (node.port === 7001 && args[0] === 'GET')
        return new ReplyError(`ASK ${keySlot(key)} 127.0.0.1:7003`);
      return `${args[0]}@${node.port}`;
    });
    assert.equal(await cluster.get(key), 'GET@7003');
    assert.deepEqual(nodes.at(7003).names(), ['ASKING', 'GET']);
    // The slot still belongs to 7001: the next command asks it first again.
    assert.equal(await cluster.get(key), 'GET@7003');
    assert.deepEqual(nodes.at(7001).names(), ['GET', 'GET']);
    await cluster.close();
  });

  it('stops a MOVED loop after maxRedirects (ERR_MAX_REDIRECTS)', async () => {
    const key = keyIn(0, 8191);
    const slot = keySlot(key);
    const { cluster, nodes } = setup(
      (node) => new ReplyError(`MOVED ${slot} 127.0.0.1:${node.port === 7001 ? 7002 : 7001}`),
      { maxRedirects: 3 },
    );
    await assert.rejects(cluster.get(key), { code: 'ERR_MAX_REDIRECTS' });
    const sent = nodes.at(7001).names().length + nodes.at(7002).names().length;
    assert.equal(sent, 4, 'the first try and three redirects');
    await cluster.close();
  });

  it('parks a command for a slot nobody serves until a refresh serves it', async () => {
    const high = keyIn(8192, 16383);
    const { cluster, topology } = setup((node, args) => `${args[0]}@${node.port}`, {}, [
      [0, 8191, 7001],
    ]);
    await cluster.ready();
    const pending = cluster.get(high);
    await new Promise((r) => setTimeout(r, 30));
    topology.shards = TWO_SHARDS;
    assert.equal(await pending, 'GET@7002');
    await cluster.close();
  });

  it('fails a parked command at its deadline with ERR_CLUSTER_DOWN, unsent', async () => {
    const high = keyIn(8192, 16383);
    const { cluster } = setup(() => 'never', { commandTimeoutMs: 150 }, [[0, 8191, 7001]]);
    await cluster.ready();
    const started = performance.now();
    await assert.rejects(cluster.get(high), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'ERR_CLUSTER_DOWN');
      assert.match(e.message, /No node served slot \d+ within 150 ms; the command was not sent/);
      return true;
    });
    assert.ok(performance.now() - started >= 140);
    await cluster.close();
  });

  it('sends reads to a replica with replica-preferred, and to the primary after LOADING', async () => {
    const key = keyIn(0, 8191);
    const { cluster, nodes } = setup(
      (node, args) =>
        node.port === 7004 && args[0] === 'GET'
          ? new ReplyError('LOADING Redis is loading the dataset in memory')
          : `${args[0]}@${node.port}`,
      { readFrom: 'replica-preferred' },
    );
    assert.equal(await cluster.get(key), 'GET@7001');
    assert.deepEqual(nodes.at(7004).names(), ['GET']);
    // Writes never go to a replica.
    assert.equal(await cluster.set(key, 'v'), 'SET@7001');
    await cluster.close();
  });

  it('retries TRYAGAIN, routed afresh, within the deadline', async () => {
    const key = keyIn(0, 8191);
    let tries = 0;
    const { cluster } = setup((node, args) =>
      args[0] === 'GET' && ++tries < 3
        ? new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot')
        : `${args[0]}@${node.port}#${tries}`,
    );
    assert.equal(await cluster.get(key), 'GET@7001#3');
    await cluster.close();
  });

  it('routes again what a node that stopped serving slots still held unwritten', async () => {
    const key = keyIn(0, 8191);
    const { cluster, nodes, topology } = setup((node, args) =>
      node.port === 7001 && args[0] === 'GET' ? undefined : `${args[0]}@${node.port}`,
    );
    await cluster.ready();
    const pending = cluster.get(key);
    await new Promise((r) => setImmediate(r));
    assert.equal(nodes.at(7001).pending.length, 1);
    // 7001 leaves; 7003 takes its slots.
    topology.shards = [
      [0, 8191, 7003],
      [8192, 16383, 7002],
    ];
    await cluster.refreshTopology();
    assert.equal(await pending, 'GET@7003');
    assert.equal(nodes.at(7001).closed, true);
    await cluster.close();
  });

  it('sends a multi() to the node of its one slot: MULTI, the commands, EXEC', async () => {
    const key = keyIn(8192, 16383, '{t}');
    const { cluster, nodes } = setup((node, args) => {
      if (args[0] === 'MULTI') return 'OK';
      if (args[0] === 'EXEC') return [`a@${node.port}`, `b@${node.port}`];
      return 'QUEUED';
    });
    const results = await cluster.multi().set(key, '1').get(key).exec();
    assert.deepEqual(results, ['a@7002', 'b@7002']);
    assert.deepEqual(nodes.at(7002).names(), ['MULTI', 'SET', 'GET', 'EXEC']);
    assert.deepEqual(nodes.at(7001).names(), []);
    await cluster.close();
  });
});
