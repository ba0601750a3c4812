/**
 * Raw replies of one node → its {@link NodeReport}: INFO parsed into the fields the checks use,
 * CONFIG GET into the three parameters, CLIENT LIST grouped without the doctor's own
 * connections, and, in watch mode, the counters' change since the previous report. Pure.
 */
import { type NodeActivity, nodeActivity } from './activity.js';
import type { Fetched, RawNode } from './collect.js';
import { emptyGroup, groupClients, keyId } from './groups.js';
import { parseClientList } from './parse/client-list.js';
import { configInteger, parseConfigReply } from './parse/config.js';
import { type InfoSection, infoNumber, parseInfoFields } from './parse/info.js';
import type {
  ClientGroup,
  ClientsView,
  ConfigView,
  NodeDelta,
  NodeReport,
  ServerInfo,
} from './report-model.js';
import { trackingClients } from './tracking.js';

/** The previous read of the same node (watch: the previous report; one-shot: the window's start). */
export interface PreviousNode {
  readonly node: NodeReport;
  /** Seconds between the two reads. */
  readonly intervalSeconds: number;
  /** Its raw replies, for the pools' activity; without them there is none. */
  readonly raw?: RawNode;
  /** CLIENT LIST texts read between the two, oldest first. */
  readonly samples?: readonly string[];
}

/** Build the report of one node. `doctorName` is the CLIENT SETNAME to leave out of groups. */
export function analyzeNode(raw: RawNode, doctorName: string, previous?: PreviousNode): NodeReport {
  const { target } = raw;
  const base = {
    address: target.address,
    host: target.host,
    port: target.port,
    clusterNodeId: target.clusterNodeId,
  };
  if (raw.error !== null) {
    const reason = 'node not audited';
    return {
      ...base,
      role: null,
      error: raw.error,
      server: null,
      serverError: reason,
      config: { status: 'unavailable', reason },
      clients: { status: 'unavailable', reason },
      delta: null,
      info: {},
    };
  }
  const info: Record<string, InfoSection> = {};
  const infoErrors: string[] = [];
  for (const [section, fetched] of raw.info) {
    if (fetched.ok) info[section] = parseInfoFields(fetched.value);
    else infoErrors.push(`INFO ${section}: ${fetched.error}`);
  }
  const readAny = Object.keys(info).length > 0;
  const server = readAny ? serverInfo(info) : null;
  const clients = clientsView(raw.clientList, doctorName);
  const activity =
    previous?.raw === undefined || clients.status !== 'ok'
      ? null
      : nodeActivity({
          before: previous.raw,
          after: raw,
          samples: previous.samples ?? [],
          seconds: previous.intervalSeconds,
          doctorName,
          libNameReported: clients.libNameReported,
        });
  return {
    ...base,
    role: normaliseRole(info['replication']?.['role']),
    error: null,
    server,
    serverError: infoErrors.length === 0 ? null : infoErrors.join('; '),
    config: configView(raw.config),
    clients: activity === null ? clients : withActivity(clients, activity),
    delta: previous === undefined || server === null ? null : delta(server, previous, activity),
    info,
  };
}

function serverInfo(info: Readonly<Record<string, InfoSection>>): ServerInfo {
  const { server, clients, stats, cluster } = info;
  return {
    version: server?.['redis_version'] ?? null,
    mode: server?.['redis_mode'] ?? null,
    uptimeSeconds: infoNumber(server, 'uptime_in_seconds'),
    clusterEnabled: cluster?.['cluster_enabled'] === '1',
    connectedClients: infoNumber(clients, 'connected_clients'),
    blockedClients: infoNumber(clients, 'blocked_clients'),
    maxClients: infoNumber(clients, 'maxclients'),
    totalConnectionsReceived: infoNumber(stats, 'total_connections_received'),
    rejectedConnections: infoNumber(stats, 'rejected_connections'),
  };
}

function normaliseRole(role: string | undefined): string | null {
  if (role === undefined) return null;
  return role === 'slave' ? 'replica' : role;
}

function configView(fetched: Fetched<unknown> | null): ConfigView {
  if (fetched === null) return { status: 'unavailable', reason: 'not read' };
  if (!fetched.ok) return { status: 'unavailable', reason: fetched.error };
  const config = parseConfigReply(fetched.value);
  return {
    status: 'ok',
    timeout: configInteger(config, 'timeout'),
    maxClients: configInteger(config, 'maxclients'),
    tcpKeepalive: configInteger(config, 'tcp-keepalive'),
  };
}

function clientsView(fetched: Fetched<string> | null, doctorName: string): ClientsView {
  if (fetched === null) return { status: 'unavailable', reason: 'not read' };
  if (!fetched.ok) return { status: 'unavailable', reason: fetched.error };
  const entries = parseClientList(fetched.value);
  const libNameReported = entries.some((e) => e.libName !== null);
  const kept = entries.filter((e) => e.name !== doctorName);
  return {
    status: 'ok',
    listed: entries.length,
    excluded: entries.length - kept.length,
    libNameReported,
    groups: groupClients(kept, libNameReported),
    tracking: trackingClients(kept),
  };
}

function withActivity(clients: ClientsView, activity: NodeActivity): ClientsView {
  if (clients.status !== 'ok') return clients;
  const byPool: ClientGroup[] = clients.groups.byPool.map((g) => ({
    ...g,
    activity: activity.pools.get(keyId(g.key)) ?? null,
  }));
  // A pool seen opening and closing connections during the window may hold none at its end
  // (a pool that dials per burst): it is listed with no connections, for its activity.
  const listed = new Set(byPool.map((g) => keyId(g.key)));
  for (const [id, key] of activity.keys) {
    const a = activity.pools.get(id);
    if (listed.has(id) || a === undefined || a.opened + a.closed === 0) continue;
    byPool.push({ ...emptyGroup(key), activity: a });
  }
  return { ...clients, groups: { ...clients.groups, byPool } };
}

function delta(
  server: ServerInfo,
  previous: PreviousNode,
  activity: NodeActivity | null,
): NodeDelta | null {
  const before = previous.node.server;
  if (before === null) return null;
  // A restart resets every counter; a difference across it would be meaningless.
  if (
    server.uptimeSeconds !== null &&
    before.uptimeSeconds !== null &&
    server.uptimeSeconds < before.uptimeSeconds
  ) {
    return null;
  }
  return {
    intervalSeconds: previous.intervalSeconds,
    connectedClients: diff(server.connectedClients, before.connectedClients),
    accepted: diff(server.totalConnectionsReceived, before.totalConnectionsReceived),
    rejected: diff(server.rejectedConnections, before.rejectedConnections),
    commands: activity?.commands ?? null,
    clientListSamples: activity?.clientListSamples ?? 0,
  };
}

function diff(now: number | null, before: number | null): number | null {
  return now === null || before === null ? null : now - before;
}
