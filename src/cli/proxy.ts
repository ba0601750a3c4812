/**
 * `respool proxy`: run the RESP proxy in front of a server until SIGTERM/SIGINT, then drain
 * (stop accepting, answer what clients sent, close upstream connections with QUIT).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { serveProxyMetrics } from '../proxy/metrics-endpoint.js';
import { ProxyAuth } from '../proxy/proxy-auth.js';
import type { ProxyOptions } from '../proxy/proxy-options.js';
import { createProxy } from '../proxy/proxy-server.js';
import { formatTable } from '../util/format-table.js';
import { UsageError } from './cli-error.js';
import type { CliCommand, CliIo } from './command.js';
import { SHARD_FLAG_HELP, SHARD_FLAG_OPTIONS, shardOptionsFromFlags } from './proxy-shard-flags.js';

function usage(): string {
  return [
    'Usage: respool proxy --upstream <url> [--listen <addr>]… [options]',
    '       respool proxy --shard <url> --shard <url>… [shard options] [options]',
    '',
    'A RESP proxy: any client (redis-cli, redis-py, Jedis, go-redis) connects to it as to a',
    'Redis server; the server sees at most --max-connections connections from it, whatever the',
    'number of clients. See docs/proxy.md.',
    '',
    'Options:',
    formatTable(
      [
        ['--upstream <url>', 'redis://[user:pass@]host:port of the server (default $REDIS_URL)'],
        ['--cluster <url,…>', 'instead: seed nodes of a Redis Cluster (comma-separated)'],
        ['--listen <addr>', 'host:port, :port or /path.sock; repeatable (default 127.0.0.1:6380)'],
        ['--max-connections <n>', 'upstream connections, never more (default 16)'],
        [
          '--cache',
          'cached reads for all clients; one tracking connection per node, within --max-connections',
        ],
        ['--cache-max-entries <n>', 'entries the --cache keeps at most (default 10000)'],
        ['--max-clients <n>', 'client connections (default 10000)'],
        ['--requirepass <pw>', "password of the proxy's default user (or $RESPOOL_PROXY_PASSWORD)"],
        ['--users <file>', 'proxy users, one "username password" per line'],
        ['--client-idle-timeout <s>', 'close clients idle this long (default 0: never)'],
        ['--client-output-limit <bytes>', 'close a client whose unread replies pass this (64 MiB)'],
        [
          '--query-buffer-limit <bytes>',
          'close a client whose partial request passes this (128 MiB)',
        ],
        ['--lease-timeout <ms>', 'wait for a free connection for MULTI/WATCH/blocking (5000)'],
        [
          '--upstream-timeout <ms>',
          'fail a command the server has not answered in this long (default 0: wait, as direct)',
        ],
        ['--metrics-port <port>', 'serve Prometheus metrics on /metrics'],
        ...SHARD_FLAG_HELP,
        ['--config <file>', 'JSON file with any of the options above (camelCase keys)'],
        ['-h, --help', 'show this help'],
      ],
      { indent: '  ', align: ['left', 'left'] },
    ),
  ].join('\n');
}

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${flag} expects a whole number, got ${JSON.stringify(value)}`, usage());
  return n;
}

/** Resolves when the proxy has shut down (after a signal, or `stop` for tests). */
export async function runProxy(
  args: readonly string[],
  io: CliIo,
  stop?: AbortSignal,
): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      upstream: { type: 'string' },
      cluster: { type: 'string', multiple: true },
      listen: { type: 'string', multiple: true },
      'max-connections': { type: 'string' },
      cache: { type: 'boolean' },
      'cache-max-entries': { type: 'string' },
      'max-clients': { type: 'string' },
      requirepass: { type: 'string' },
      users: { type: 'string' },
      'client-idle-timeout': { type: 'string' },
      'client-output-limit': { type: 'string' },
      'query-buffer-limit': { type: 'string' },
      'lease-timeout': { type: 'string' },
      'upstream-timeout': { type: 'string' },
      'metrics-port': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...SHARD_FLAG_OPTIONS,
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help === true) {
    io.out(usage());
    return 0;
  }
  const file: Record<string, unknown> =
    values.config === undefined
      ? {}
      : (JSON.parse(readFileSync(values.config, 'utf8')) as Record<string, unknown>);
  const metricsPort =
    integer(values['metrics-port'], '--metrics-port') ??
    (file['metricsPort'] as number | undefined);
  delete file['metricsPort'];
  const idleSeconds = integer(values['client-idle-timeout'], '--client-idle-timeout');
  const cluster =
    values.cluster === undefined
      ? file['cluster']
      : { nodes: values.cluster.flatMap((v) => v.split(',')).filter((v) => v !== '') };
  const sharding = shardOptionsFromFlags(values, usage(), file['shards'] !== undefined);
  const shapeFlags = [values.upstream, sharding['shards'], values.cluster].filter(
    (v) => v !== undefined,
  );
  if (shapeFlags.length > 1)
    throw new UsageError('give one of --upstream, --shard or --cluster, not several', usage());
  const options: Record<string, unknown> = {
    ...file,
    ...sharding,
    listen: values.listen ?? file['listen'] ?? '127.0.0.1:6380',
  };
  // A flag wins over the config file, and one shape replaces the other.
  if (values.upstream !== undefined) {
    options['upstream'] = values.upstream;
    delete options['shards'];
    delete options['cluster'];
  } else if (sharding['shards'] !== undefined) {
    delete options['upstream'];
    delete options['cluster'];
  } else if (values.cluster !== undefined) {
    delete options['upstream'];
    delete options['shards'];
    options['cluster'] = cluster;
  }
  // $REDIS_URL names one server: it is no default for a proxy in front of shards or a cluster.
  else if (options['shards'] === undefined && options['cluster'] === undefined)
    options['upstream'] ??= io.env['REDIS_URL'];
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) options[key] = value;
  };
  set('maxConnections', integer(values['max-connections'], '--max-connections'));
  set('maxClients', integer(values['max-clients'], '--max-clients'));
  const cacheEntries = integer(values['cache-max-entries'], '--cache-max-entries');
  if (values.cache === true || cacheEntries !== undefined) {
    options['cache'] = cacheEntries === undefined ? true : { maxEntries: cacheEntries };
  }
  set('requirepass', values.requirepass ?? io.env['RESPOOL_PROXY_PASSWORD']);
  if (values.users !== undefined) options['users'] = ProxyAuth.readUsersFile(values.users);
  set('clientIdleTimeoutMs', idleSeconds === undefined ? undefined : idleSeconds * 1000);
  set('maxClientOutputBytes', integer(values['client-output-limit'], '--client-output-limit'));
  set('maxQueryBufferBytes', integer(values['query-buffer-limit'], '--query-buffer-limit'));
  set('leaseTimeoutMs', integer(values['lease-timeout'], '--lease-timeout'));
  set('upstreamTimeoutMs', integer(values['upstream-timeout'], '--upstream-timeout'));
  if (
    options['upstream'] === undefined &&
    options['shards'] === undefined &&
    options['cluster'] === undefined
  )
    throw new UsageError('--upstream (or --shard or --cluster) is required', usage());
  const proxy = createProxy(options as unknown as ProxyOptions);
  try {
    await proxy.listen();
  } catch (error) {
    // A start-up refusal (a budget too small, a server down): close what the upstream opened,
    // or its connections keep the process from exiting.
    await proxy.close(0);
    throw error;
  }
  const metrics =
    metricsPort === undefined ? undefined : await serveProxyMetrics(proxy, metricsPort);
  io.err(
    `respool proxy listening on ${proxy.address().join(', ')}${metrics === undefined ? '' : `, metrics on :${metrics.port}/metrics`}`,
  );
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
    stop?.addEventListener('abort', done, { once: true });
  });
  io.err('respool proxy: draining');
  await proxy.close();
  await metrics?.close();
  return 0;
}

export const proxyCommand: CliCommand = {
  name: 'proxy',
  summary: 'run a RESP proxy: many clients, a bounded number of server connections',
  usage: usage(),
  run: (args, io) => runProxy(args, io),
};
