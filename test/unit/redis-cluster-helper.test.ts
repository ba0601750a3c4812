/**
 * The cluster harness itself: every cluster test trusts its formation, slot bookkeeping,
 * resharding and failover controls, so they are checked against real redis-server nodes here.
 *
 * The tests share one cluster and run in order; each leaves the cluster settled for the next.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parseNodeLine } from '../helpers/cluster-view.js';
import { type RedisCluster, startCluster } from '../helpers/redis-cluster.js';
import type { RedisServer } from '../helpers/redis-server.js';

const SLOT_COUNT = 16_384;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function node(cluster: RedisCluster, index: number): RedisServer {
  const found = cluster.nodes[index];
  assert.ok(found !== undefined, `no node ${index}`);
  return found;
}

async function clusterInfo(server: RedisServer): Promise<Record<string, string>> {
  const fields: Record<string, string> = {};
  for (const line of (await server.cli('CLUSTER', 'INFO')).split('\n')) {
    const [key = '', value = ''] = line.trim().split(':');
    fields[key] = value;
  }
  return fields;
}

/** A key whose slot `owner` serves, found by asking the cluster rather than computing CRC16. */
async function keyOwnedBy(cluster: RedisCluster, owner: RedisServer): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const key = `key:${i}`;
    if ((await cluster.slotOwner(await cluster.keySlot(key))) === owner) {
      return key;
    }
  }
  throw new Error(`no key:N among 100 lands on port ${owner.port}`);
}

/** The shape of one `CLUSTER SHARDS` entry in redis-cli's RESP3 JSON output (7.0). */
interface Shard {
  readonly slots: readonly number[];
  readonly nodes: readonly { readonly port: number; readonly role: string }[];
}

describe('parseNodeLine', () => {
  test('reads address, flags, primary, epoch, ranges and open slots', () => {
    const line = parseNodeLine(
      'abc 127.0.0.1:40001@50001,host.example myself,master - 0 0 7 connected 0-99 200 ' +
        '[300->-def] [301-<-ghi]',
    );
    assert.equal(line.id, 'abc');
    assert.equal(line.port, 40001);
    assert.deepEqual(line.flags, ['myself', 'master']);
    assert.equal(line.primaryId, undefined);
    assert.equal(line.configEpoch, 7);
    assert.deepEqual(line.ranges, [
      [0, 99],
      [200, 200],
    ]);
    assert.deepEqual(line.openSlots, ['[300->-def]', '[301-<-ghi]']);
    const replica = parseNodeLine('def :40002@50002 slave,fail abc 1 2 7 disconnected');
    assert.equal(replica.port, 40002);
    assert.equal(replica.primaryId, 'abc');
    assert.deepEqual(replica.ranges, []);
  });
});

