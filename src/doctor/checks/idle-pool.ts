/**
 * Pools that hold many connections and use few of them. Two patterns, one finding per pool:
 * - stale: more than STALE_POOL_MIN_CONNECTIONS idle ten minutes or more, longer than any pool's
 *   own idle timeout: a leak;
 * - idle: at least IDLE_POOL_MIN_CONNECTIONS with a median idle of IDLE_POOL_P50_SECONDS: a pool
 *   sized for a past peak that never shrinks (incident 1).
 * A pool whose connections are all busy-looking but far more than its traffic needs (a FIFO
 * idle queue, incident 2) is oversized-pool.ts's.
 * Both name the pool, its size and idle distribution, and end with the `timeout` advice.
 */
import { formatCount } from '../../util/format-table.js';
import { idleAtLeast10m } from '../distribution.js';
import { formatSeconds } from '../format-duration.js';
import { groupLabel } from '../group-label.js';
import type { ClientGroup, Finding, NodeReport } from '../report-model.js';
import {
  IDLE_POOL_MIN_CONNECTIONS,
  IDLE_POOL_P50_SECONDS,
  STALE_IDLE_SECONDS,
  STALE_POOL_MIN_CONNECTIONS,
} from '../thresholds.js';
import { action, finding } from './finding.js';
import { timeoutAdvice } from './timeout-advice.js';

/** At most one warning per pool. */
export function checkIdlePools(node: NodeReport): Finding[] {
  if (node.clients.status !== 'ok') return [];
  const findings: Finding[] = [];
  for (const group of node.clients.groups.byPool) {
    const finding = stale(node, group) ?? idle(node, group);
    if (finding !== undefined) findings.push(finding);
  }
  return findings;
}

function stale(node: NodeReport, group: ClientGroup): Finding | undefined {
  const staleCount = idleAtLeast10m(group.idleBuckets);
  if (staleCount <= STALE_POOL_MIN_CONNECTIONS) return undefined;
  return finding({
    check: 'stale-pool',
    severity: 'warning',
    node: node.address,
    group: group.key,
    message: `${capitalise(groupLabel(group.key))} holds ${formatCount(group.count)} connections to ${node.address}, ${formatCount(staleCount)} of them idle for ${formatSeconds(STALE_IDLE_SECONDS)} or more (${distributionText(group)}): longer than any pool's own idle timeout, so they are leaked.`,
    actions: [
      action(
        `Find what opens connections in ${groupLabel(group.key)} and does not close them on every path (an exception on the release path leaks them)`,
      ),
      ...timeoutAdvice(node, group.idle.p90),
    ],
  });
}

function idle(node: NodeReport, group: ClientGroup): Finding | undefined {
  if (group.subjectToTimeout < IDLE_POOL_MIN_CONNECTIONS) return undefined;
  if (group.idle.p50 < IDLE_POOL_P50_SECONDS) return undefined;
  return finding({
    check: 'idle-pool',
    severity: 'warning',
    node: node.address,
    group: group.key,
    message: `${capitalise(groupLabel(group.key))} holds ${formatCount(group.count)} connections to ${node.address}, ${distributionText(group)}: most of them do nothing. A pool that grew to a past peak and never shrinks.`,
    actions: [
      action(
        `Bound ${groupLabel(group.key)} and let it shrink (a maximum size and an idle timeout; redis-py: ConnectionPool(max_connections=…), or BlockingConnectionPool)`,
      ),
      action(
        'Or multiplex: one connection per process carries ordinary commands for any number of callers (respool does)',
      ),
      ...timeoutAdvice(node, group.idle.p90),
    ],
  });
}

function distributionText(group: ClientGroup): string {
  const { p50, p90, max } = group.idle;
  return `p50 idle ${formatSeconds(p50)}, p90 idle ${formatSeconds(p90)}, max ${formatSeconds(max)}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
