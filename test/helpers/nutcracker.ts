/**
 * A private twemproxy (`nutcracker`, Debian's package) for compatibility tests and the proxy
 * bench: pools described as data, a YAML file in a temp dir, free ports for every pool and for
 * nutcracker's stats listener (its default, 22222, may be taken), ready once every pool answers
 * PING. `stop()` kills it and removes the dir; the process is killed on exit if a test forgets.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from './free-port.js';
import { rawCommands } from './raw-resp.js';

export const NUTCRACKER_BIN = '/usr/sbin/nutcracker';
const HOST = '127.0.0.1';
const READY_DEADLINE_MS = 10_000;
const READY_POLL_MS = 20;

export interface NutcrackerServer {
  readonly host: string;
  readonly port: number;
  readonly weight?: number | undefined;
  /** Optional ketama name (`host:port:weight name`). */
  readonly name?: string | undefined;
}

export interface NutcrackerPool {
  readonly name: string;
  readonly servers: readonly NutcrackerServer[];
  readonly hash?: string;
  readonly distribution?: string;
  readonly hashTag?: string | undefined;
  readonly autoEjectHosts?: boolean;
  readonly serverFailureLimit?: number;
  readonly serverRetryTimeoutMs?: number;
  readonly serverConnections?: number;
  /** Extra `key: value` lines for the pool. */
  readonly extra?: Readonly<Record<string, string | number | boolean>>;
}

export interface Nutcracker {
  /** Listening port of each pool, by pool name. */
  readonly ports: ReadonlyMap<string, number>;
  readonly pid: number;
  stop(): Promise<void>;
}

export function nutcrackerAvailable(): boolean {
  return existsSync(NUTCRACKER_BIN);
}

function poolYaml(pool: NutcrackerPool, port: number): string {
  const lines = [
    `${pool.name}:`,
    `  listen: ${HOST}:${port}`,
    '  redis: true',
    `  hash: ${pool.hash ?? 'fnv1a_64'}`,
    `  distribution: ${pool.distribution ?? 'ketama'}`,
    `  server_connections: ${pool.serverConnections ?? 1}`,
    '  preconnect: true',
  ];
  // Quoted: "{}" is a YAML flow mapping when bare.
  if (pool.hashTag !== undefined) lines.push(`  hash_tag: "${pool.hashTag}"`);
  if (pool.autoEjectHosts !== undefined) lines.push(`  auto_eject_hosts: ${pool.autoEjectHosts}`);
  if (pool.serverFailureLimit !== undefined) {
    lines.push(`  server_failure_limit: ${pool.serverFailureLimit}`);
  }
  if (pool.serverRetryTimeoutMs !== undefined) {
    lines.push(`  server_retry_timeout: ${pool.serverRetryTimeoutMs}`);
  }
  for (const [k, v] of Object.entries(pool.extra ?? {})) lines.push(`  ${k}: ${v}`);
  lines.push('  servers:');
  for (const s of pool.servers) {
    const name = s.name === undefined ? '' : ` ${s.name}`;
    lines.push(`   - ${s.host}:${s.port}:${s.weight ?? 1}${name}`);
  }
  return `${lines.join('\n')}\n`;
}

const live = new Set<ChildProcess>();
let hooked = false;

export async function startNutcracker(pools: readonly NutcrackerPool[]): Promise<Nutcracker> {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'respool-nutcracker-'));
  const ports = new Map<string, number>();
  let yaml = '';
  for (const pool of pools) {
    const port = await freePort();
    ports.set(pool.name, port);
    yaml += poolYaml(pool, port);
  }
  const conf = join(dir, 'nutcracker.yml');
  const log = join(dir, 'nutcracker.log');
  await writeFile(conf, yaml);
  const statsPort = await freePort();
  const child = spawn(
    NUTCRACKER_BIN,
    ['-c', conf, '-o', log, '-s', String(statsPort), '-a', HOST, '-p', join(dir, 'pid')],
    { stdio: 'ignore' },
  );
  child.unref();
  live.add(child);
  let exited = false;
  child.once('exit', () => {
    exited = true;
    live.delete(child);
  });
  const stop = async (): Promise<void> => {
    if (!exited) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      // Referenced again so the wait for its exit keeps the event loop alive.
      child.ref();
      child.kill('SIGKILL');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (const [name, port] of ports) {
    for (;;) {
      if (exited || Date.now() > deadline) {
        const tail = await readFile(log, 'utf8').catch(() => '(no log)');
        await stop();
        throw new Error(`nutcracker: pool ${name} not ready on port ${port}\n${tail.slice(-2000)}`);
      }
      try {
        const [reply] = await rawCommands(HOST, port, undefined, [['PING']], 1_000);
        if (reply === 'PONG') break;
      } catch {
        // not listening yet
      }
      await delay(READY_POLL_MS);
    }
  }
  return { ports, pid: child.pid ?? -1, stop };
}
