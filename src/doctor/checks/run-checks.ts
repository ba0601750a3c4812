/**
 * Every check, run over one set of node reports and the host view. Checks are pure functions of
 * the report model; adding one means writing `checks/<name>.ts` and listing it here.
 */

import { keyId } from '../groups.js';
import type { Finding, HostReport, NodeReport, Severity } from '../report-model.js';
import { checkAccess } from './access.js';
import { checkCloseWait } from './close-wait.js';
import { checkConnectionChurn, churningPools, localEndpoint } from './connection-churn.js';
import { checkDiscovery } from './discovery.js';
import { checkHostImbalance } from './host-imbalance.js';
import { checkIdlePools } from './idle-pool.js';
import { checkIdleTimeout } from './idle-timeout.js';
import { checkMaxClients } from './max-clients.js';
import { checkOversizedPools } from './oversized-pool.js';
import { checkRejectedConnections } from './rejected-connections.js';
import { checkTcpKeepalive } from './tcp-keepalive.js';
import { checkTimeWait } from './time-wait.js';
import { checkTopologyStorm } from './topology-storm.js';

/** A check over one node. */
export type NodeCheck = (node: NodeReport) => Finding[];
/** A check over this host's sockets. */
export type HostCheck = (host: HostReport) => Finding[];

/** Node checks in report order (within one severity). */
export const NODE_CHECKS: readonly NodeCheck[] = [
  checkAccess,
  checkMaxClients,
  checkRejectedConnections,
  checkIdlePools,
  checkOversizedPools,
  checkHostImbalance,
  checkIdleTimeout,
  checkTcpKeepalive,
];

const RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

/** What the checks look at: the report without its findings. */
export interface AuditSnapshot {
  readonly nodes: readonly NodeReport[];
  readonly host: HostReport;
  readonly discoveryError: string | null;
}

/** All findings, errors first; the order within a severity is the checks' order (stable sort). */
export function runChecks({ nodes, host, discoveryError }: AuditSnapshot): Finding[] {
  const findings: Finding[] = [...checkDiscovery(discoveryError, nodes[0]?.address ?? '')];
  const explained = new Set<string>();
  const quiet = new Set<string>();
  // A topology storm dials every node per rebuild: its new connections are not also "churn".
  const storms = checkTopologyStorm(nodes);
  const stormPools = new Set(storms.flatMap((f) => (f.group === null ? [] : [keyId(f.group)])));
  findings.push(...storms);
  for (const node of nodes) {
    for (const check of NODE_CHECKS) findings.push(...check(node));
    const churn = checkConnectionChurn(node, host).filter(
      (f) => f.group === null || !stormPools.has(keyId(f.group)),
    );
    findings.push(...churn);
    // The churn finding carries this host's TIME_WAIT when the churning pool is here.
    const pools = churningPools(node);
    if (pools.some((g) => localEndpoint(g, node, host) !== undefined)) explained.add(node.address);
    if (node.delta !== null && node.delta.clientListSamples > 0 && pools.length === 0) {
      quiet.add(node.address);
    }
  }
  findings.push(...checkTimeWait(host, { explained, quiet }), ...checkCloseWait(host));
  return findings.sort((a, b) => RANK[a.severity] - RANK[b.severity]);
}
