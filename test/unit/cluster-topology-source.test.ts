/**
 * The topology's owner against fake nodes: which nodes a refresh asks, how their answers are
 * voted on, and the events the cluster relays (refresh, leak) through the shared façade.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCluster } from '../../src/cluster/cluster-client.js';
import { FakeNodes, shardsReply } from '../helpers/fake-node-client.js';

const ONE = [[0, 16383, 7001, 7004]];
const OTHER = [[0, 16383, 7002, 7005]];

function cluster(nodes: FakeNodes, seeds: number[]) {
  return createCluster(
    {
      nodes: seeds.map((p) => `redis://127.0.0.1:${p}`),
      topologyCheckIntervalMs: 0,
      refreshJitterMs: 0,
      refreshCooldownMs: 0,
    },
    nodes.factory,
  );
}

const shardsAsked = (nodes: FakeNodes): number[] =>
  nodes.made.filter((n) => n.sent.some((c) => String(c.args[1]) === 'SHARDS')).map((n) => n.port);

describe('cluster topology source (fake nodes)', () => {
  it('asks at most three nodes per refresh', async () => {
    const nodes = new FakeNodes();
    nodes.answer = (_n, args) => (args[1] === 'SHARDS' ? shardsReply(ONE) : 'OK');
    const c = cluster(nodes, [7001, 7002, 7003, 7004, 7005]);
    await c.ready();
    assert.equal(shardsAsked(nodes).length, 3);
    await c.close();
  });

  it('takes the answer most nodes give', async () => {
    const nodes = new FakeNodes();
    nodes.answer = (n, args) =>
      args[1] === 'SHARDS' ? shardsReply(n.port === 7003 ? OTHER : ONE) : `${args[0]}@${n.port}`;
    const c = cluster(nodes, [7001, 7002, 7003]);
    await c.ready();
    assert.deepEqual(shardsAsked(nodes).sort(), [7001, 7002, 7003]);
    // Two of three said 7001 serves every slot.
    assert.equal(await c.get('k'), 'GET@7001');
    await c.close();
  });

  it('asks nodes with a live connection before the others', async () => {
    const nodes = new FakeNodes();
    nodes.answer = (_n, args) =>
      args[1] === 'SHARDS'
        ? shardsReply([
            [0, 5000, 7001, 7004],
            [5001, 10000, 7002, 7005],
            [10001, 16383, 7003, 7006],
          ])
        : 'OK';
    const c = cluster(nodes, [7001]);
    await c.nodes('primary'); // makes a client for each primary
    for (const port of [7001, 7002, 7003]) nodes.at(port).connected = port === 7003;
    // Six nodes are known and one is live: were the order random, it would be left out of half
    // the refreshes.
    for (let i = 0; i < 8; i++) {
      for (const n of nodes.made) n.sent.length = 0;
      await c.refreshTopology();
      const asked = shardsAsked(nodes);
      assert.equal(asked.length, 3);
      assert.ok(asked.includes(7003), `the live node is asked: ${asked}`);
    }
    await c.close();
  });

  it('relays refresh and leak events, once included', async () => {
    const nodes = new FakeNodes();
    nodes.answer = (_n, args) => (args[1] === 'SHARDS' ? shardsReply(ONE) : 'OK');
    const c = cluster(nodes, [7001]);
    const refreshes: string[] = [];
    c.once('refresh', (info) => refreshes.push(info.reason));
    await c.ready();
    await c.refreshTopology();
    assert.deepEqual(refreshes, ['startup'], 'once: only the first refresh');
    const leaks: number[] = [];
    const stop = c.onLeak((info) => leaks.push(info.heldMs));
    nodes.at(7001).events.emit('leak', { heldMs: 1234, stack: 'here' });
    stop();
    nodes.at(7001).events.emit('leak', { heldMs: 99, stack: 'here' });
    assert.deepEqual(leaks, [1234]);
    await c.close();
  });
});
