/**
 * A cluster client rebuilding its slot table in a storm (incident 5's signature): one pool ran
 * many topology queries (CLUSTER SLOTS, SHARDS, NODES) across the nodes within the sampling
 * window. A client that sets a shared "refresh" flag on MOVED and lets every caller that sees it
 * rebuild the table itself, over fresh connections to every node, turns one idle close into
 * dozens of concurrent rebuilds and a latency spike. Counted over all audited nodes, one finding
 * per pool.
 */
import { formatCount } from '../../util/format-table.js';
import { groupLabel } from '../group-label.js';
import { keyId } from '../groups.js';
import type { Finding, GroupKey, NodeReport } from '../report-model.js';
import { TOPOLOGY_STORM_MIN_QUERIES } from '../thresholds.js';
import { action, finding } from './finding.js';

/** One warning per pool that ran a storm of topology queries in the window. */
export function checkTopologyStorm(nodes: readonly NodeReport[]): Finding[] {
  const pools = new Map<
    string,
    { key: GroupKey; queries: number; nodes: number; seconds: number }
  >();
  for (const node of nodes) {
    if (node.clients.status !== 'ok' || node.delta === null) continue;
    for (const group of node.clients.groups.byPool) {
      const queries = group.activity?.topologyQueries ?? 0;
      if (queries <= 0) continue;
      const id = keyId(group.key);
      const pool = pools.get(id) ?? { key: group.key, queries: 0, nodes: 0, seconds: 0 };
      pool.queries += queries;
      pool.nodes += 1;
      pool.seconds = Math.max(pool.seconds, node.delta.intervalSeconds);
      pools.set(id, pool);
    }
  }
  return [...pools.values()]
    .filter((p) => p.queries >= TOPOLOGY_STORM_MIN_QUERIES)
    .map((p) =>
      finding({
        check: 'topology-storm',
        severity: 'warning',
        node: null,
        group: p.key,
        message: `${capitalise(groupLabel(p.key))} ran ${formatCount(p.queries)} cluster topology queries (CLUSTER SLOTS, SHARDS, NODES) on ${formatCount(p.nodes)} node${p.nodes === 1 ? '' : 's'} in ${p.seconds.toFixed(1)} s: it rebuilds its slot table per caller, not once. A client that reacts to MOVED or a lost connection by letting every caller refresh the topology, without a lock and over new connections to every node, turns one idle close into a burst of rebuilds and a latency spike.`,
        actions: [
          action(
            'Refresh the slot table through one path: single-flight, rate-limited, in the background, over existing connections; on MOVED send the command to the named node at once and patch that slot',
          ),
          action(
            'After a connection error, reconnect to the same node and retry there once; never retry on a random node',
          ),
          action(
            'respool does both: one refresh at a time, redirects followed at once',
            'createCluster({ nodes: [url] })',
          ),
        ],
      }),
    );
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
