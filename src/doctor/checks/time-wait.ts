/**
 * TIME_WAIT sockets on this host towards an audited node. The side that closes a TCP connection
 * keeps it in TIME_WAIT for 60 s, holding its local port; a client that closes connections per
 * request or per burst runs out of ports towards that node (incident 4: `connect: cannot assign
 * requested address`).
 */
import { formatCount } from '../../util/format-table.js';
import type { EndpointSockets, Finding, HostReport } from '../report-model.js';
import {
  TIME_WAIT_ERROR_RATIO,
  TIME_WAIT_INFO_MIN,
  TIME_WAIT_WARNING_RATIO,
} from '../thresholds.js';
import { action, finding } from './finding.js';

/** What the node checks already know about an endpoint's TIME_WAIT. */
export interface TimeWaitContext {
  /** Endpoints whose TIME_WAIT a connection-churn finding already names the pool for. */
  readonly explained: ReadonlySet<string>;
  /** Endpoints watched over a window in which no pool opened and closed connections. */
  readonly quiet: ReadonlySet<string>;
}

/**
 * One finding per endpoint with notable TIME_WAIT that no churn finding explains. It names no
 * pool: TIME_WAIT sockets belong to no process, and a pool that is not churning now did not
 * leave them (they last 60 s after the connection that left them closed).
 */
export function checkTimeWait(
  host: HostReport,
  context: TimeWaitContext = { explained: new Set(), quiet: new Set() },
): Finding[] {
  if (host.status !== 'ok') return [];
  const range = host.ephemeralPorts;
  const ports = range === null ? null : range.high - range.low + 1;
  const findings: Finding[] = [];
  for (const endpoint of host.endpoints) {
    if (context.explained.has(endpoint.address)) continue;
    const ratio = ports === null ? 0 : endpoint.timeWait / ports;
    const severity =
      ratio >= TIME_WAIT_ERROR_RATIO
        ? 'error'
        : ratio >= TIME_WAIT_WARNING_RATIO
          ? 'warning'
          : endpoint.timeWait >= TIME_WAIT_INFO_MIN
            ? 'info'
            : undefined;
    if (severity === undefined) continue;
    const quiet = context.quiet.has(endpoint.address)
      ? ` No client of ${endpoint.address} was opening and closing connections during the audit's window: these were left by connections closed in the last minute.`
      : '';
    const actions = [
      action(
        'Keep connections open and reuse them instead of closing them after use: never close a healthy connection because of an idle cap; wait for a free one instead of dialling more',
      ),
      action(
        'Find the process that dials: run the doctor again while it happens; the pool opening and closing connections is then named',
        `npx respool doctor redis://${endpoint.address}`,
      ),
    ];
    if (host.tcpTwReuse !== 1) {
      actions.push(
        action(
          `Stopgap: let new outgoing connections reuse TIME_WAIT ports (tcp_tw_reuse is ${host.tcpTwReuse === null ? 'unknown' : host.tcpTwReuse === 2 ? '2, loopback only' : String(host.tcpTwReuse)} now)`,
          'sysctl -w net.ipv4.tcp_tw_reuse=1',
        ),
      );
    }
    findings.push(
      finding({
        check: 'time-wait',
        severity,
        node: null,
        group: null,
        message: `${message(endpoint, ports)}${quiet}`,
        actions,
      }),
    );
  }
  return findings;
}

function message(endpoint: EndpointSockets, ports: number | null): string {
  const count = formatCount(endpoint.timeWait);
  const base = `This host holds ${count} sockets in TIME_WAIT towards ${endpoint.address}: something here opened and closed connections to it instead of reusing them`;
  if (ports === null) return `${base}.`;
  const percent = ((endpoint.timeWait / ports) * 100).toFixed(1);
  return `${base}; that is ${percent}% of the ${formatCount(ports)} ephemeral ports, and each stays taken for 60 s.`;
}
