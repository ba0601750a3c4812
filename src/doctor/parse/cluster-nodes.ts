/**
 * `CLUSTER NODES` replies: one node per line,
 * `<id> <ip:port@cport[,hostname]> <flags> <master> <ping> <pong> <epoch> <link> <slots…>`.
 * IPv6 addresses come without brackets, so the port is what follows the last colon. A node
 * whose address the cluster does not know yet (`noaddr`, `handshake`) cannot be audited.
 */

/** One node to audit. */
export interface ClusterNode {
  readonly id: string;
  /** The announced IP; the seed's host when the line leaves it empty (`:7000@17000`). */
  readonly host: string;
  readonly port: number;
  readonly flags: readonly string[];
  /** The node that answered CLUSTER NODES. */
  readonly myself: boolean;
  readonly role: 'master' | 'replica' | 'unknown';
}

/** Nodes that have an address, in the order listed. */
export function parseClusterNodes(text: string, seedHost: string): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const line of text.split('\n')) {
    const cols = line.trim().split(' ');
    const [id, address, flagText] = cols;
    if (id === undefined || address === undefined || flagText === undefined) continue;
    const flags = flagText.split(',');
    if (flags.includes('noaddr') || flags.includes('handshake')) continue;
    const endpoint = address.split(',')[0]?.split('@')[0] ?? '';
    const colon = endpoint.lastIndexOf(':');
    const port = Number(endpoint.slice(colon + 1));
    if (colon === -1 || !Number.isInteger(port) || port <= 0 || port > 65_535) continue;
    const host = endpoint.slice(0, colon);
    nodes.push({
      id,
      host: host === '' ? seedHost : host,
      port,
      flags,
      myself: flags.includes('myself'),
      role: flags.includes('master') ? 'master' : flags.includes('slave') ? 'replica' : 'unknown',
    });
  }
  return nodes;
}
