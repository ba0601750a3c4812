/**
 * Real `redis-server` processes for integration tests, one per test file, never Docker.
 *
 * Each server gets a port from `freePort()` (never 6379, where a shared server lives), a private
 * temp dir for its data, `redis.log`, `stdout.log` and `stderr.log`, and no persistence unless the
 * caller's `args` turn it on. A failed start reports the log tail, so CI failures explain
 * themselves.
 *
 * Invariants:
 * - A child never outlives the test process: every live child is SIGKILLed, and every dir not yet
 *   stopped is removed, on `exit` (and on SIGINT/SIGTERM/SIGHUP). Children are not detached, and
 *   are `unref()`ed so a forgotten server does not keep a finished test file running; the exit
 *   hook then reaps it.
 * - `kill()` and `restart()` keep the port and dir, so AOF data survives a crash-and-restart test.
 *   `stop()` is final and removes the dir.
 * - The helper's own connections (readiness probe, `info()`, `clientList()`) speak RESP over a raw
 *   socket and name themselves `respool-harness`, so `clientList()` can leave them out and the
 *   leak checks count only the code under test.
 */

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './free-port.js';

const HOST = '127.0.0.1';
const SHARED_PORT = 6379;
const HARNESS_CLIENT_NAME = 'respool-harness';
const READY_DEADLINE_MS = 10_000;
// Redis is up in a few milliseconds; a short poll keeps per-file startup well under 200 ms.
const READY_POLL_MS = 10;
const PROBE_TIMEOUT_MS = 1_000;
const STOP_GRACE_MS = 3_000;
const CLI_TIMEOUT_MS = 10_000;
const CLIENT_POLL_MS = 20;
const SIGNAL_STATE_TIMEOUT_MS = 1_000;
const MAX_PORT_ATTEMPTS = 5;
const LOG_TAIL_LINES = 30;
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

/**
 * One line of `CLIENT LIST`. Fields a server version does not report are `0` or `''` (`ssub`
 * appeared in 7.0.3, `lib-name`/`lib-ver` in 7.2); `fields` keeps every raw `key=value` pair.
 */
export interface ClientInfo {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  readonly name: string;
  readonly age: number;
  readonly idle: number;
  readonly flags: string;
  readonly db: number;
  readonly sub: number;
  readonly psub: number;
  readonly ssub: number;
  /** Commands queued in MULTI, `-1` outside a transaction. */
  readonly multi: number;
  readonly qbuf: number;
  readonly omem: number;
  /** Last command run, in `cmd|subcommand` form. */
  readonly cmd: string;
  readonly 'lib-name': string;
  readonly 'lib-ver': string;
  readonly fields: Readonly<Record<string, string>>;
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
  ownedDirs.add(dir);
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
    ownedDirs.delete(dir);
    throw error;
  }
}

/**
 * Renders clients one per line (addr, name, lib-name, cmd, age, idle) for failure messages.
 */
export function formatClientList(clients: readonly ClientInfo[]): string {
  if (clients.length === 0) {
    return '  (none)';
  }
  return clients
    .map(
      (c) =>
        `  addr=${c.addr} name=${c.name} lib-name=${c['lib-name']} cmd=${c.cmd} ` +
        `age=${c.age} idle=${c.idle}`,
    )
    .join('\n');
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
    return expectString(text, 'CLIENT LIST')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(parseClientLine)
      .filter((client) => client.name !== HARNESS_CLIENT_NAME);
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
    ownedDirs.delete(this.dir);
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

// ---------------------------------------------------------------------------------------------
// Process lifecycle

interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

interface Launched {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  /** Set once the process has exited; undefined while it runs. */
  exit: ExitInfo | undefined;
}

/** Raised for a failed start; `addressInUse` tells `startRedis` a new port may help. */
class StartError extends Error {
  readonly addressInUse: boolean;

  constructor(message: string, addressInUse: boolean) {
    super(message);
    this.name = 'StartError';
    this.addressInUse = addressInUse;
  }
}

const liveChildren = new Set<ChildProcess>();
// Dirs of servers not yet stopped: a file that forgets stop() must not litter the temp dir.
const ownedDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.on('exit', cleanUpNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, onFatalSignal);
  }
}

/** Synchronous, because it runs in the `exit` event where no callback will ever fire. */
function cleanUpNow(): void {
  for (const child of liveChildren) {
    // SIGKILL works on SIGSTOPped processes too, which a dead-peer test may have left behind.
    child.kill('SIGKILL');
  }
  liveChildren.clear();
  for (const dir of ownedDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // A dying server may still be writing; a leftover temp dir is not worth a failed exit.
    }
  }
  ownedDirs.clear();
}

