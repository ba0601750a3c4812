/**
 * Starts `respool proxy` as its own process, the way a user runs it (proxy bench, Redis suite):
 * `node dist/cli/main.js proxy --listen H:P --upstream redis://… --max-connections N` when the
 * build exists, else the same CLI from source through tsx (same code, loaded by esbuild). The
 * checkout can be another worktree (`root`), so the bench can measure a branch without merging it.
 * Answers `undefined` when that checkout has no proxy CLI yet.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { rawCommands } from './raw-resp.js';

const HOST = '127.0.0.1';
const READY_DEADLINE_MS = 20_000;

export interface ProxyProcess {
  readonly port: number;
  readonly pid: number;
  /** How it was started, for the report. */
  readonly command: string;
  stop(): Promise<void>;
}

export interface ProxyLaunch {
  /** Checkout holding the CLI. */
  readonly root: string;
  readonly upstreamPort?: number;
  /** Instead of `--upstream` on `upstreamPort`: the flags naming what is behind (`--shard …`). */
  readonly upstreamArgs?: readonly string[];
  readonly maxConnections: number;
  readonly maxClients: number;
  /** More flags (`--lease-timeout 200`). */
  readonly extraArgs?: readonly string[];
}

/** The command line that runs the proxy CLI of `root`, or undefined when it has none. */
export function proxyCli(root: string): readonly string[] | undefined {
  if (existsSync(join(root, 'dist/cli/proxy.js'))) return [join(root, 'dist/cli/main.js')];
  if (existsSync(join(root, 'src/cli/proxy.ts'))) {
    return ['--import', 'tsx', join(root, 'src/cli/main.ts')];
  }
  return undefined;
}

export async function startRespoolProxy(launch: ProxyLaunch): Promise<ProxyProcess | undefined> {
  const cli = proxyCli(launch.root);
  if (cli === undefined) return undefined;
  const port = await freePort();
  const args = [
    ...cli,
    'proxy',
    '--listen',
    `${HOST}:${port}`,
    ...(launch.upstreamArgs ?? ['--upstream', `redis://${HOST}:${launch.upstreamPort}`]),
    '--max-connections',
    String(launch.maxConnections),
    '--max-clients',
    String(launch.maxClients),
    ...(launch.extraArgs ?? []),
  ];
  let stderr = '';
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: launch.root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  process.once('exit', () => child.kill('SIGKILL'));
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill('SIGTERM');
    const killed = await Promise.race([gone.then(() => true), delay(5_000).then(() => false)]);
    if (!killed) {
      child.kill('SIGKILL');
      await gone;
    }
  };
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`respool proxy did not start (${args.join(' ')}):\n${stderr}`);
    }
    try {
      const [reply] = await rawCommands(HOST, port, undefined, [['PING']], 1_000);
      if (reply === 'PONG') break;
    } catch {
      // not listening yet
    }
    await delay(50);
  }
  return { port, pid: child.pid ?? -1, command: `node ${args.join(' ')}`, stop };
}
