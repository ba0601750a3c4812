/**
 * `tcp-keepalive 0`: the server never probes idle peers, so a client host that vanished (crash,
 * network cut) leaves its connections behind until `timeout`, which may be never.
 */
import type { Finding, NodeReport } from '../report-model.js';
import { action, finding } from './finding.js';

/** An info finding when the server has TCP keepalive turned off. */
export function checkTcpKeepalive(node: NodeReport): Finding[] {
  if (node.config.status !== 'ok' || node.config.tcpKeepalive !== 0) return [];
  return [
    finding({
      check: 'tcp-keepalive',
      severity: 'info',
      node: node.address,
      group: null,
      message: `${node.address} has tcp-keepalive 0: connections of clients that disappeared without closing stay open.`,
      actions: [
        action(
          'Turn keepalive back on (300 s is the default since Redis 3.2.1) so dead peers are detected and their connections closed',
          'CONFIG SET tcp-keepalive 300',
        ),
      ],
    }),
  ];
}
