/**
 * `RespoolCluster.scanIterator()`: SCAN over every primary of the cluster, shard after shard. The
 * guarantee across topology changes is in the method's comment (cluster-client.ts) and in
 * docs/cluster.md.
 */
import { type ScanOptions, withScanOptions } from '../client/command-options.js';
import { type CommandPolicy, PromiseCommand } from '../client/promise-command.js';
import { toScanPage } from '../client/reply-transforms.js';
import { ClusterDownError, ReplyError } from '../errors.js';
import type { ClusterEngine } from './cluster-engine.js';

/** Lost connections one shard's SCAN walk survives (each followed by a topology refresh). */
const MAX_SCAN_NODE_FAILURES = 3;

export async function* scanPrimaries<S>(
  e: ClusterEngine,
  policy: CommandPolicy,
  options: ScanOptions,
): AsyncGenerator<S> {
  await e.ready();
  // Each shard is followed by its first slot, so a failover mid-walk finds its new primary.
  const starts = (e.topology?.shards ?? []).map((shard) => shard.ranges[0]?.[0] ?? -1);
  // SCAN only reads: safe to send again after a lost connection.
  const scanPolicy: CommandPolicy = { ...policy, idempotent: true };
  for (const slot of starts) {
    if (slot === -1) continue;
    let primary = '';
    let cursor = '0';
    let failures = 0;
    do {
      const node = e.nodeFor(slot, false);
      if (node === undefined) throw new ClusterDownError(`No node serves slot ${slot}`, false);
      const address = node.address;
      if (address !== primary) {
        // A cursor is only meaningful on the server that issued it: start the shard again.
        primary = address;
        cursor = '0';
      }
      const args = withScanOptions(['SCAN', cursor], options, true);
      let page: { cursor: string; items: S[] };
      try {
        page = (await new PromiseCommand(args, scanPolicy, toScanPage, e.counters, undefined).start(
          node,
        )) as { cursor: string; items: S[] };
      } catch (error) {
        if (error instanceof ReplyError || ++failures > MAX_SCAN_NODE_FAILURES) throw error;
        await e.refresher.now(`SCAN lost ${address}`).catch(() => undefined);
        continue;
      }
      cursor = page.cursor;
      yield* page.items;
    } while (cursor !== '0');
  }
}
