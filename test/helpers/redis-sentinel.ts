/**
 * A real Sentinel setup for integration tests: one primary, one replica and three sentinels
 * (`redis-server sentinel.conf --sentinel`), all on free ports, each in its own temp dir.
 * `startSentinelTopology()` resolves once the replica's link is up and every sentinel sees the
 * replica and the two other sentinels, so a `SENTINEL FAILOVER` can run at once.
 *
 * Like redis-server.ts, it talks to the processes over raw RESP (`raw-resp.ts`, INFO only) and
 * imports nothing from `src/`: the harness must not depend on the code under test.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseInfo } from './client-list.js';
import { freePort } from './free-port.js';
import { expectString, rawCommands } from './raw-resp.js';
import {
  HOST,
  installExitHook,
  type Launched,
  launch,
  ownDir,
  PROBE_TIMEOUT_MS,
  releaseDir,
  waitForExit,
  waitForProcState,
} from './redis-process.js';
import { type RedisServer, startRedis } from './redis-server.js';

const READY_DEADLINE_MS = 30_000;
const POLL_MS = 50;

export interface SentinelTopologyOptions {
  /** The master group's name. @default 'mymaster' */
  readonly name?: string;
  /** `requirepass` of the primary and replica (and the sentinels' `auth-pass`). */
  readonly password?: string;
  /** `requirepass` of the sentinels (and their `sentinel-pass` to each other). */
  readonly sentinelPassword?: string;
  /** `down-after-milliseconds`. @default 5000 */
  readonly downAfterMs?: number;
}

/** One sentinel process. */
export interface SentinelProcess {
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  /** `INFO [section]` (default `sentinel`), parsed. */
  info(section?: string): Promise<Record<string, string>>;
  /** SIGKILL and wait; `restart()` brings it back on the same port with its rewritten config. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export interface SentinelTopology {
  readonly name: string;
  readonly primary: RedisServer;
  readonly replica: RedisServer;
  readonly sentinels: readonly SentinelProcess[];
  /** `redis+sentinel://[:password@]host:port,…/name`. */
  readonly url: string;
  /** The primary's port as the first answering sentinel reports it. */
  primaryPort(): Promise<number>;
  /** SENTINEL FAILOVER on sentinel `index` (0 by default); throws on an error reply. */
  failover(index?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the five processes and waits until the sentinels know each other. */
export async function startSentinelTopology(
  options: SentinelTopologyOptions = {},
): Promise<SentinelTopology> {
  const name = options.name ?? 'mymaster';
  const auth = options.password === undefined ? [] : ['--masterauth', options.password];
  const password = options.password === undefined ? {} : { password: options.password };
  const primary = await startRedis({ ...password, args: auth });
  const started: { stop(): Promise<void> }[] = [primary];
  try {
    const replica = await startRedis({
      ...password,
      args: [...auth, '--replicaof', HOST, String(primary.port)],
    });
    started.push(replica);
    await until(
      async () => (await replica.info('replication'))['master_link_status'] === 'up',
      'the replica to sync',
    );
    const sentinels: SentinelProcess[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await startSentinel(name, primary.port, options);
      sentinels.push(s);
      started.push(s);
    }
    await until(async () => {
      for (const s of sentinels) {
        const line = (await s.info())['master0'] ?? '';
        if (!line.includes('slaves=1') || !line.includes('sentinels=3')) return false;
      }
      return true;
    }, 'the sentinels to see the replica and each other');
    const userinfo =
      options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
    const hosts = sentinels.map((s) => `${s.host}:${s.port}`).join(',');
    return {
      name,
      primary,
      replica,
      sentinels,
      url: `redis+sentinel://${userinfo}${hosts}/${name}`,
      async primaryPort() {
        for (const s of sentinels) {
          try {
            const line = (await s.info())['master0'] ?? '';
            const m = /address=[^,]*:(\d+)/.exec(line);
            if (m !== null) return Number(m[1]);
          } catch {
            // Next sentinel.
          }
        }
        throw new Error('no sentinel reported the primary');
      },
      async failover(index = 0) {
        const s = sentinels[index];
        if (s === undefined) throw new Error(`no sentinel ${index}`);
        const [reply] = await rawCommands(
          s.host,
          s.port,
          options.sentinelPassword,
          [['SENTINEL', 'FAILOVER', name]],
          PROBE_TIMEOUT_MS,
        );
        if (reply !== 'OK') throw new Error(`SENTINEL FAILOVER: ${String(reply)}`);
      },
      async stop() {
        await Promise.all(started.map((p) => p.stop()));
      },
    };
  } catch (error) {
    await Promise.all(started.map((p) => p.stop().catch(() => undefined)));
    throw error;
  }
}

async function startSentinel(
  name: string,
  primaryPort: number,
  options: SentinelTopologyOptions,
): Promise<SentinelProcess> {
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'respool-sentinel-'));
  ownDir(dir);
  const port = await freePort(HOST);
  const conf = join(dir, 'sentinel.conf');
  const lines = [
    `port ${port}`,
    `bind ${HOST}`,
    `dir ${dir}`,
    `logfile ${join(dir, 'redis.log')}`,
    `sentinel monitor ${name} ${HOST} ${primaryPort} 2`,
    `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 5000}`,
    `sentinel failover-timeout ${name} 20000`,
    `sentinel parallel-syncs ${name} 1`,
  ];
  if (options.password !== undefined) lines.push(`sentinel auth-pass ${name} ${options.password}`);
  if (options.sentinelPassword !== undefined) {
    lines.push(`requirepass ${options.sentinelPassword}`);
    lines.push(`sentinel sentinel-pass ${options.sentinelPassword}`);
  }
  await writeFile(conf, `${lines.join('\n')}\n`);
  const argv = [conf, '--sentinel'];
  const start = (): Promise<Launched> => launch(argv, dir, port, options.sentinelPassword);
  let launched = await start();
  let stopped = false;
  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    if (launched.exit === undefined) {
      launched.child.kill(signal);
      launched.child.kill('SIGCONT');
    }
    await waitForExit(launched);
  };
  return {
    host: HOST,
    port,
    dir,
    async info(section = 'sentinel') {
      const [text] = await rawCommands(
        HOST,
        port,
        options.sentinelPassword,
        [['INFO', section]],
        PROBE_TIMEOUT_MS,
      );
      return parseInfo(expectString(text, 'INFO sentinel'));
    },
    kill: () => terminate('SIGKILL'),
    async restart() {
      await terminate('SIGTERM');
      launched = await start();
    },
    async pause() {
      launched.child.kill('SIGSTOP');
      await waitForProcState(launched.pid, true);
    },
    async resume() {
      launched.child.kill('SIGCONT');
      await waitForProcState(launched.pid, false);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await terminate('SIGTERM');
      await rm(dir, { recursive: true, force: true });
      releaseDir(dir);
    },
  };
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(POLL_MS);
  }
}
