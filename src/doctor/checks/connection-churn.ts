/**
 * Connection churn (incident 4's signature): the server accepts connections fast while the
 * number it holds stays flat, so clients open and close instead of reusing. The pool doing it is
 * the one whose connections were seen opening and closing during the sampling window (CLIENT
 * LIST samples), never a pool that merely holds connections. When that pool's host is this
 * host, the finding also carries this host's TIME_WAIT sockets towards the node and what is
 * left of the ephemeral port range: the side that closes keeps TIME_WAIT for 60 s.
 */

import { formatCount } from '../../util/format-table.js';
import { groupLabel } from '../group-label.js';
import { signedCount } from '../node-facts.js';
import { canonicalIp } from '../parse/proc-net-tcp.js';
import type {
  ClientGroup,
  EndpointSockets,
  Finding,
  HostReport,
  NodeReport,
} from '../report-model.js';
import {
  CHURN_MIN_ACCEPTED_PER_SECOND,
  CHURN_MIN_POOL_TURNOVER,
  TIME_WAIT_ERROR_RATIO,
} from '../thresholds.js';
import { action, finding } from './finding.js';

/** The pools churning `node`'s connections, most turnover first. */
export function churningPools(node: NodeReport): ClientGroup[] {
  const d = node.delta;
  if (d === null || d.accepted === null || d.intervalSeconds <= 0) return [];
  if (node.clients.status !== 'ok') return [];
  if (d.accepted / d.intervalSeconds < CHURN_MIN_ACCEPTED_PER_SECOND) return [];
  // Flat: the server's count moved by much less than it accepted (a pool growing to its size
  // accepts as many as it adds; that is growth, not churn).
  if (Math.abs(d.connectedClients ?? 0) > d.accepted / 2) return [];
  const pools = node.clients.groups.byPool;
  const turnover = (g: ClientGroup): number =>
    (g.activity?.opened ?? 0) + (g.activity?.closed ?? 0);
  const total = pools.reduce((sum, g) => sum + turnover(g), 0);
  return pools
    .filter((g) => turnover(g) >= CHURN_MIN_POOL_TURNOVER && turnover(g) >= total / 5)
    .sort((a, b) => turnover(b) - turnover(a));
}

/** One finding per churning pool of `node`; `host` adds this host's TIME_WAIT when it is theirs. */
export function checkConnectionChurn(node: NodeReport, host: HostReport): Finding[] {
  const d = node.delta;
  if (d === null || d.accepted === null) return [];
  const pools = churningPools(node);
  const seen = pools.reduce(
    (sum, g) => sum + (g.activity?.opened ?? 0) + (g.activity?.closed ?? 0),
    0,
  );
  return pools.map((group) => {
    const label = groupLabel(group.key);
    const a = group.activity;
    const mine = (a?.opened ?? 0) + (a?.closed ?? 0);
    const local = localEndpoint(group, node, host);
    const ports = host.status === 'ok' ? host.ephemeralPorts : null;
    const range = ports === null ? null : ports.high - ports.low + 1;
    const ratio = local === undefined || range === null ? 0 : local.timeWait / range;
    const parts = [
      `${capitalise(label)} opens and closes connections to ${node.address} instead of reusing them: the server accepted ${formatCount(d.accepted ?? 0)} connections in ${d.intervalSeconds.toFixed(1)} s (${formatCount(Math.round((d.accepted ?? 0) / d.intervalSeconds))}/s) while the number it holds moved by ${signedCount(d.connectedClients)}.`,
      `Of the connections seen opening or closing in that window (${d.clientListSamples} CLIENT LIST reads), ${formatCount(mine)} of ${formatCount(seen)} were this pool's; ${formatCount(group.young)} of its ${formatCount(group.count)} connections are under a second old.`,
    ];
    if (local !== undefined && host.status === 'ok') {
      parts.push(
        `On this host, ${formatCount(local.timeWait)} sockets are in TIME_WAIT towards ${node.address}${range === null || ports === null ? '' : `: ${(ratio * 100).toFixed(1)}% of the ${formatCount(range)} ephemeral ports (${ports.low}–${ports.high}), each held for 60 s`}; tcp_tw_reuse is ${host.tcpTwReuse ?? 'unknown'}.`,
      );
    }
    const actions = [
      action(
        'Keep connections open and reuse them: a pool whose idle cap is below its peak closes every connection beyond the cap on release, and the closing side keeps each in TIME_WAIT for 60 s. Raise the idle cap to the active cap and let callers wait for a free connection instead of dialling (redigo)',
        'MaxIdle = MaxActive; Wait = true',
      ),
      action(
        'respool: callers beyond maxConnections wait in line and a release never closes; ordinary commands share one multiplexed connection',
        'createClient({ url, maxConnections: 16 })',
      ),
    ];
    if (local !== undefined && host.status === 'ok' && host.tcpTwReuse !== 1) {
      actions.push(
        action(
          'Stopgap on this host: let new outgoing connections reuse ports in TIME_WAIT',
          'sysctl -w net.ipv4.tcp_tw_reuse=1',
        ),
      );
    }
    return finding({
      check: 'connection-churn',
      severity: ratio >= TIME_WAIT_ERROR_RATIO ? 'error' : 'warning',
      node: node.address,
      group: group.key,
      message: parts.join(' '),
      actions,
    });
  });
}

/** This host's sockets towards `node` when `group`'s host is this host; else `undefined`. */
export function localEndpoint(
  group: ClientGroup,
  node: NodeReport,
  host: HostReport,
): EndpointSockets | undefined {
  if (host.status !== 'ok' || group.key.host === null) return undefined;
  const ip = canonicalIp(group.key.host) ?? group.key.host;
  const here = host.localAddresses.some((a) => (canonicalIp(a) ?? a) === ip);
  if (!here) return undefined;
  return host.endpoints.find((e) => e.address === node.address);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