function onFatalSignal(signal: NodeJS.Signals): void {
  cleanUpNow();
  // Adding a listener cancels Node's default "die on signal"; when nobody else handles the signal,
  // restore that by removing ourselves and re-raising it.
  if (process.listenerCount(signal) === 1) {
    process.removeListener(signal, onFatalSignal);
    process.kill(process.pid, signal);
  }
}

async function launch(
  argv: readonly string[],
  dir: string,
  port: number,
  password: string | undefined,
): Promise<Launched> {
  const offsets = await logOffsets(dir);
  const stdoutFd = openSync(join(dir, 'stdout.log'), 'a');
  const stderrFd = openSync(join(dir, 'stderr.log'), 'a');
  let child: ChildProcess;
  try {
    // Files, not pipes: nothing to drain, and the output outlives a crashed process.
    child = spawn('redis-server', argv, { cwd: dir, stdio: ['ignore', stdoutFd, stderrFd] });
  } finally {
    // The child holds its own copies of the descriptors.
    closeSync(stdoutFd);
    closeSync(stderrFd);
  }
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', (error) => {
      // 'error' also reports failed kill() calls; only a failed spawn means there is no process.
      if (child.pid === undefined) {
        resolve({ code: null, signal: null, error });
      }
    });
  });
  if (child.pid !== undefined) {
    liveChildren.add(child);
    child.unref();
  }
  const launched: Launched = { child, pid: child.pid ?? -1, exited, exit: undefined };
  void exited.then((info) => {
    launched.exit = info;
    liveChildren.delete(child);
  });

  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (launched.exit !== undefined) {
      const { code, signal, error } = launched.exit;
      if (error !== undefined) {
        throw new StartError(
          `startRedis: cannot spawn redis-server (${error.message}); is it on PATH?`,
          false,
        );
      }
      const logs = await readLogs(dir, offsets);
      throw new StartError(
        `startRedis: redis-server on port ${port} exited during startup ` +
          `(code ${code}, signal ${signal}); dir ${dir}\n${logs}`,
        /Address already in use/i.test(logs),
      );
    }
    if (await isOurServer(port, password, launched.pid)) {
      return launched;
    }
    if (Date.now() >= deadline) {
      child.kill('SIGKILL');
      await exited;
      const logs = await readLogs(dir, offsets);
      throw new StartError(
        `startRedis: redis-server on port ${port} did not answer PING within ` +
          `${READY_DEADLINE_MS} ms; dir ${dir}\n${logs}`,
        false,
      );
    }
    await delay(READY_POLL_MS);
  }
}

/**
 * True once the server answers PING and reports our pid: during a port race the answer might come
 * from someone else's redis on the same port, while ours is about to die of EADDRINUSE.
 */
async function isOurServer(
  port: number,
  password: string | undefined,
  pid: number,
): Promise<boolean> {
  try {
    const [pong, info] = await rawCommands(
      port,
      password,
      [['PING'], ['INFO', 'server']],
      PROBE_TIMEOUT_MS,
    );
    if (pong !== 'PONG' || typeof info !== 'string') {
      return false;
    }
    const { process_id: reportedPid } = parseInfo(info);
    return reportedPid === String(pid);
  } catch {
    // Refused, reset, AUTH failure or LOADING: not ready yet.
    return false;
  }
}

async function waitForExit(launched: Launched): Promise<void> {
  // The child is unref()ed; hold the event loop open so this await cannot be abandoned.
  launched.child.ref();
  try {
    await launched.exited;
  } finally {
    launched.child.unref();
  }
}

/** Waits until /proc shows the process stopped (or not); a no-op where there is no procfs. */
async function waitForProcState(pid: number, stopped: boolean): Promise<void> {
  const deadline = Date.now() + SIGNAL_STATE_TIMEOUT_MS;
  for (;;) {
    let stat: string;
    try {
      stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return;
    }
    // Format: "pid (comm) S ...". comm may hold spaces or parens, so look after the last ')'.
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    const isStopped = state === 'T' || state === 't';
    if (isStopped === stopped || Date.now() >= deadline) {
      return;
    }
    await delay(1);
  }
}

const LOG_FILES = ['redis.log', 'stdout.log', 'stderr.log'] as const;

async function logOffsets(dir: string): Promise<Map<string, number>> {
  const offsets = new Map<string, number>();
  for (const name of LOG_FILES) {
    offsets.set(name, (await readOptional(join(dir, name))).length);
  }
  return offsets;
}

