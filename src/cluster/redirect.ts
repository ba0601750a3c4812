/**
 * MOVED and ASK replies: `-MOVED <slot> <host>:<port>` / `-ASK <slot> <host>:<port>`. The host
 * may be empty (":6380": "the host you reached me on") or an IPv6 address, so the port is what
 * follows the last colon.
 */
import type { ReplyError } from '../errors.js';

export interface Redirect {
  readonly kind: 'MOVED' | 'ASK';
  readonly slot: number;
  readonly host: string;
  readonly port: number;
  readonly address: string;
}

export function parseRedirect(error: ReplyError, currentHost: string): Redirect | undefined {
  if (error.prefix !== 'MOVED' && error.prefix !== 'ASK') return undefined;
  const [, slotText, endpoint] = error.message.split(' ');
  if (slotText === undefined || endpoint === undefined) return undefined;
  const colon = endpoint.lastIndexOf(':');
  if (colon === -1) return undefined;
  const slot = Number(slotText);
  const port = Number(endpoint.slice(colon + 1));
  if (!Number.isInteger(slot) || !Number.isInteger(port)) return undefined;
  const rawHost = endpoint.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const host = rawHost === '' ? currentHost : rawHost;
  return { kind: error.prefix, slot, host, port, address: `${host}:${port}` };
}
