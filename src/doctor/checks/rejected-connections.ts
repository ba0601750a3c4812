/**
 * `rejected_connections`: connections the server refused at maxclients. Any since start is worth
 * a warning (it happened, and clients saw errors); rising between two watch reports means it is
 * happening now, which is an error.
 */
import { formatCount } from '../../util/format-table.js';
import type { Finding, NodeReport } from '../report-model.js';
import { RECOMMENDED_TIMEOUT_SECONDS } from '../thresholds.js';
import { action, finding } from './finding.js';

/** One finding per node with refused connections. */
export function checkRejectedConnections(node: NodeReport): Finding[] {
  const growing = node.delta?.rejected ?? 0;
  if (growing > 0 && node.delta !== null) {
    return [
      finding({
        check: 'rejected-connections',
        severity: 'error',
        node: node.address,
        group: null,
        message: `${node.address} refused ${formatCount(growing)} connections in the last ${node.delta.intervalSeconds.toFixed(1)} s (rejected_connections is growing): clients are failing with "max number of clients reached" now.`,
        actions: [
          action(
            `Free idle connections now: the server then closes clients idle ${RECOMMENDED_TIMEOUT_SECONDS} s`,
            `CONFIG SET timeout ${RECOMMENDED_TIMEOUT_SECONDS}`,
          ),
          action('Or close the idle holders named in the groups', 'CLIENT KILL ID <id>'),
          action('Then bound the pools that filled the server'),
        ],
      }),
    ];
  }
  const total = node.server?.rejectedConnections ?? 0;
  if (total <= 0) return [];
  return [
    finding({
      check: 'rejected-connections',
      severity: 'warning',
      node: node.address,
      group: null,
      message: `${node.address} has refused ${formatCount(total)} connections since it started (rejected_connections): at some point it reached maxclients.`,
      actions: [
        action(
          'Watch it: if the count grows, the server is at its limit now',
          'npx respool doctor <url> --watch 5',
        ),
        action('Check the max-clients headroom and the groups holding the most connections'),
      ],
    }),
  ];
}
