/**
 * Which connections track (CLIENT TRACKING, client-side caching): CLIENT LIST's `t` flag, with
 * `B` for broadcast mode, `redir` for the client its invalidations go to (a RESP2 client's
 * redirect connection), and `R` when that client is gone. Pure.
 */
import type { ClientEntry } from './parse/client-list.js';
import type { TrackingClient } from './report-model.js';

/** The tracking connections among `entries`, in CLIENT LIST order. */
export function trackingClients(entries: readonly ClientEntry[]): TrackingClient[] {
  const ids = new Set(entries.map((e) => e.id));
  return entries
    .filter((e) => e.flags.includes('t'))
    .map((e) => {
      const redirect = e.redir > 0 ? e.redir : null;
      return {
        id: e.id,
        addr: e.addr,
        name: e.name,
        libName: e.libName,
        mode: e.flags.includes('B') ? 'bcast' : 'default',
        redirect,
        redirectBroken: e.flags.includes('R'),
        redirectListed: redirect === null ? null : ids.has(redirect),
      };
    });
}

/** How a tracking connection's invalidations travel, in words (text and HTML reports). */
export function trackingRoute(t: TrackingClient): string {
  if (t.redirect === null) return 'pushed on itself (RESP3)';
  if (t.redirectBroken) return `to client ${t.redirect}: gone, invalidations lost`;
  return `to client ${t.redirect}${t.redirectListed === false ? ' (not listed)' : ''}`;
}

/** One summary line: how many track, how many in broadcast mode, how many redirect. */
export function trackingSummary(list: readonly TrackingClient[]): string {
  const bcast = list.filter((t) => t.mode === 'bcast').length;
  const redirect = list.filter((t) => t.redirect !== null).length;
  const broken = list.filter((t) => t.redirectBroken).length;
  return `${list.length} connection(s) track (client-side caching): ${bcast} broadcast, ${redirect} redirect${broken > 0 ? `, ${broken} with a lost redirect` : ''}`;
}
