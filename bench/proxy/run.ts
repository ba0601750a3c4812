/**
 * `npm run bench -- --proxy`: redis-benchmark straight at one private redis-server, through
 * respool proxy, and through twemproxy (Debian's nutcracker, one server connection), on the same
 * machine, in alternating rounds; medians and the ratios the proxy's targets are stated in
 * (docs/performance.md of the shared notes): `-c 50` ≥ 1.0× direct and twemproxy, `-c 50 -P 16`
 * ≥ 2.0× twemproxy, lone-client p50 ≤ twemproxy's. Then the proxy's resident memory with 10,000
 * idle clients (target < 300 MB), and nutcracker's for comparison. A bare relay (bare-relay.ts: one
 * upstream socket, frame scanning, raw bytes, one write per turn, no features) runs in the same
 * rounds as the floor the proxy should stay close to.
 *
 *   npm run bench -- --proxy                        # 3 rounds, 200,000 requests per run
 *   npm run bench -- --proxy --quick                # 1 round, 20,000 requests, 2,000 idle clients
 *   npm run bench -- --proxy --proxy-root /tmp/pxy  # the proxy CLI of another checkout
 *
 * respool proxy runs as a user runs it: `node dist/cli/main.js proxy --listen … --upstream …
 * --max-connections N` (or the same CLI from source through tsx when dist/ is not built). When
 * the checkout has no proxy CLI, the bench says "proxy not built" and measures the other two.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { freePort } from '../../test/helpers/free-port.js';
import {
  type Nutcracker,
  nutcrackerAvailable,
  startNutcracker,
} from '../../test/helpers/nutcracker.js';
import { rawCommands } from '../../test/helpers/raw-resp.js';
import { startRedis } from '../../test/helpers/redis-server.js';
import { type ProxyProcess, startRespoolProxy } from '../../test/helpers/respool-proxy-process.js';
import { type IdleResult, measureIdleClients } from './idle-clients.js';

const run = promisify(execFile);
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

const USAGE = `usage: npm run bench -- --proxy [options]
  --rounds <n>           alternating rounds; figures are medians (default 3)
  --requests <n>         requests per redis-benchmark run (default 200000; -c 1 runs a tenth)
  --max-connections <n>  respool proxy's upstream budget (default 8)
  --idle-clients <n>     idle clients for the memory figure, 0 to skip (default 10000)
  --proxy-root <dir>     checkout whose proxy CLI to run (default: this one)
  --json <file>          also write every run and the summary to <file>
  --quick                1 round, 20000 requests, 2000 idle clients`;

interface Scenario {
  readonly name: string;
  readonly args: readonly string[];
  /** Which figure: throughput (higher is better) or p50 latency in µs (lower is better). */
  readonly figure: 'rps' | 'p50';
  readonly requestsFactor: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'GET -c 50', args: ['-c', '50', '-t', 'get'], figure: 'rps', requestsFactor: 1 },
  { name: 'SET -c 50', args: ['-c', '50', '-t', 'set'], figure: 'rps', requestsFactor: 1 },
  {
    name: 'GET -c 50 -P 16',
    args: ['-c', '50', '-P', '16', '-t', 'get'],
    figure: 'rps',
    requestsFactor: 1,
  },
  { name: 'GET -c 1 p50', args: ['-c', '1', '-t', 'get'], figure: 'p50', requestsFactor: 0.1 },
];

interface Target {
  readonly name: string;
  readonly port: number;
  readonly pid?: number;
}

interface Run {
  readonly scenario: string;
  readonly target: string;
  readonly round: number;
  readonly value: number;
}

async function benchmark(port: number, scenario: Scenario, requests: number): Promise<number> {
  const n = Math.max(1000, Math.round(requests * scenario.requestsFactor));
  const { stdout } = await run(
    'redis-benchmark',
    ['-h', '127.0.0.1', '-p', String(port), '-n', String(n), '--csv', ...scenario.args],
    { maxBuffer: 1 << 20 },
  );
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",…
  const row = stdout
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((cell) => cell.replaceAll('"', '')))
    .find((cells) => cells[0] === 'GET' || cells[0] === 'SET');
  if (row === undefined) throw new Error(`redis-benchmark printed no figures:\n${stdout}`);
  return scenario.figure === 'rps' ? Number(row[1]) : Number(row[4]) * 1000;
}

