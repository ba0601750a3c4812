/**
 * `respool/proxy`: the RESP proxy for embedding. Never imported by the library itself.
 */

export type { ProxyOptions } from './proxy-options.js';
export { createProxy, type ProxyStats, type RespoolProxy } from './proxy-server.js';
export type { Lease, SharedPath, Upstream, UpstreamStats } from './upstream.js';
