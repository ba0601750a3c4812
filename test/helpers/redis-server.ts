/**
 * Real `redis-server` processes for integration tests, one per test file, never Docker.
 *
 * Each server gets a port from `freePort()` (never 6379, where a shared server lives), a private
 * temp dir for its data, `redis.log`, `stdout.log` and `stderr.log`, and no persistence unless the
 * caller's `args` turn it on. A failed start reports the log tail, so CI failures explain
 * themselves.
 *
 * Invariants:
 * - A child never outlives the test process; `redis-process.ts` owns the exit hook that enforces
 *   it.
 * - `kill()` and `restart()` keep the port and dir, so AOF data survives a crash-and-restart test.
 *   `stop()` is final and removes the dir.
 * - The helper's own connections (readiness probe, `info()`, `clientList()`) speak RESP over a raw
 *   socket (`raw-resp.ts`) and name themselves `respool-harness`, so `clientList()` can leave them
 *   out and the leak checks count only the code under test.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { type ClientInfo, formatClientList, parseClientList, parseInfo } from './client-list.js';
import { freePort } from './free-port.js';
import { expectString, type Reply, ReplyError, rawCommands } from './raw-resp.js';
import {
  HOST,
  installExitHook,
  type Launched,
  launch,
  ownDir,
  PROBE_TIMEOUT_MS,
  releaseDir,
  StartError,
  waitForExit,
  waitForProcState,
} from './redis-process.js';

export { type ClientInfo, formatClientList } from './client-list.js';

const SHARED_PORT = 6379;
const HARNESS_CLIENT_NAME = 'respool-harness';
const STOP_GRACE_MS = 3_000;
const CLI_TIMEOUT_MS = 10_000;
const CLIENT_POLL_MS = 20;
const MAX_PORT_ATTEMPTS = 5;
// sun_path is 104 bytes on macOS and 108 on Linux, NUL included; stay under the smaller one.
const MAX_UNIX_PATH_BYTES = 103;

/** Options for {@link startRedis}. */
export interface StartRedisOptions {
  /**
   * Extra `redis-server` arguments, appended after the defaults so they win (for example
   * `['--appendonly', 'yes', '--appendfsync', 'always']` or `['--maxclients', '50']`).
   */
  readonly args?: readonly string[];
  /** Sets `--requirepass`; the helper's own connections and `cli()` authenticate with it. */
  readonly password?: string;
  /** Also listen on `<dir>/redis.sock` (mode 700), exposed as `socketPath`. @default false */
  readonly unixSocket?: boolean;
  /**
   * Fixed port instead of a free one. A fixed port is not retried on `EADDRINUSE`.
   * @throws Error when 6379, which belongs to a shared server tests must not touch.
   */
  readonly port?: number;
}

