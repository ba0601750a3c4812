/**
 * What a client session sees of the proxy that owns it: the upstream, the options, the users,
 * the other sessions (CLIENT LIST/KILL) and the counters. Implemented by the proxy server.
 */
import type { ProxyAuth } from './proxy-auth.js';
import type { ProxyCache } from './proxy-cache.js';
import type { ResolvedProxyOptions } from './proxy-options.js';
import type { ClientSession } from './session.js';
import type { Upstream } from './upstream.js';

export interface ProxyCounters {
  commands: number;
  protocolErrors: number;
  upstreamErrors: number;
  leases: number;
  leaseTimeouts: number;
  outputLimitKills: number;
  idleKills: number;
  rejectedClients: number;
  acceptedClients: number;
}

export function createProxyCounters(): ProxyCounters {
  return {
    commands: 0,
    protocolErrors: 0,
    upstreamErrors: 0,
    leases: 0,
    leaseTimeouts: 0,
    outputLimitKills: 0,
    idleKills: 0,
    rejectedClients: 0,
    acceptedClients: 0,
  };
}

export interface SessionHost {
  readonly upstream: Upstream;
  readonly options: ResolvedProxyOptions;
  readonly auth: ProxyAuth;
  readonly counters: ProxyCounters;
  /** `--cache`: the path cached reads take (proxy-cache.ts); undefined when off. */
  readonly cache: ProxyCache | undefined;
  /** Every live session, for CLIENT LIST and CLIENT KILL. */
  sessions(): Iterable<ClientSession>;
  /** `session` stopped reading because the upstream is congested; resume it at drain. */
  congested(session: ClientSession): void;
  remove(session: ClientSession): void;
}
