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

/** One finding per endpoint with notable TIME_WAIT. */
export function checkTimeWait(host: HostReport): Finding[] {
  if (host.status !== 'ok') return [];
  const range = host.ephemeralPorts;
  const ports = range === null ? null : range.high - range.low + 1;
  const findings: Finding[] = [];
  for (const endpoint of host.endpoints) {
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
    findings.push({
      check: 'time-wait',
      severity,
      node: null,
      group: null,
      message: message(endpoint, ports),
      recommendation: `Keep connections open and reuse them instead of closing them after use: never close a healthy connection because of an idle cap; wait for a free one instead of dialling more. ${reuseAdvice(host.tcpTwReuse)}`,
    });
  }
  return findings;
}

function message(endpoint: EndpointSockets, ports: number | null): string {
  const count = formatCount(endpoint.timeWait);
  const base = `This host holds ${count} sockets in TIME_WAIT towards ${endpoint.address}: something here opens and closes connections to it instead of reusing them`;
  if (ports === null) return `${base}.`;
  const percent = ((endpoint.timeWait / ports) * 100).toFixed(1);
  return `${base}; that is ${percent}% of the ${formatCount(ports)} ephemeral ports, and each stays taken for 60 s.`;
}

function reuseAdvice(twReuse: number | null): string {
  if (twReuse === 1) return 'net.ipv4.tcp_tw_reuse is already 1.';
  const now = twReuse === null ? 'unknown' : twReuse === 2 ? '2, loopback only' : String(twReuse);
  return `As a stopgap, sysctl net.ipv4.tcp_tw_reuse=1 (now ${now}) lets new outgoing connections reuse TIME_WAIT ports.`;
}
