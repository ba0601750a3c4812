/**
 * `rejected_connections`: connections the server refused at maxclients. Any since start is worth
 * a warning (it happened, and clients saw errors); rising between two watch reports means it is
 * happening now, which is an error.
 */
import { formatCount } from '../../util/format-table.js';
import type { Finding, NodeReport } from '../report-model.js';

/** One finding per node with refused connections. */
export function checkRejectedConnections(node: NodeReport): Finding[] {
  const growing = node.delta?.rejected ?? 0;
  if (growing > 0 && node.delta !== null) {
    return [
      {
        check: 'rejected-connections',
        severity: 'error',
        node: node.address,
        group: null,
        message: `${node.address} refused ${formatCount(growing)} connections in the last ${node.delta.intervalSeconds.toFixed(1)} s (rejected_connections is growing): clients are failing with "max number of clients reached" now.`,
        recommendation:
          'Free connections now (CONFIG SET timeout, or CLIENT KILL the idle holders named in the groups), then bound the pools that filled the server.',
      },
    ];
  }
  const total = node.server?.rejectedConnections ?? 0;
  if (total <= 0) return [];
  return [
    {
      check: 'rejected-connections',
      severity: 'warning',
      node: node.address,
      group: null,
      message: `${node.address} has refused ${formatCount(total)} connections since it started (rejected_connections): at some point it reached maxclients.`,
      recommendation:
        'Watch it (respool doctor --watch 5): if the count grows, the server is at its limit now. Check the max-clients headroom and the groups holding the most connections.',
    },
  ];
}