interface BareRelay {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** The bare relay (bare-relay.ts) in its own process, like the proxy: the floor, same run. */
async function startBareRelay(upstreamPort: number): Promise<BareRelay> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(REPO_ROOT, 'bench/proxy/bare-relay.ts'),
      String(port),
      String(upstreamPort),
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await gone;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const [reply] = await rawCommands('127.0.0.1', port, undefined, [['PING']], 1_000);
      if (reply === 'PONG') break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error('the bare relay did not start');
    }
    await delay(50);
  }
  return { port, pid: child.pid ?? -1, stop };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const format = (scenario: Scenario, value: number): string =>
  Number.isNaN(value)
    ? 'n/a'
    : scenario.figure === 'rps'
      ? `${Math.round(value).toLocaleString('en-US')} req/s`
      : `${value.toFixed(0)} µs`;

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export async function runProxyBench(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      proxy: { type: 'boolean' },
      rounds: { type: 'string' },
      requests: { type: 'string' },
      'max-connections': { type: 'string' },
      'idle-clients': { type: 'string' },
      'proxy-root': { type: 'string' },
      json: { type: 'string' },
      quick: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const int = (text: string, flag: string, min: number): number => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < min) {
      throw new Error(`${flag}: expected an integer ≥ ${min}, got "${text}"`);
    }
    return n;
  };
  const quick = values.quick;
  const rounds = int(values.rounds ?? (quick ? '1' : '3'), '--rounds', 1);
  const requests = int(values.requests ?? (quick ? '20000' : '200000'), '--requests', 1000);
  const maxConnections = int(values['max-connections'] ?? '8', '--max-connections', 1);
  const idleClients = int(
    values['idle-clients'] ?? (quick ? '2000' : '10000'),
    '--idle-clients',
    0,
  );
  const root = values['proxy-root'] ?? REPO_ROOT;

  const print = (line: string): void => console.log(line);
  const started = Date.now();
  const server = await startRedis();
  let nutcracker: Nutcracker | undefined;
  let proxy: ProxyProcess | undefined;
  let relay: BareRelay | undefined;
  try {
    const targets: Target[] = [{ name: 'direct', port: server.port, pid: server.pid }];
    proxy = await startRespoolProxy({
      root,
      upstreamPort: server.port,
      maxConnections,
      maxClients: idleClients + 1000,
    });
    if (proxy === undefined) {
      print(
        `respool proxy: proxy not built (no src/cli/proxy.ts or dist/cli/proxy.js in ${root}); measuring the others only`,
      );
    } else {
      targets.push({ name: 'respool proxy', port: proxy.port, pid: proxy.pid });
    }
    relay = await startBareRelay(server.port);
    targets.push({ name: 'bare relay', port: relay.port, pid: relay.pid });
    if (nutcrackerAvailable()) {
      nutcracker = await startNutcracker([
        {
          name: 'bench',
          servers: [{ host: server.host, port: server.port }],
          serverConnections: 1,
          // A pool-wide timeout would answer slow requests with errors; leave it unset as redis does.
        },
      ]);
      targets.push({
        name: 'twemproxy',
        port: nutcracker.ports.get('bench')!,
        pid: nutcracker.pid,
      });
    } else {
      print('twemproxy: /usr/sbin/nutcracker not installed (apt-get install nutcracker); skipped');
    }
    const { redis_version: version } = await server.info('server');
    print(
      `proxy bench: redis ${version ?? '?'}, node ${process.version}, ${cpus().length} CPUs, ` +
        `${rounds} round(s), ${requests} requests per run, respool proxy --max-connections ${maxConnections}`,
    );
    if (proxy !== undefined) print(`respool proxy: ${proxy.command}`);
    print('');

    const runs: Run[] = [];
    for (const scenario of SCENARIOS) {
      for (let round = 0; round < rounds; round++) {
        const k = round % targets.length;
        for (const target of [...targets.slice(k), ...targets.slice(0, k)]) {
          let value = Number.NaN;
          try {
            value = await benchmark(target.port, scenario, requests);
          } catch (error) {
            process.stderr.write(
              `  ${target.name} ${scenario.name}: ${(error as Error).message}\n`,
            );
          }
          runs.push({ scenario: scenario.name, target: target.name, round, value });
          process.stderr.write(
            `  [${scenario.name}, round ${round + 1}/${rounds}] ${target.name.padEnd(14)} ${format(scenario, value)}\n`,
          );
        }
      }
    }

    const medianOf = (scenario: string, target: string): number => {
      const values = runs
        .filter((r) => r.scenario === scenario && r.target === target && !Number.isNaN(r.value))
        .map((r) => r.value);
      return values.length === 0 ? Number.NaN : median(values);
    };
    print('');
    print(`${'scenario'.padEnd(18)}${targets.map((t) => t.name.padStart(18)).join('')}`);
    for (const s of SCENARIOS) {
      print(
        `${s.name.padEnd(18)}${targets.map((t) => format(s, medianOf(s.name, t.name)).padStart(18)).join('')}`,
      );
    }
    const ratios: Record<string, number> = {};
    if (proxy !== undefined) {
      print('');
      print(
        'ratios (medians; throughput: proxy ÷ other, higher is better; p50: proxy ÷ other, lower is better)',
      );
      for (const s of SCENARIOS) {
        const ours = medianOf(s.name, 'respool proxy');
        for (const other of ['direct', 'twemproxy', 'bare relay']) {
          const theirs = medianOf(s.name, other);
          if (Number.isNaN(theirs)) continue;
          const ratio = ours / theirs;
          ratios[`${s.name} vs ${other}`] = ratio;
          print(`  ${s.name.padEnd(18)} respool proxy ÷ ${other.padEnd(10)} ${ratio.toFixed(2)}×`);
        }
      }
      // The floor's own standing, so a slow run of the machine shows as a low floor too.
      for (const s of SCENARIOS) {
        const floor = medianOf(s.name, 'bare relay');
        for (const other of ['direct', 'twemproxy']) {
          const theirs = medianOf(s.name, other);
          if (Number.isNaN(theirs) || Number.isNaN(floor)) continue;
          ratios[`bare relay ${s.name} vs ${other}`] = floor / theirs;
          print(
            `  ${s.name.padEnd(18)} bare relay ÷ ${other.padEnd(13)} ${(floor / theirs).toFixed(2)}×`,
          );
        }
      }
      print(
        'targets: GET -c 50 ≥ 1.00× direct and twemproxy; -P 16 ≥ 2.00× twemproxy; -c 1 p50 ≤ 1.00× twemproxy',
      );
    }

    const idle: Record<string, IdleResult> = {};
    if (idleClients > 0) {
      print('');
      for (const target of targets) {
        if (target.name === 'direct' || target.name === 'bare relay' || target.pid === undefined)
          continue;
        try {
          const r = await measureIdleClients(target.port, target.pid, idleClients);
          idle[target.name] = r;
          print(
            `idle clients: ${target.name} RSS ${mb(r.rssBeforeBytes)} → ${mb(r.rssAfterBytes)} with ` +
              `${r.clients} idle clients (+${mb(r.rssAfterBytes - r.rssBeforeBytes)})` +
              (target.name === 'respool proxy' ? ' (target: under 300 MB)' : ''),
          );
        } catch (error) {
          print(`idle clients: ${target.name} failed: ${(error as Error).message}`);
        }
      }
    }
    print('');
    print(`run took ${((Date.now() - started) / 1000).toFixed(0)} s`);
    if (values.json !== undefined) {
      const doc = { rounds, requests, maxConnections, targets, runs, ratios, idle };
      await writeFile(
        values.json,
        `${JSON.stringify(doc, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
      );
      print(`wrote ${values.json}`);
    }
  } finally {
    await proxy?.stop();
    await relay?.stop();
    await nutcracker?.stop();
    await server.stop();
  }
}
