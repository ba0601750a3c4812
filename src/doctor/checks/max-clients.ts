/**
 * Connections close to `maxclients`: at the limit the server refuses every new connection with
 * `max number of clients reached`, whoever is to blame (incidents 1 and 3).
 */
import { formatCount } from '../../util/format-table.js';
import { formatSeconds } from '../format-duration.js';
import { groupLabel } from '../group-label.js';
import type { Finding, FindingAction, NodeReport } from '../report-model.js';
import {
  MAXCLIENTS_ERROR_RATIO,
  MAXCLIENTS_WARNING_RATIO,
  RECOMMENDED_TIMEOUT_SECONDS,
} from '../thresholds.js';
import { action, finding } from './finding.js';

const HOLDERS_SHOWN = 3;

/** One finding when `connected_clients` is at or above the warning share of `maxclients`. */
export function checkMaxClients(node: NodeReport): Finding[] {
  const connected = node.server?.connectedClients ?? null;
  const max =
    (node.config.status === 'ok' ? node.config.maxClients : null) ??
    node.server?.maxClients ??
    null;
  if (connected === null || max === null || max <= 0) return [];
  const ratio = connected / max;
  if (ratio < MAXCLIENTS_WARNING_RATIO) return [];
  const severity = ratio >= MAXCLIENTS_ERROR_RATIO ? 'error' : 'warning';
  const percent = Math.round(ratio * 100);
  return [
    finding({
      check: 'max-clients',
      severity,
      node: node.address,
      group: null,
      message: `${node.address} holds ${formatCount(connected)} connections of maxclients ${formatCount(max)} (${percent}%); at the limit every new connection is refused with "max number of clients reached".`,
      actions: [
        ...holders(node),
        action(
          `Free idle connections: the server then closes clients idle ${RECOMMENDED_TIMEOUT_SECONDS} s`,
          `CONFIG SET timeout ${RECOMMENDED_TIMEOUT_SECONDS}`,
        ),
        action(
          'Bring the holders down (bounded, multiplexed pools) before raising maxclients, which only postpones the limit and needs a matching file-descriptor limit (ulimit -n)',
        ),
      ],
    }),
  ];
}

function holders(node: NodeReport): FindingAction[] {
  if (node.clients.status !== 'ok') return [];
  const top = node.clients.groups.byPool.slice(0, HOLDERS_SHOWN);
  if (top.length === 0) return [];
  const list = top
    .map(
      (g) =>
        `${groupLabel(g.key)}: ${formatCount(g.count)} (p50 idle ${formatSeconds(g.idle.p50)})`,
    )
    .join('; ');
  return [action(`Largest holders: ${list}`)];
}
