/**
 * `createProxy(options)`: the RESP server front door. Accepts clients on TCP and/or Unix
 * sockets, enforces the front-door limits (max clients, idle timeout; the session enforces the
 * buffer limits), and gives each client a `ClientSession` over one shared `Upstream`.
 */
import { rmSync } from 'node:fs';
import net from 'node:net';
import { ClusterUpstream } from './cluster-upstream.js';
import { ProxyAuth } from './proxy-auth.js';
import { ProxyCache, type ProxyCacheStats } from './proxy-cache.js';
import {
  type ProxyOptions,
  type ResolvedProxyOptions,
  resolveProxyOptions,
} from './proxy-options.js';
import { ClientSession } from './session.js';
import { createProxyCounters, type ProxyCounters, type SessionHost } from './session-host.js';
import { ShardsUpstream } from './shards-upstream.js';
import { StandaloneUpstream } from './standalone-upstream.js';
import type { Upstream, UpstreamStats } from './upstream.js';

const MAX_CLIENTS_REPLY = '-ERR max number of clients reached\r\n';

export interface ProxyStats extends ProxyCounters {
  readonly clients: number;
  readonly upstream: UpstreamStats;
  /** `--cache`: the proxy's cache counters (all nodes' together); null when off. */
  readonly cache: ProxyCacheStats | null;
}

export interface RespoolProxy {
  /** Start listening on every `listen` address; resolves once all are bound and upstream is up. */
  listen(): Promise<void>;
  /** The bound addresses: `host:port` for TCP, the path for Unix sockets. */
  address(): string[];
  /** Stop accepting, answer what clients already sent, close them, then the upstream (QUIT). */
  close(timeoutMs?: number): Promise<void>;
  stats(): ProxyStats;
}

export function createProxy(options: ProxyOptions, upstream?: Upstream): RespoolProxy {
  const resolved = resolveProxyOptions(options);
  return new ProxyServer(resolved, upstream);
}

class ProxyServer implements RespoolProxy, SessionHost {
  readonly options: ResolvedProxyOptions;
  readonly upstream: Upstream;
  readonly auth: ProxyAuth;
  readonly counters = createProxyCounters();
  readonly cache: ProxyCache | undefined;
  readonly #sessions = new Set<ClientSession>();
  readonly #congested = new Set<ClientSession>();
  readonly #servers: net.Server[] = [];
  readonly #bound: string[] = [];
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: ResolvedProxyOptions, upstream: Upstream | undefined) {
    this.options = options;
    this.auth = new ProxyAuth(options.requirepass, options.users);
    this.upstream = upstream ?? createUpstream(options);
    // The upstream opens the tracking connections, under its one budget (`options.cache`).
    this.cache =
      this.upstream.cache === undefined
        ? undefined
        : new ProxyCache(this.upstream.cache, (protocol) => this.upstream.shared(protocol, 0));
    this.upstream.onDrain(() => {
      const waiting = [...this.#congested];
      this.#congested.clear();
      for (const session of waiting) session.upstreamDrained();
    });
  }

  sessions(): Iterable<ClientSession> {
    return this.#sessions;
  }

  congested(session: ClientSession): void {
    this.#congested.add(session);
  }

  remove(session: ClientSession): void {
    this.#sessions.delete(session);
    this.#congested.delete(session);
  }

  async listen(): Promise<void> {
    await this.upstream.start();
    for (const where of this.options.listen) {
      const server = net.createServer({ noDelay: true, pauseOnConnect: false }, (socket) =>
        this.#accept(socket),
      );
      this.#servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        const spec = parseListen(where);
        if (spec.path !== undefined) {
          // A stale socket file from a previous run would make listen fail with EADDRINUSE.
          rmSync(spec.path, { force: true });
          server.listen(spec.path, () => resolve());
        } else {
          server.listen(spec.port, spec.host, () => resolve());
        }
      });
      const address = server.address();
      this.#bound.push(
        typeof address === 'string'
          ? address
          : address === null
            ? ''
            : `${address.address}:${address.port}`,
      );
    }
    const idleMs = this.options.clientIdleTimeoutMs;
    if (idleMs > 0) {
      this.#idleTimer = setInterval(() => this.#closeIdle(idleMs), Math.min(1000, idleMs));
      this.#idleTimer.unref();
    }
  }

  address(): string[] {
    return [...this.#bound];
  }

  #accept(socket: net.Socket): void {
    if (this.#closing || this.#sessions.size >= this.options.maxClients) {
      this.counters.rejectedClients++;
      socket.on('error', () => undefined);
      socket.end(MAX_CLIENTS_REPLY);
      return;
    }
    this.counters.acceptedClients++;
    const session = new ClientSession(this, socket, this.#nextId++);
    this.#sessions.add(session);
  }

  #closeIdle(idleMs: number): void {
    const before = Date.now() - idleMs;
    for (const session of this.#sessions) {
      if (session.lastActivity >= before) continue;
      // As the server does: pub/sub and blocked clients wait by design.
      if (
        session.subscriptions.size > 0 ||
        session.blocked ||
        session.monitoring ||
        session.pendingReplies > 0
      )
        continue;
      this.counters.idleKills++;
      session.kill();
    }
  }

  stats(): ProxyStats {
    return {
      ...this.counters,
      clients: this.#sessions.size,
      upstream: this.upstream.stats(),
      cache: this.cache?.stats() ?? null,
    };
  }

  async close(timeoutMs = 5_000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#idleTimer !== undefined) clearInterval(this.#idleTimer);
    const stopped = Promise.all(
      this.#servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
    );
    for (const session of this.#sessions) session.drainAndClose();
    const deadline = Date.now() + timeoutMs;
    while (this.#sessions.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const session of [...this.#sessions]) session.kill();
    await stopped;
    await this.upstream.close();
  }
}

function createUpstream(options: ResolvedProxyOptions): Upstream {
  if (options.cluster !== undefined) {
    return new ClusterUpstream({
      nodes: options.cluster.nodes,
      maxConnections: options.maxConnections,
      client: options.upstreamOptions,
      cache: options.cache,
    });
  }
  if (options.shards !== undefined) {
    return new ShardsUpstream({
      shards: options.shards,
      maxConnections: options.maxConnections,
      ...options.sharding,
      client: options.upstreamOptions,
    });
  }
  return new StandaloneUpstream({
    url: options.upstream ?? '',
    maxConnections: options.maxConnections,
    client: options.upstreamOptions,
    cache: options.cache,
  });
}

/** `host:port`, `:port`, `port`, or a path (anything with a `/`). */
export function parseListen(where: string | number): {
  host?: string;
  port?: number;
  path?: string;
} {
  if (typeof where === 'number') return { host: '127.0.0.1', port: where };
  if (where.includes('/')) return { path: where };
  const at = where.lastIndexOf(':');
  const host = at <= 0 ? '127.0.0.1' : where.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(at === -1 ? where : where.slice(at + 1));
  return { host, port };
}