describe('startCluster', () => {
  let cluster: RedisCluster;
  let startupMs = 0;

  before(async () => {
    const t0 = performance.now();
    cluster = await startCluster();
    startupMs = performance.now() - t0;
  });

  after(async () => {
    await cluster?.stop();
  });

  test('forms three primaries and three replicas on private ports', async () => {
    // Not a timing assertion: only a hint in the output if startup gets slow.
    if (startupMs > 5_000) {
      console.warn(`startCluster took ${Math.round(startupMs)} ms`);
    }
    const [n0, n1, n2, n3, n4, n5] = cluster.nodes;
    assert.deepEqual(await cluster.primaries(), [n0, n1, n2]);
    assert.deepEqual(await cluster.replicas(), [n3, n4, n5]);
    for (let i = 0; i < 3; i++) {
      assert.equal(await cluster.primaryOf(node(cluster, i + 3)), node(cluster, i));
    }
    assert.equal(new Set(cluster.nodes.map((n) => n.port)).size, 6);
    assert.ok(cluster.nodes.every((n) => n.port !== 6379));
    assert.deepEqual(
      cluster.seeds,
      cluster.nodes.map((n) => `redis://127.0.0.1:${n.port}`),
    );
    for (const server of cluster.nodes) {
      const info = await clusterInfo(server);
      assert.equal(info['cluster_state'], 'ok');
      assert.equal(info['cluster_known_nodes'], '6');
      assert.equal(info['cluster_size'], '3');
    }
    assert.ok(n0 !== undefined && n3 !== undefined);
    assert.match(await n3.cli('ROLE'), new RegExp(`^slave\n127\\.0\\.0\\.1\n${n0.port}\n`));
    const { master_link_status } = await n3.info('replication');
    assert.equal(master_link_status, 'up');
  });

  test('covers all 16384 slots, and CLUSTER SHARDS agrees on every node', async () => {
    const tables: string[] = [];
    for (const server of cluster.nodes) {
      const info = await clusterInfo(server);
      assert.equal(info['cluster_slots_assigned'], String(SLOT_COUNT));
      assert.equal(info['cluster_slots_ok'], String(SLOT_COUNT));
      const shards = JSON.parse(await server.cli('--json', 'CLUSTER', 'SHARDS')) as Shard[];
      const ranges: string[] = [];
      for (const shard of shards) {
        const primary = shard.nodes.find((n) => n.role === 'master');
        // 7.0 lists `slots` flat: [start, end, start, end, ...].
        for (let i = 0; i < shard.slots.length; i += 2) {
          ranges.push(`${shard.slots[i]}-${shard.slots[i + 1]}@${primary?.port}`);
        }
      }
      tables.push(ranges.sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10)).join());
    }
    const [n0, n1, n2] = cluster.nodes;
    assert.equal(tables[0], `0-5460@${n0?.port},5461-10922@${n1?.port},10923-16383@${n2?.port}`);
    assert.ok(tables.every((table) => table === tables[0]));
    assert.equal(await cluster.slotOwner(0), n0);
    assert.equal(await cluster.slotOwner(10922), n1);
    assert.equal(await cluster.slotOwner(16383), n2);
  });

  test('a key set through redis-cli -c on any node is readable from its owner', async () => {
    assert.equal(await cluster.keySlot('foo'), 12182);
    const owner = await cluster.slotOwner(12182);
    const other = node(cluster, 0);
    assert.notEqual(owner, other);
    assert.equal(await other.cli('-c', 'SET', 'foo', 'bar'), 'OK');
    assert.equal(await owner.cli('GET', 'foo'), 'bar');
    await assert.rejects(other.cli('GET', 'foo'), /MOVED 12182/);
  });

  test('migrateSlot moves a slot and its keys in batches', async () => {
    const slot = await cluster.keySlot('{moving}');
    const source = await cluster.slotOwner(slot);
    const [target] = (await cluster.primaries()).filter((p) => p !== source);
    assert.ok(target !== undefined);
    const keys = Array.from({ length: 250 }, (_, i) => `{moving}:${i}`);
    await source.cli('MSET', ...keys.flatMap((key, i) => [key, `v${i}`]));

    await cluster.migrateSlot(slot, target, { keysPerBatch: 100 });

    assert.equal(await cluster.slotOwner(slot), target);
    assert.equal(await target.cli('CLUSTER', 'COUNTKEYSINSLOT', String(slot)), '250');
    assert.equal(await source.cli('CLUSTER', 'COUNTKEYSINSLOT', String(slot)), '0');
    assert.equal(await target.cli('GET', '{moving}:249'), 'v249');
    await assert.rejects(source.cli('GET', '{moving}:0'), new RegExp(`MOVED ${slot} `));
    for (const server of cluster.nodes) {
      assert.equal(await server.cli('-c', 'GET', '{moving}:7'), 'v7');
    }
    // Moving a slot to its owner changes nothing.
    await cluster.migrateSlot(slot, target);
    assert.equal(await cluster.slotOwner(slot), target);
  });

  test('failover swaps a replica with its primary', async () => {
    const [n0, , , n3] = cluster.nodes;
    assert.ok(n0 !== undefined && n3 !== undefined);
    await cluster.failover(n3);
    assert.ok((await cluster.primaries()).includes(n3));
    assert.ok((await cluster.replicas()).includes(n0));
    assert.equal(await cluster.primaryOf(n0), n3);
    assert.equal(await cluster.slotOwner(0), n3);
    assert.match(await n3.cli('ROLE'), /^master\n/);
    assert.match(await n0.cli('ROLE'), /^slave\n/);
  });

  test('killPrimary promotes the replica, keeps replicated data, and restart() rejoins', async () => {
    const [, n1, , , n4] = cluster.nodes;
    assert.ok(n1 !== undefined && n4 !== undefined);
    const key = await keyOwnedBy(cluster, n1);
    await n1.cli('SET', key, 'kept');
    assert.equal(await n1.cli('WAIT', '1', '2000'), '1');

    const promoted = await cluster.killPrimary(n1);

    assert.equal(promoted, n4);
    assert.equal(await cluster.slotOwner(await cluster.keySlot(key)), n4);
    assert.equal(await n4.cli('GET', key), 'kept');
    assert.equal((await cluster.primaries()).length, 3);
    assert.equal((await cluster.replicas()).length, 2);
    assert.ok(!(await cluster.primaries()).includes(n1));
    for (const server of cluster.nodes.filter((n) => n !== n1)) {
      assert.equal((await clusterInfo(server))['cluster_state'], 'ok');
    }

    // nodes.conf survives in the node's dir, so it comes back as the same node and demotes
    // itself to a replica of the node that took its slots.
    await n1.restart();
    await cluster.waitForAgreement();
    assert.equal(await cluster.primaryOf(n1), n4);
    assert.equal((await cluster.replicas()).length, 3);
  });

  test('waitForAgreement() shows every view while a dead primary still owns slots', async () => {
    const [, , n2, , , n5] = cluster.nodes;
    assert.ok(n2 !== undefined && n5 !== undefined);
    await n2.kill();
    await assert.rejects(cluster.waitForAgreement(100), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(error.message, /no agreement after 100 ms/);
      assert.match(error.message, new RegExp(`belong to port ${n2.port}, which is not a live`));
      assert.match(error.message, new RegExp(`node 2 port ${n2.port}: not answering`));
      assert.match(error.message, /cluster_state:ok/);
      return true;
    });
    await cluster.waitForAgreement();
    assert.ok((await cluster.primaries()).includes(n5));
  });

  test('commandStat sums calls over live nodes and the harness adds none to SHARDS/SLOTS', async () => {
    const shards = await cluster.commandStat('cmdstat_cluster|shards');
    const slots = await cluster.commandStat('CLUSTER SLOTS');
    const [live0, live1] = (await cluster.primaries()).slice(0, 2);
    assert.ok(live0 !== undefined && live1 !== undefined);
    await live0.cli('--json', 'CLUSTER', 'SHARDS');
    await live1.cli('--json', 'CLUSTER', 'SHARDS');
    await live1.cli('--json', 'CLUSTER', 'SLOTS');
    await cluster.waitForAgreement();
    await cluster.primaries();
    await cluster.slotOwner(0);
    assert.equal(await cluster.commandStat('cluster|shards'), shards + 2);
    assert.equal(await cluster.commandStat('cmdstat_cluster|slots'), slots + 1);
    assert.equal(await cluster.commandStat('cluster|nosuch'), 0);
  });

  test('setAll sets a parameter on every live node', async () => {
    await cluster.setAll('timeout', '2');
    for (const server of [...(await cluster.primaries()), ...(await cluster.replicas())]) {
      assert.equal(await server.cli('CONFIG', 'GET', 'timeout'), 'timeout\n2');
    }
  });

  test('stop() ends every node, removes the dirs, and is idempotent', async () => {
    const pids = cluster.nodes.map((n) => n.pid);
    await cluster.stop();
    assert.deepEqual(
      pids.filter((pid) => isAlive(pid)),
      [],
    );
    assert.ok(cluster.nodes.every((n) => !existsSync(n.dir)));
    await cluster.stop();
  });
});
