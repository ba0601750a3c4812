/**
 * Incident 1 through `respool proxy`: the unbounded pool stays as it is (a new connection
 * whenever none is idle — the pattern of the Python, Java and Go services of the incident), and
 * only its address changes, from the server to a proxy in front of it. The same burst runs
 * twice; the server's `connected_clients` is sampled throughout, so the figures are what the
 * server saw, not what either client believes.
 */
import { toConnectionOptions } from '../client/option-slices.js';
import { resolveClientOptions } from '../client/options.js';
import { createProxy } from '../proxy/proxy-server.js';
import { NaivePool } from './naive-pool.js';
import { PeakSampler } from './peak-sampler.js';
import { startPrivateServer } from './private-server.js';
import { ServerMonitor } from './server-monitor.js';
import { type KvStore, runWorkload } from './workload.js';

export interface ProxySideResult {
  /** Connections the server held at once, above its baseline. */
  readonly serverPeak: number;
  /** Connections the pool opened at once (to the server, or to the proxy). */
  readonly poolPeak: number;
  readonly completed: number;
  readonly errors: number;
  readonly wrongReplies: number;
}

export interface ProxyComparison {
  readonly direct: ProxySideResult;
  readonly proxied: ProxySideResult;
  readonly maxConnections: number;
}

export interface ProxyComparisonOptions {
  /** The server (`redis://…`). */
  readonly url: string;
  readonly callers: number;
  readonly opsPerCaller: number;
  /** The proxy's budget. @default 8 */
  readonly maxConnections?: number;
  /** Prefix of the keys written (and left for the caller to delete). */
  readonly prefix: string;
}

async function burst(
  url: string,
  monitor: ServerMonitor,
  options: ProxyComparisonOptions,
  side: string,
): Promise<ProxySideResult> {
  const pool = new NaivePool(
    toConnectionOptions(resolveClientOptions({ url, name: `respool-demo-${side}` })),
  );
  const store: KvStore = {
    set: (key, value) => pool.command(['SET', key, value]),
    get: async (key) => {
      const value = await pool.command(['GET', key]);
      return value === null ? null : String(value);
    },
    incr: async (key) => Number(await pool.command(['INCR', key])),
  };
  const baseline = await monitor.connectedClients();
  const sampler = new PeakSampler(
    async () => (await monitor.connectedClients()) - baseline,
    () => pool.stats().peakOpen,
  );
  try {
    await sampler.start();
    const result = await runWorkload(store, {
      callers: options.callers,
      opsPerCaller: options.opsPerCaller,
      prefix: `${options.prefix}${side}:`,
    });
    const peaks = await sampler.stop();
    return {
      serverPeak: peaks.server,
      poolPeak: peaks.client,
      completed: result.completed,
      errors: result.errors,
      wrongReplies: result.wrongReplies,
    };
  } finally {
    await pool.close();
  }
}

/** Run the burst directly, then through a proxy started here for it; both against `url`. */
export async function compareThroughProxy(
  options: ProxyComparisonOptions,
): Promise<ProxyComparison> {
  const maxConnections = options.maxConnections ?? 8;
  const monitor = await ServerMonitor.open(options.url);
  try {
    const direct = await burst(options.url, monitor, options, 'direct');
    const proxy = createProxy({
      listen: '127.0.0.1:0',
      upstream: options.url,
      maxConnections,
      maxClients: options.callers + 100,
    });
    await proxy.listen();
    try {
      const [address] = proxy.address();
      const proxied = await burst(`redis://${address}`, monitor, options, 'proxied');
      return { direct, proxied, maxConnections };
    } finally {
      await proxy.close();
    }
  } finally {
    await monitor.close();
  }
}

/** The report: what the server saw each way. */
export function proxyComparisonLines(c: ProxyComparison, callers: number): string[] {
  const row = (label: string, s: ProxySideResult): string =>
    `  ${label.padEnd(46)} server peak ${String(s.serverPeak).padStart(5)} connections   (pool opened ${s.poolPeak}; ${s.completed} ops, ${s.errors} errors, ${s.wrongReplies} wrong replies)`;
  return [
    `Incident 1 through respool proxy: ${callers} callers on an unbounded pool, unchanged.`,
    row('directly to the server:', c.direct),
    row(`through respool proxy (--max-connections ${c.maxConnections}):`, c.proxied),
  ];
}

/**
 * `respool demo --incident 1 --proxy`: on a private redis-server (started and stopped here, so
 * nothing is written to anyone's server), the burst directly and through the proxy.
 */
export async function runProxyDemo(
  params: { readonly callers: number; readonly opsPerCaller: number },
  out: (line: string) => void,
  progress: (line: string) => void,
): Promise<ProxyComparison> {
  progress('starting a private redis-server...');
  const server = await startPrivateServer();
  try {
    progress(`replaying ${params.callers} callers directly, then through respool proxy...`);
    const comparison = await compareThroughProxy({
      url: server.url,
      callers: params.callers,
      opsPerCaller: params.opsPerCaller,
      prefix: 'respool-demo:proxy:',
    });
    out(proxyComparisonLines(comparison, params.callers).join('\n'));
    return comparison;
  } finally {
    await server.stop();
  }
}
