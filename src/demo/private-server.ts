/**
 * A throwaway `redis-server` for the demo, so `respool demo` works on a machine with nothing but
 * Redis installed and never touches a server someone else uses.
 *
 * - Free port (listen on 0, read it, close), bound to 127.0.0.1, no persistence
 *   (`--save '' --appendonly no`), data and log in a private temp dir.
 * - Ready when a connection answers and `INFO server` reports our child's pid: during a port
 *   race the answer could come from someone else's server on the same port.
 * - Never outlives the process: `stop()` on every normal path, and an `exit` hook that SIGKILLs
 *   any child still running and removes its dir when the process ends some other way
 *   (Ctrl-C, an uncaught error).
 * - Cluster nodes (`clusterNodeTimeoutMs`) get a free bus port of their own on each attempt, given
 *   explicitly: the default, port + 10000, does not exist for ports above 55535.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { toConnectionOptions } from '../client/option-slices.js';
import { resolveClientOptions } from '../client/options.js';
import { Connection } from '../connection/connection.js';
import { DemoError } from './demo-error.js';
import { parseInfo, replyText, request } from './request.js';

const HOST = '127.0.0.1';
const READY_DEADLINE_MS = 10_000;
// Redis answers within milliseconds of starting; a short poll keeps the demo's startup quick.
const READY_POLL_MS = 20;
const PROBE_CONNECT_TIMEOUT_MS = 1_000;
const STOP_GRACE_MS = 3_000;
// Another process can take the free port before redis binds it; a new port fixes that.
const MAX_PORT_ATTEMPTS = 5;
const LOG_TAIL_LINES = 15;

/** What {@link startPrivateServer} starts. */
export interface PrivateServerOptions {
  /**
   * Start a cluster-enabled node (`--cluster-enabled yes`) with this `--cluster-node-timeout`;
   * it joins no cluster by itself. Omitted: a standalone server.
   */
  readonly clusterNodeTimeoutMs?: number;
}

/** A running private server. */
export interface PrivateServer {
  readonly host: string;
  readonly port: number;
  /** Its `--cluster-port` (cluster nodes only), which `CLUSTER MEET` must be told. */
  readonly busPort: number | undefined;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** `redis_version` from `INFO server`. */
  readonly version: string;
  /** SIGTERM, SIGKILL after a grace period, wait for exit, remove the temp dir. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Start `redis-server` on a free port and resolve once it answers.
 * @throws DemoError when `redis-server` is not on PATH, exits during startup (with its log
 * tail), or does not answer within 10 s.
 */
export async function startPrivateServer(
  options: PrivateServerOptions = {},
): Promise<PrivateServer> {
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'respool-demo-'));
  ownedDirs.add(dir);
  try {
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const busPort = options.clusterNodeTimeoutMs === undefined ? undefined : await freePort();
      const child = spawnServer(port, dir, clusterArgs(options, busPort));
      try {
        const version = await waitUntilReady(child, port, dir);
        return new RunningServer(child, port, busPort, dir, version);
      } catch (error) {
        await terminate(child);
        const retry = error instanceof PortTakenError && attempt < MAX_PORT_ATTEMPTS;
        if (!retry) throw error;
      }
    }
  } catch (error) {
    await removeDir(dir);
    throw error;
  }
}

class RunningServer implements PrivateServer {
  readonly host = HOST;
  readonly port: number;
  readonly busPort: number | undefined;
  readonly url: string;
  readonly version: string;
  readonly #child: ChildProcess;
  readonly #dir: string;
  #stopping: Promise<void> | undefined;

  constructor(
    child: ChildProcess,
    port: number,
    busPort: number | undefined,
    dir: string,
    version: string,
  ) {
    this.#child = child;
    this.port = port;
    this.busPort = busPort;
    this.#dir = dir;
    this.version = version;
    this.url = `redis://${HOST}:${port}`;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await terminate(this.#child);
      await removeDir(this.#dir);
    })();
    return this.#stopping;
  }
}

/** The port was taken between our probe and redis binding it; a new port may work. */
class PortTakenError extends DemoError {}