/** Tail of each log written since `offsets`, so a restart reports only its own attempt. */
async function readLogs(dir: string, offsets: ReadonlyMap<string, number>): Promise<string> {
  const sections: string[] = [];
  for (const name of LOG_FILES) {
    const text = (await readOptional(join(dir, name)))
      .subarray(offsets.get(name) ?? 0)
      .toString('utf8')
      .trimEnd();
    if (text !== '') {
      const tail = text.split('\n').slice(-LOG_TAIL_LINES).join('\n');
      sections.push(`--- ${name} (last ${LOG_TAIL_LINES} lines) ---\n${tail}`);
    }
  }
  return sections.length === 0 ? '(no log output)' : sections.join('\n');
}

async function readOptional(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    return Buffer.alloc(0);
  }
}

// ---------------------------------------------------------------------------------------------
// A minimal RESP2 client for the helper's own queries. It does not use src/protocol on purpose:
// the harness must stay trustworthy while the code under test is broken.

class ReplyError extends Error {
  override name = 'ReplyError';
}

type Reply = string | number | null | ReplyError;

function encodeCommands(commands: readonly (readonly string[])[]): string {
  let out = '';
  for (const command of commands) {
    out += `*${command.length}\r\n`;
    for (const arg of command) {
      out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    }
  }
  return out;
}

/** Parses one reply at `start`; undefined when the buffer does not hold all of it yet. */
function parseReply(buf: Buffer, start: number): { value: Reply; next: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', start);
  if (lineEnd === -1) {
    return undefined;
  }
  const line = buf.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (buf[start]) {
    case 0x2b: // '+'
      return { value: line, next };
    case 0x2d: // '-'
      return { value: new ReplyError(line), next };
    case 0x3a: // ':'
      return { value: Number(line), next };
    case 0x24: {
      // '$'
      const length = Number(line);
      if (length < 0) {
        return { value: null, next };
      }
      if (buf.length < next + length + 2) {
        return undefined;
      }
      return { value: buf.toString('utf8', next, next + length), next: next + length + 2 };
    }
    default:
      throw new Error(`harness RESP reader: unexpected reply type byte ${String(buf[start])}`);
  }
}

/**
 * Sends `commands` pipelined on a fresh connection (after AUTH when a password is given) and
 * resolves with one reply per command. Rejects on a socket error, an early close, a failed AUTH or
 * the timeout.
 */
function rawCommands(
  port: number,
  password: string | undefined,
  commands: readonly (readonly string[])[],
  timeoutMs: number,
): Promise<Reply[]> {
  const all = password === undefined ? commands : [['AUTH', password], ...commands];
  return new Promise((resolve, reject) => {
    const replies: Reply[] = [];
    let buffered: Buffer = Buffer.alloc(0);
    let offset = 0;
    let settled = false;
    const socket = connect({ host: HOST, port });
    const finish = (error?: Error): void => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error !== undefined) {
        reject(error);
        return;
      }
      const auth = password === undefined ? undefined : replies[0];
      if (auth instanceof ReplyError) {
        reject(auth);
        return;
      }
      resolve(password === undefined ? replies : replies.slice(1));
    };
    const timer = setTimeout(
      () => finish(new Error(`redis on port ${port}: no reply within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once('connect', () => socket.write(encodeCommands(all)));
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      try {
        while (replies.length < all.length) {
          const parsed = parseReply(buffered, offset);
          if (parsed === undefined) {
            return;
          }
          replies.push(parsed.value);
          offset = parsed.next;
        }
      } catch (error) {
        finish(error as Error);
        return;
      }
      finish();
    });
    socket.once('error', (error) => finish(error));
    socket.once('close', () =>
      finish(new Error(`redis on port ${port}: connection closed before all replies`)),
    );
  });
}

function expectString(reply: Reply | undefined, command: string): string {
  if (typeof reply !== 'string') {
    throw new Error(`${command}: expected a string reply, got ${String(reply)}`);
  }
  return reply;
}

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (line === '' || line.startsWith('#') || colon === -1) {
      continue;
    }
    fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

function parseClientLine(line: string): ClientInfo {
  const fields: Record<string, string> = {};
  // Values never contain spaces: CLIENT SETNAME and SETINFO reject them.
  for (const pair of line.trim().split(' ')) {
    const eq = pair.indexOf('=');
    if (eq > 0) {
      fields[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  const num = (key: string): number => Number(fields[key] ?? '0');
  const str = (key: string): string => fields[key] ?? '';
  return {
    id: num('id'),
    addr: str('addr'),
    laddr: str('laddr'),
    fd: num('fd'),
    name: str('name'),
    age: num('age'),
    idle: num('idle'),
    flags: str('flags'),
    db: num('db'),
    sub: num('sub'),
    psub: num('psub'),
    ssub: num('ssub'),
    multi: num('multi'),
    qbuf: num('qbuf'),
    omem: num('omem'),
    cmd: str('cmd'),
    'lib-name': str('lib-name'),
    'lib-ver': str('lib-ver'),
    fields,
  };
}
