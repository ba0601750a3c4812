/**
 * `timeout 0` while connections sit idle for hours: the server will keep them until maxclients
 * (incident 3, where `idle=172085` connections filled the server and `timeout 1800` freed them).
 */
import { formatCount } from '../../util/format-table.js';
import { idleAtLeast1h } from '../distribution.js';
import type { Finding, NodeReport } from '../report-model.js';
import { LONG_IDLE_MIN_CONNECTIONS, RECOMMENDED_TIMEOUT_SECONDS } from '../thresholds.js';
import { action, finding } from './finding.js';

/** A warning when timeout is 0 and enough connections subject to it have been idle an hour. */
export function checkIdleTimeout(node: NodeReport): Finding[] {
  if (node.config.status !== 'ok' || node.config.timeout !== 0) return [];
  if (node.clients.status !== 'ok') return [];
  const pools = node.clients.groups.byPool;
  const longIdle = pools.reduce((n, g) => n + idleAtLeast1h(g.idleBuckets), 0);
  if (longIdle < LONG_IDLE_MIN_CONNECTIONS) return [];
  const maxIdle = pools.reduce((m, g) => Math.max(m, g.idle.max), 0);
  return [
    finding({
      check: 'idle-timeout',
      severity: 'warning',
      node: node.address,
      group: null,
      message: `${node.address} has timeout 0 (idle clients are never closed) and ${formatCount(longIdle)} connections have been idle for an hour or more (longest ${formatCount(maxIdle)} s).`,
      actions: [
        action(
          `Let the server close clients idle ${RECOMMENDED_TIMEOUT_SECONDS} s (and put timeout ${RECOMMENDED_TIMEOUT_SECONDS} in redis.conf so a restart keeps it); blocked and pub/sub clients are exempt, pools with a shorter idle timeout are unaffected, and clients that reconnect on demand recover by themselves`,
          `CONFIG SET timeout ${RECOMMENDED_TIMEOUT_SECONDS}`,
        ),
        action('Then find the pools that left them (see the groups)'),
      ],
    }),
  ];
}
