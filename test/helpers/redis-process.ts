/**
 * Lifecycle of the `redis-server` child processes behind `startRedis()`: spawn and wait for
 * readiness, wait for exit, observe SIGSTOP/SIGCONT, and clean up on exit.
 *
 * Invariants:
 * - A child never outlives the test process: every live child is SIGKILLed, and every dir not yet
 *   stopped is removed, on `exit` (and on SIGINT/SIGTERM/SIGHUP). Children are not detached, and
 *   are `unref()`ed so a forgotten server does not keep a finished test file running; the exit
 *   hook then reaps it.
 * - stdout and stderr go to files in the server's dir, and a failed start reports the tail of what
 *   this attempt wrote to its logs.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseInfo } from './client-list.js';
import { rawCommands } from './raw-resp.js';

export const HOST = '127.0.0.1';
export const PROBE_TIMEOUT_MS = 1_000;
const READY_DEADLINE_MS = 10_000;
// Redis is up in a few milliseconds; a short poll keeps per-file startup well under 200 ms.
const READY_POLL_MS = 10;
const SIGNAL_STATE_TIMEOUT_MS = 1_000;
const LOG_TAIL_LINES = 30;

interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

export interface Launched {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  /** Set once the process has exited; undefined while it runs. */
  exit: ExitInfo | undefined;
}

/** Raised for a failed start; `addressInUse` tells `startRedis` a new port may help. */
export class StartError extends Error {
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

/** Registers `dir` for removal by the exit hook until {@link releaseDir} is called. */
export function ownDir(dir: string): void {
  ownedDirs.add(dir);
}

/** Call once `dir` has been removed, so the exit hook does not try again. */
export function releaseDir(dir: string): void {
  ownedDirs.delete(dir);
}

export function installExitHook(): void {
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

/**
 * Spawns `redis-server argv` in `dir` and resolves once it answers PING on `port` as itself.
 * @throws StartError when it cannot be spawned, exits during startup, or is not ready in 10 s.
 */
export async function launch(
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
      HOST,
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

export async function waitForExit(launched: Launched): Promise<void> {
  // The child is unref()ed; hold the event loop open so this await cannot be abandoned.
  launched.child.ref();
  try {
    await launched.exited;
  } finally {
    launched.child.unref();
  }
}

/** Waits until /proc shows the process stopped (or not); a no-op where there is no procfs. */
export async function waitForProcState(pid: number, stopped: boolean): Promise<void> {
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