function clusterArgs(options: PrivateServerOptions, busPort: number | undefined): string[] {
  if (options.clusterNodeTimeoutMs === undefined || busPort === undefined) return [];
  return [
    '--cluster-enabled',
    'yes',
    // Relative to --dir, which is private to this server.
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-port',
    String(busPort),
    '--cluster-node-timeout',
    String(options.clusterNodeTimeoutMs),
    // A diskless full sync otherwise waits 5 s for more replicas before it starts, which would
    // be most of the time a replica takes to come up.
    '--repl-diskless-sync-delay',
    '0',
  ];
}

function spawnServer(port: number, dir: string, extra: readonly string[]): ChildProcess {
  const argv = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--logfile',
    join(dir, 'redis.log'),
    ...extra,
  ];
  // stdio ignored: redis logs to the file above, and an undrained pipe could stall it.
  const child = spawn('redis-server', argv, { cwd: dir, stdio: 'ignore' });
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  return child;
}

async function waitUntilReady(child: ChildProcess, port: number, dir: string): Promise<string> {
  let spawnError: NodeJS.ErrnoException | undefined;
  let exited = false;
  child.on('error', (error: NodeJS.ErrnoException) => {
    // 'error' also reports a failed kill(); only a failed spawn leaves no pid.
    if (child.pid === undefined) spawnError = error;
  });
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (spawnError !== undefined) {
      liveChildren.delete(child);
      if (spawnError.code === 'ENOENT') {
        throw new DemoError(
          'redis-server was not found on PATH. The demo needs Redis 7 installed ' +
            '(Debian/Ubuntu: apt-get install redis-server), or REDIS_URL pointing at a server ' +
            'you may write to.',
        );
      }
      throw new DemoError(`Cannot start redis-server: ${spawnError.message}`, {
        cause: spawnError,
      });
    }
    if (exited) {
      const log = await logTail(dir);
      if (/Address already in use/i.test(log)) {
        throw new PortTakenError(`Port ${port} was taken before redis-server could bind it`);
      }
      throw new DemoError(`redis-server exited during startup. Its log ends with:\n${log}`);
    }
    const version = await probe(port, child.pid);
    if (version !== undefined) return version;
    if (Date.now() >= deadline) {
      throw new DemoError(
        `redis-server on port ${port} did not answer within ${READY_DEADLINE_MS} ms. ` +
          `Its log ends with:\n${await logTail(dir)}`,
      );
    }
    await delay(READY_POLL_MS);
  }
}

/** The server's version once it answers and is our child; undefined while not ready. */
async function probe(port: number, pid: number | undefined): Promise<string | undefined> {
  const options = toConnectionOptions(
    resolveClientOptions({
      host: HOST,
      port,
      name: 'respool-demo-probe',
      connectTimeoutMs: PROBE_CONNECT_TIMEOUT_MS,
    }),
  );
  let conn: Connection;
  try {
    conn = await Connection.open(options);
  } catch {
    // Refused or reset: not listening yet.
    return undefined;
  }
  try {
    const info = parseInfo(replyText(await request(conn, ['INFO', 'server']), 'INFO'));
    return info.get('process_id') === String(pid) ? (info.get('redis_version') ?? '?') : undefined;
  } catch {
    // LOADING and the like: not ready yet.
    return undefined;
  } finally {
    await conn.close(PROBE_CONNECT_TIMEOUT_MS);
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  ownedDirs.delete(dir);
}

async function logTail(dir: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(join(dir, 'redis.log'), 'utf8');
  } catch {
    return '(no log output)';
  }
  const lines = text.trimEnd().split('\n').slice(-LOG_TAIL_LINES);
  return lines.map((line) => `  ${line}`).join('\n');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: HOST, port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('No free port found'))));
    });
  });
}

const liveChildren = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous by necessity: no callback runs after 'exit'. SIGKILL, not SIGTERM, so the
  // server writes nothing into the dir while it is being removed; it holds no data anyway.
  process.on('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    for (const dir of ownedDirs) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // A leftover temp dir is not worth failing the exit over.
      }
    }
  });
}