/** A running `redis-server` owned by a test file. Obtain one from {@link startRedis}. */
export interface RedisServer {
  /** Always `127.0.0.1`. */
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, with `:<password>@` when a password is set. */
  readonly url: string;
  /** `<dir>/redis.sock` when started with `unixSocket: true`. */
  readonly socketPath?: string;
  /** Working dir: data files, `redis.log`, `stdout.log`, `stderr.log`. */
  readonly dir: string;
  /** Pid of the current process; changes after `restart()`. */
  readonly pid: number;
  /**
   * Runs `redis-cli` against this server and returns its trimmed stdout.
   * @throws Error on a non-zero exit, which includes an error reply (`redis-cli -e`).
   */
  cli(...args: string[]): Promise<string>;
  /** `INFO [section]` parsed into `field -> value`; section headers are dropped. */
  info(section?: string): Promise<Record<string, string>>;
  /** `CLIENT LIST` parsed, without the helper's own connections. */
  clientList(): Promise<ClientInfo[]>;
  /** Number of clients in {@link RedisServer.clientList}. */
  clientCount(): Promise<number>;
  /**
   * Polls until exactly `n` clients are connected.
   * @default timeoutMs 5000
   * @throws Error listing the connected clients when the count is still wrong at the deadline.
   */
  waitForClientCount(n: number, timeoutMs?: number): Promise<void>;
  /** SIGTERM, SIGKILL after a 3 s grace, wait for exit, remove `dir`. Idempotent and final. */
  stop(): Promise<void>;
  /**
   * Sends `signal` and waits for the process to exit; port and dir are kept for `restart()`.
   * @default signal 'SIGKILL'
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Starts the server again with the same port, dir and arguments and waits for PING. A live
   * server is shut down with SIGTERM first.
   * @throws Error after `stop()`, or when the port has been taken meanwhile.
   */
  restart(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets but answers nothing, like a dead peer. */
  pause(): Promise<void>;
  /** SIGCONT after {@link RedisServer.pause}. */
  resume(): Promise<void>;
}

/**
 * Spawns a private `redis-server` on a free port and resolves once it answers PING.
 *
 * @example
 * ```ts
 * const server = await startRedis({ args: ['--appendonly', 'yes', '--appendfsync', 'always'] });
 * after(() => server.stop());
 * ```
 * @throws Error when `redis-server` is missing, exits during startup, or does not answer PING
 * within 10 s; the message holds the tail of its logs.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  if (options.port === SHARED_PORT) {
    throw new Error(`startRedis: port ${SHARED_PORT} belongs to the shared server; pick another`);
  }
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'respool-redis-'));
  ownDir(dir);
  try {
    const socketPath = options.unixSocket === true ? join(dir, 'redis.sock') : undefined;
    if (socketPath !== undefined && Buffer.byteLength(socketPath) > MAX_UNIX_PATH_BYTES) {
      throw new Error(`startRedis: unix socket path too long for sun_path: ${socketPath}`);
    }
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort(HOST));
      const argv = buildArgv(port, dir, socketPath, options);
      try {
        const launched = await launch(argv, dir, port, options.password);
        return new RedisServerProcess({
          port,
          dir,
          argv,
          password: options.password,
          socketPath,
          launched,
        });
      } catch (error) {
        // Another process can bind the port between freePort() closing it and redis binding it.
        const retry =
          error instanceof StartError &&
          error.addressInUse &&
          options.port === undefined &&
          attempt < MAX_PORT_ATTEMPTS;
        if (!retry) {
          throw error;
        }
      }
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    releaseDir(dir);
    throw error;
  }
}

function buildArgv(
  port: number,
  dir: string,
  socketPath: string | undefined,
  options: StartRedisOptions,
): string[] {
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
  ];
  if (options.password !== undefined) {
    argv.push('--requirepass', options.password);
  }
  if (socketPath !== undefined) {
    argv.push('--unixsocket', socketPath, '--unixsocketperm', '700');
  }
  argv.push(...(options.args ?? []));
  return argv;
}

interface ServerInit {
  readonly port: number;
  readonly dir: string;
  readonly argv: readonly string[];
  readonly password: string | undefined;
  readonly socketPath: string | undefined;
  readonly launched: Launched;
}

class RedisServerProcess implements RedisServer {
  readonly host = HOST;
  readonly port: number;
  readonly url: string;
  readonly socketPath?: string;
  readonly dir: string;
  readonly #argv: readonly string[];
  readonly #password: string | undefined;
  #launched: Launched;
  #queries: Promise<unknown> = Promise.resolve();
  #paused = false;
  #restarting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(init: ServerInit) {
    this.port = init.port;
    this.dir = init.dir;
    this.#argv = init.argv;
    this.#password = init.password;
    this.#launched = init.launched;
    const auth = init.password === undefined ? '' : `:${encodeURIComponent(init.password)}@`;
    this.url = `redis://${auth}${HOST}:${init.port}`;
    if (init.socketPath !== undefined) {
      this.socketPath = init.socketPath;
    }
  }

  get pid(): number {
    return this.#launched.pid;
  }

  cli(...args: string[]): Promise<string> {
    const auth = this.#password === undefined ? [] : ['-a', this.#password, '--no-auth-warning'];
    // -e: redis-cli exits 0 on an error reply unless asked, and a silently failed
    // CONFIG SET would make a fault test pass for the wrong reason.
    const argv = ['-h', HOST, '-p', String(this.port), ...auth, '-e', ...args];
    return new Promise((resolve, reject) => {
      execFile(
        'redis-cli',
        argv,
        { encoding: 'utf8', timeout: CLI_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error !== null) {
            const output = [stdout.trim(), stderr.trim()].filter((s) => s !== '').join('\n');
            reject(
              new Error(`redis-cli ${args.join(' ')} on port ${this.port} failed: ${output}`, {
                cause: error,
              }),
            );
            return;
          }
          resolve(stdout.trim());
        },
      );
    });
  }

  async info(section?: string): Promise<Record<string, string>> {
    const [text] = await this.#query([section === undefined ? ['INFO'] : ['INFO', section]]);
    return parseInfo(expectString(text, 'INFO'));
  }

  async clientList(): Promise<ClientInfo[]> {
    const [text] = await this.#query([['CLIENT', 'LIST']]);
    return parseClientList(expectString(text, 'CLIENT LIST')).filter(
      (client) => client.name !== HARNESS_CLIENT_NAME,
    );
  }

  async clientCount(): Promise<number> {
    return (await this.clientList()).length;
  }

  async waitForClientCount(n: number, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let clients = await this.clientList();
    while (clients.length !== n) {
      if (Date.now() >= deadline) {
        throw new Error(
          `redis on port ${this.port}: expected ${n} client(s), found ${clients.length} ` +
            `after ${timeoutMs} ms:\n${formatClientList(clients)}`,
        );
      }
      await delay(CLIENT_POLL_MS);
      clients = await this.clientList();
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      throw new Error('kill(): use pause()/resume() for SIGSTOP/SIGCONT');
    }
    const launched = this.#launched;
    if (launched.exit === undefined) {
      launched.child.kill(signal);
      if (this.#paused) {
        // A stopped process acts only on SIGKILL; let it run so it can see any other signal.
        launched.child.kill('SIGCONT');
      }
    }
    this.#paused = false;
    await waitForExit(launched);
  }

  restart(): Promise<void> {
    if (this.#stopping !== undefined) {
      return Promise.reject(new Error(`restart(): redis on port ${this.port} was stopped`));
    }
    // Concurrent calls share one restart rather than racing two processes for the port.
    this.#restarting ??= this.#restart().finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  async pause(): Promise<void> {
    const launched = this.#requireLive('pause');
    launched.child.kill('SIGSTOP');
    this.#paused = true;
    // Signal delivery is asynchronous; a test that probes right after pause() must see it stopped.
    await waitForProcState(launched.pid, true);
  }

  async resume(): Promise<void> {
    const launched = this.#requireLive('resume');
    launched.child.kill('SIGCONT');
    this.#paused = false;
    await waitForProcState(launched.pid, false);
  }

  async #restart(): Promise<void> {
    await this.#terminate();
    this.#launched = await launch(this.#argv, this.dir, this.port, this.#password);
  }

  async #stop(): Promise<void> {
    // Let an in-flight restart settle so the process it spawns is the one we terminate.
    await this.#restarting?.catch(() => undefined);
    await this.#terminate();
    await rm(this.dir, { recursive: true, force: true });
    releaseDir(this.dir);
  }

  async #terminate(): Promise<void> {
    const launched = this.#launched;
    if (launched.exit === undefined) {
      launched.child.kill('SIGTERM');
      // A paused server would hold SIGTERM pending forever.
      launched.child.kill('SIGCONT');
    }
    this.#paused = false;
    const timer = setTimeout(() => launched.child.kill('SIGKILL'), STOP_GRACE_MS);
    try {
      await waitForExit(launched);
    } finally {
      clearTimeout(timer);
    }
  }

  #requireLive(operation: string): Launched {
    if (this.#launched.exit !== undefined) {
      throw new Error(`${operation}(): redis on port ${this.port} is not running`);
    }
    return this.#launched;
  }

  /**
   * One harness query at a time per server: a probe's connection is unnamed until its SETNAME
   * runs, so concurrent probes would count each other in CLIENT LIST (seen as a phantom
   * connection when a test samples clientCount() from several callers at once).
   */
  #query(commands: readonly (readonly string[])[]): Promise<Reply[]> {
    const run = (): Promise<Reply[]> => this.#queryNow(commands);
    const next = this.#queries.then(run, run);
    this.#queries = next.catch(() => undefined);
    return next;
  }

  #queryNow(commands: readonly (readonly string[])[]): Promise<Reply[]> {
    return rawCommands(
      HOST,
      this.port,
      this.#password,
      [['CLIENT', 'SETNAME', HARNESS_CLIENT_NAME], ...commands],
      PROBE_TIMEOUT_MS * 5,
    ).then((replies) => {
      const failed = replies.find((reply) => reply instanceof ReplyError);
      if (failed !== undefined) {
        throw failed;
      }
      return replies.slice(1);
    });
  }
}
