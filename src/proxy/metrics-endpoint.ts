/**
 * The proxy's Prometheus endpoint (`--metrics-port`): text exposition format on `/metrics`,
 * built from `proxy.stats()` at scrape time (no registry, no dependency). No label or value
 * carries a secret: clients are counted, not named.
 *
 * With `--cache`, the cache's series have the names and help of a respool client's own cache
 * metrics (src/metrics/prometheus.ts: `respool_cache_hits_total`, …, `respool_cache_bytes`),
 * with its `client` label set to the tracking connections' name, `respool-proxy-cache`, so one
 * dashboard shows the proxy's cache beside its clients'. A cluster's nodes are summed.
 */
import http from 'node:http';
import type { RespoolProxy } from './proxy-server.js';

export function renderProxyMetrics(proxy: RespoolProxy): string {
  const s = proxy.stats();
  const u = s.upstream;
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, value: number): void => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
  };
  metric('respool_proxy_clients', 'gauge', 'Client connections open now.', s.clients);
  metric(
    'respool_proxy_clients_accepted_total',
    'counter',
    'Client connections accepted.',
    s.acceptedClients,
  );
  metric(
    'respool_proxy_clients_rejected_total',
    'counter',
    'Client connections refused at --max-clients.',
    s.rejectedClients,
  );
  metric(
    'respool_proxy_clients_idle_closed_total',
    'counter',
    'Clients closed by the idle timeout.',
    s.idleKills,
  );
  metric(
    'respool_proxy_clients_output_limit_closed_total',
    'counter',
    'Clients closed at the output limit.',
    s.outputLimitKills,
  );
  metric(
    'respool_proxy_protocol_errors_total',
    'counter',
    'Clients closed for malformed requests.',
    s.protocolErrors,
  );
  metric('respool_proxy_commands_total', 'counter', 'Requests received from clients.', s.commands);
  metric(
    'respool_proxy_upstream_errors_total',
    'counter',
    'Requests answered with an upstream transport error.',
    s.upstreamErrors,
  );
  metric(
    'respool_proxy_upstream_connections',
    'gauge',
    'Upstream connections open or opening.',
    u.connections,
  );
  metric(
    'respool_proxy_upstream_connections_leased',
    'gauge',
    'Upstream connections lent to clients.',
    u.leased,
  );
  metric(
    'respool_proxy_upstream_connections_idle',
    'gauge',
    'Upstream connections idle in the pool.',
    u.idle,
  );
  metric(
    'respool_proxy_upstream_connections_max',
    'gauge',
    'The budget: --max-connections.',
    u.maxConnections,
  );
  metric(
    'respool_proxy_leases_total',
    'counter',
    'Leases taken (MULTI, WATCH, blocking commands).',
    s.leases,
  );
  metric(
    'respool_proxy_lease_waits_total',
    'counter',
    'Leases that found no idle connection.',
    u.leaseWaits,
  );
  metric(
    'respool_proxy_lease_timeouts_total',
    'counter',
    'Lease waits that ended in an error.',
    s.leaseTimeouts,
  );
  metric(
    'respool_proxy_pubsub_channels',
    'gauge',
    'Channels and patterns subscribed upstream.',
    u.channels,
  );
  const cache = s.cache;
  if (cache !== null) {
    const cached = (name: string, type: 'gauge' | 'counter', help: string, value: number): void => {
      lines.push(
        `# HELP ${name} ${help}`,
        `# TYPE ${name} ${type}`,
        `${name}{client="${CACHE_CLIENT}"} ${value}`,
      );
    };
    cached('respool_cache_hits_total', 'counter', 'Cached reads answered from memory.', cache.hits);
    cached(
      'respool_cache_misses_total',
      'counter',
      'Cached reads that went to the server.',
      cache.misses,
    );
    cached(
      'respool_cache_invalidations_total',
      'counter',
      'Keys invalidated by the server (and flush-all messages).',
      cache.invalidations,
    );
    cached(
      'respool_cache_evictions_total',
      'counter',
      'Cache entries evicted by maxEntries or maxBytes.',
      cache.evictions,
    );
    cached(
      'respool_cache_flushes_total',
      'counter',
      'Whole-cache flushes: lost connections, tracking errors, flush-all messages.',
      cache.flushes,
    );
    cached('respool_cache_entries', 'gauge', 'Entries in the client-side cache.', cache.entries);
    cached(
      'respool_cache_bytes',
      'gauge',
      'Estimated bytes held by the client-side cache.',
      cache.bytes,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The `client` label of the cache's series: the name its tracking connections carry. */
const CACHE_CLIENT = 'respool-proxy-cache';

/** Serve `/metrics` on `port` (host 0.0.0.0 unless given). Resolves with the bound port. */
export function serveProxyMetrics(
  proxy: RespoolProxy,
  port: number,
  host = '0.0.0.0',
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found: try /metrics\n');
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      .end(renderProxyMetrics(proxy));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address !== null ? address.port : port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
