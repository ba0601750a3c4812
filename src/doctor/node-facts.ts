/**
 * The summary facts of one audited node (connections, since start, the last interval, config,
 * CLIENT LIST), as label/value pairs: computed once here, laid out by the text and the HTML
 * renderers alike, so the two reports can never say different things.
 */
import { formatCount } from '../util/format-table.js';
import type { NodeReport } from './report-model.js';

/** Label/value rows, labels as the text report shows them (the HTML capitalises them). */
export function nodeFacts(node: NodeReport, doctorClientName: string): [string, string][] {
  const rows: [string, string][] = [];
  const s = node.server;
  if (s === null) {
    rows.push(['INFO', `not available: ${node.serverError ?? 'unknown reason'}`]);
  } else {
    const max = (node.config.status === 'ok' ? node.config.maxClients : null) ?? s.maxClients;
    const connected = s.connectedClients;
    const share =
      connected !== null && max !== null && max > 0
        ? ` (${Math.round((connected / max) * 100)}%)`
        : '';
    rows.push([
      'connections',
      `${countOrUnknown(connected)} of maxclients ${countOrUnknown(max)}${share} · ${countOrUnknown(s.blockedClients)} blocked`,
    ]);
    rows.push([
      'since start',
      `${countOrUnknown(s.totalConnectionsReceived)} accepted · ${countOrUnknown(s.rejectedConnections)} rejected`,
    ]);
    if (node.serverError !== null) rows.push(['', `partly read: ${node.serverError}`]);
  }
  if (node.delta !== null) {
    const d = node.delta;
    rows.push([
      `last ${d.intervalSeconds.toFixed(1)} s`,
      `${signedCount(d.connectedClients)} connections · ${countOrUnknown(d.accepted)} accepted · ${countOrUnknown(d.rejected)} rejected${d.commands === null ? '' : ` · ${formatCount(Math.round(d.commands / Math.max(d.intervalSeconds, 0.001)))} commands/s`}`,
    ]);
  }
  rows.push(['config', configText(node)]);
  const c = node.clients;
  rows.push([
    'CLIENT LIST',
    c.status === 'ok'
      ? `${formatCount(c.listed)} connection${c.listed === 1 ? '' : 's'}; ${c.excluded} named ${doctorClientName} (this doctor) left out of the groups`
      : `not available: ${c.reason}`,
  ]);
  return rows;
}

/** The node's timeout, tcp-keepalive and maxclients, or why CONFIG could not be read. */
export function configText(node: NodeReport): string {
  const c = node.config;
  if (c.status === 'unavailable') return `not available: ${c.reason}`;
  const timeout =
    c.timeout === null
      ? 'timeout ?'
      : c.timeout === 0
        ? 'timeout 0 (idle clients never closed)'
        : `timeout ${c.timeout} s`;
  const keepalive =
    c.tcpKeepalive === null
      ? 'tcp-keepalive ?'
      : c.tcpKeepalive === 0
        ? 'tcp-keepalive 0 (off)'
        : `tcp-keepalive ${c.tcpKeepalive} s`;
  return `${timeout} · ${keepalive} · maxclients ${countOrUnknown(c.maxClients)}`;
}

export function countOrUnknown(value: number | null): string {
  return value === null ? '?' : formatCount(value);
}

/** `+3`, `-2`, `±0`; `?` when unknown. */
export function signedCount(value: number | null): string {
  if (value === null) return '?';
  if (value === 0) return '±0';
  return value > 0 ? `+${formatCount(value)}` : formatCount(value);
}
