/**
 * One client host holding far more connections than its peers (incident 2: a few hosts of one
 * app held thousands of connections between them). The same app on every host should hold about
 * the same number; an outlier is a host with a leak, an older release, or a pool with no bound.
 */
import { formatCount } from '../../util/format-table.js';
import { percentile } from '../distribution.js';
import { formatSeconds } from '../format-duration.js';
import type { Finding, NodeReport } from '../report-model.js';
import {
  HOST_IMBALANCE_FACTOR,
  HOST_IMBALANCE_MIN_CONNECTIONS,
  HOST_IMBALANCE_MIN_PEERS,
} from '../thresholds.js';
import { action, finding } from './finding.js';

/** A warning per host above both the peer-median multiple and the absolute minimum. */
export function checkHostImbalance(node: NodeReport): Finding[] {
  if (node.clients.status !== 'ok') return [];
  const hosts = node.clients.groups.byHost;
  if (hosts.length < HOST_IMBALANCE_MIN_PEERS + 1) return [];
  const findings: Finding[] = [];
  for (const group of hosts) {
    if (group.count <= HOST_IMBALANCE_MIN_CONNECTIONS) continue;
    const peers = hosts
      .filter((g) => g !== group)
      .map((g) => g.count)
      .sort((a, b) => a - b);
    const median = percentile(peers, 50);
    if (group.count <= HOST_IMBALANCE_FACTOR * median) continue;
    const host = group.key.host ?? '';
    findings.push(
      finding({
        check: 'host-imbalance',
        severity: 'warning',
        node: node.address,
        group: group.key,
        message: `Host ${host} holds ${formatCount(group.count)} connections to ${node.address}, more than ${HOST_IMBALANCE_FACTOR}× the median of the other ${peers.length} hosts (${formatCount(median)}); p50 idle ${formatSeconds(group.idle.p50)}, p90 ${formatSeconds(group.idle.p90)}.`,
        actions: [
          action(
            `Look at the processes on ${host} (the pools in the table name them): a pool without an upper bound, one that never shrinks, or connections leaked on an error path`,
          ),
          action('Bound the pool and close connections on every path'),
        ],
      }),
    );
  }
  return findings;
}
