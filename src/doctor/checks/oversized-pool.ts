/**
 * A pool far larger than its work (incident 2's signature): many connections, every one used
 * within the last few seconds, yet the pool's command rate keeps only one or two busy. A pool
 * that hands out its least recently used connection (a FIFO idle queue) reuses each in turn, so
 * none stays idle long enough for its idle timeout; a minimum idle size set too high does the
 * same. Needs a sampling window (the pool's command rate); a pool idle for long is idle-pool's.
 */
import { formatCount } from '../../util/format-table.js';
import { formatSeconds } from '../format-duration.js';
import { groupLabel } from '../group-label.js';
import type { ClientGroup, Finding, NodeReport } from '../report-model.js';
import {
  COMMAND_HOLD_SECONDS,
  IDLE_POOL_P50_SECONDS,
  OVERSIZED_POOL_FACTOR,
  OVERSIZED_POOL_MIN_CONNECTIONS,
} from '../thresholds.js';
import { action, finding } from './finding.js';

/** Connections a pool running `commandsPerSecond` needs busy at once. */
export function connectionsNeeded(commandsPerSecond: number): number {
  return Math.max(1, Math.ceil(commandsPerSecond * COMMAND_HOLD_SECONDS));
}

/** One warning per pool holding far more warm connections than its command rate needs. */
export function checkOversizedPools(node: NodeReport): Finding[] {
  if (node.clients.status !== 'ok' || node.delta === null) return [];
  const findings: Finding[] = [];
  for (const group of node.clients.groups.byPool) {
    const f = oversized(node, group, node.delta.intervalSeconds);
    if (f !== undefined) findings.push(f);
  }
  return findings;
}

function oversized(node: NodeReport, group: ClientGroup, seconds: number): Finding | undefined {
  const activity = group.activity;
  // Blocked and pub/sub connections are held on purpose, whatever the command rate.
  const held = group.subjectToTimeout - (group.blockingCommand - group.blocked);
  if (activity === null || held < OVERSIZED_POOL_MIN_CONNECTIONS) return undefined;
  if (group.idle.p90 >= IDLE_POOL_P50_SECONDS) return undefined;
  const needed = connectionsNeeded(activity.commandsPerSecond);
  if (held < OVERSIZED_POOL_FACTOR * needed) return undefined;
  const label = groupLabel(group.key);
  const rate = formatCount(Math.round(activity.commandsPerSecond));
  return finding({
    check: 'oversized-pool',
    severity: 'warning',
    node: node.address,
    group: group.key,
    message: `${capitalise(label)} holds ${formatCount(held)} connections to ${node.address}, every one used within the last ${formatSeconds(Math.max(1, group.idle.p90))} (p90 idle ${formatSeconds(group.idle.p90)}), yet runs about ${rate} commands/s (over ${seconds.toFixed(1)} s): at ${COMMAND_HOLD_SECONDS * 1000} ms per command that keeps ${formatCount(needed)} busy. ${formatCount(held)} held, about ${formatCount(needed)} needed: the pool lends its connections in turn (a FIFO idle queue) or keeps a minimum idle size far above its work, so none is ever idle long enough to be retired.`,
    actions: [
      action(
        'Apache Commons Pool (Jedis, Lettuce): lend the most recently used connection, so the cold ones age past the idle time and the evictor retires them',
        'setLifo(true); setTimeBetweenEvictionRuns(Duration.ofSeconds(30)); setMinEvictableIdleTime(Duration.ofMinutes(1))',
      ),
      action(
        `Lower the pool's minimum idle size to what the work needs (about ${formatCount(needed)} here)`,
        `minIdle=${formatCount(needed)}`,
      ),
      action(
        'respool: leases come from a LIFO stack whose idle connections are retired, and ordinary commands need no lease at all (one multiplexed connection carries them)',
        'createClient({ url, idleTimeoutMs: 30_000, minIdle: 1 })',
      ),
    ],
  });
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
