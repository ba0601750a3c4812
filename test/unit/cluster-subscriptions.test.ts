/**
 * Subscriptions that follow their channel's owner, against fake nodes: the node drops a shard
 * channel (SUNSUBSCRIBE), a refresh names the new owner, a classic subscription's node is lost.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createCluster, type RespoolCluster } from '../../src/cluster/cluster-client.js';
import type { ClusterEvents } from '../../src/cluster/cluster-engine.js';
import { keySlot } from '../../src/cluster/slot.js';
import { FakeNodes, shardsReply } from '../helpers/fake-node-client.js';

function setup(shards: number[][]): {
  cluster: RespoolCluster;
  nodes: FakeNodes;
  topology: { shards: number[][] };
  events: string[];
} {
  const nodes = new FakeNodes();
  const topology = { shards };
  nodes.answer = (_node, args) =>
    args[0] === 'CLUSTER' && args[1] === 'SHARDS' ? shardsReply(topology.shards) : 'OK';
  const cluster = createCluster(
    {
      nodes: ['redis://127.0.0.1:7001'],
      topologyCheckIntervalMs: 0,
      refreshJitterMs: 0,
      refreshCooldownMs: 0,
    },
    nodes.factory,
  );
  const events: string[] = [];
  cluster.on('subscriptionDown', (d: ClusterEvents['subscriptionDown'][0]) =>
    events.push(`down ${d.node}`),
  );
  cluster.on('subscriptionUp', (u: ClusterEvents['subscriptionUp'][0]) =>
    events.push(`up ${u.node}`),
  );
  return { cluster, nodes, topology, events };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await delay(10);
  assert.ok(check(), what);
}

const channel = '{c}shard';

describe('cluster subscriptions (fake nodes)', () => {
  it('moves a shard channel its node dropped to the owner a refresh names', async () => {
    const { cluster, nodes, topology, events } = setup([[0, 16383, 7001]]);
    const received: string[] = [];
    await cluster.ssubscribe(channel, (m) => received.push(m));
    const old = nodes.at(7001);
    assert.equal(old.subscriptions.length, 1);
    // Slot handed to 7002; the old node ends the subscription on its own.
    topology.shards = [[0, 16383, 7002]];
    old.subscriptions[0]!.active = false;
    old.events.emit('subscriptionsDropped', 'ssubscribe', [channel]);
    await until(() => events.length === 2, `moved: ${events}`);
    assert.deepEqual(events, ['down 127.0.0.1:7001', 'up 127.0.0.1:7002']);
    nodes.at(7002).publish('ssubscribe', channel, 'hello');
    assert.deepEqual(received, ['hello']);
    await cluster.close();
  });

  it('does not subscribe again on the node that dropped it while the topology still names it', async () => {
    const { cluster, nodes, topology, events } = setup([[0, 16383, 7001]]);
    await cluster.ssubscribe(channel, () => undefined);
    const old = nodes.at(7001);
    old.subscriptions[0]!.active = false;
    old.events.emit('subscriptionsDropped', 'ssubscribe', [channel]);
    await delay(150);
    assert.equal(old.subscriptions.length, 1, 'no SSUBSCRIBE again on the node that let it go');
    assert.deepEqual(events, ['down 127.0.0.1:7001']);
    // The nodes converge: the next refresh (retried by itself) finds the new owner.
    topology.shards = [[0, 16383, 7003]];
    await until(() => events.length === 2, `moved: ${events}`);
    assert.equal(nodes.at(7003).subscriptions.length, 1);
    await cluster.close();
  });

  it('resumes a classic subscription on another node when its node is lost, muting the old one', async () => {
    const { cluster, nodes, events } = setup([
      [0, 8191, 7001],
      [8192, 16383, 7002],
    ]);
    const received: string[] = [];
    await cluster.subscribe('news', (m) => received.push(m));
    const first = nodes.at(7001);
    first.events.emit('subscriberLost', new Error('connection reset'));
    await until(() => events.length === 2, `moved: ${events}`);
    assert.deepEqual(events, ['down 127.0.0.1:7001', 'up 127.0.0.1:7002']);
    assert.equal(first.subscriptions[0]!.active, false, 'unsubscribed from the lost node');
    // Were the lost node to deliver once more before its unsubscribe ran, nobody would hear it.
    first.subscriptions[0]!.listener('stale', 'news');
    nodes.at(7002).publish('subscribe', 'news', 'fresh');
    assert.deepEqual(received, ['fresh']);
    await cluster.close();
  });

  it('keeps a shard subscription on a node whose connection came back, reporting the gap', async () => {
    const { cluster, nodes, events } = setup([[0, 16383, 7001]]);
    await cluster.ssubscribe(channel, () => undefined);
    const node = nodes.at(7001);
    node.events.emit('subscriberLost', new Error('connection reset'));
    node.events.emit('subscriberRestored');
    assert.deepEqual(events, ['down 127.0.0.1:7001', 'up 127.0.0.1:7001']);
    assert.equal(node.subscriptions.length, 1, 'the node subscribed it again itself');
    await cluster.close();
  });

  it('refuses shard channels in two slots and empty channel lists', async () => {
    const { cluster } = setup([[0, 16383, 7001]]);
    assert.notEqual(keySlot('a'), keySlot('b'));
    await assert.rejects(
      cluster.ssubscribe(['a', 'b'], () => undefined),
      {
        code: 'ERR_CROSS_SLOT',
      },
    );
    await assert.rejects(
      cluster.subscribe([], () => undefined),
      { code: 'ERR_INVALID_ARGUMENT' },
    );
    await cluster.close();
  });
});
