/**
 * `npm run bench -- --cache`: cached GET on a hot key set, against one private redis-server.
 *
 *   respool            client.get (uncached, the multiplexed connection)
 *   respool-cached     client.cached.get (CLIENT TRACKING, RESP3)
 *   node-redis-csc     node-redis 6 with its clientSideCache option (RESP3), client.get
 *
 * `callers` concurrent callers (default 50), each reading the hot keys in turn, one GET in flight
 * per caller, every reply checked against the key's value (the same loop for every client; the
 * clock is read every 16 reads of a caller, keys are built per call). Rounds alternate the clients' order;
 * figures are medians. Then memory per entry: heap growth (after a forced GC) from filling each
 * cache with `entries` keys of 16-byte values, divided by the entries.
 *
 *   npm run bench -- --cache [--quick] [--rounds 3] [--duration-ms 1000] [--callers 50]
 *                            [--hot-keys 100] [--entries 20000]
 */

import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient as createNodeRedis } from 'redis';
import { createClient as createRespool } from '../../src/index.js';
import { startRedis } from '../../test/helpers/redis-server.js';

interface Reader {
  get(key: string): Promise<unknown>;
  close(): Promise<void>;
}

interface CacheAdapter {
  readonly name: string;
  readonly description: string;
  connect(url: string): Promise<Reader>;
}

const CACHE_OPTIONS = { maxEntries: 100_000, maxBytes: 256 << 20, ttlMs: 600_000 };

const ADAPTERS: readonly CacheAdapter[] = [
  {
    name: 'respool',
    description: 'respool client.get, no cache (RESP3, one multiplexed connection)',
    async connect(url) {
      const c = createRespool({ url });
      await c.ready();
      return { get: (k) => c.get(k), close: () => c.close() };
    },
  },
  {
    name: 'respool-cached',
    description: 'respool client.cached.get, cache: maxEntries 100000, maxBytes 256 MiB',
    async connect(url) {
      const c = createRespool({ url, cache: CACHE_OPTIONS });
      await c.ready();
      const cached = c.cached;
      return { get: (k) => cached.get(k), close: () => c.close() };
    },
  },
  {
    name: 'node-redis-csc',
    description:
      "node-redis 6 createClient({ RESP: 3, clientSideCache: { maxEntries: 100000, evictPolicy: 'LRU' } })",
    async connect(url) {
      const c = createNodeRedis({
        url,
        RESP: 3,
        clientSideCache: { ttl: 0, maxEntries: 100_000, evictPolicy: 'LRU' },
      });
      await c.connect();
      return { get: (k) => c.get(k), close: () => c.close() };
    },
  },
];

const valueFor = (i: number): string => `value-${String(i).padStart(10, '0')}`;

/** Read the clock once per this many reads of a caller (a clock read costs as much as a hit). */
const CLOCK_EVERY = 16;

async function readLoad(
  reader: Reader,
  callers: number,
  hotKeys: number,
  durationMs: number,
): Promise<{ opsPerSec: number; opsPerCpuSec: number; wrong: number }> {
  // Expected values are made once: checking a reply must not cost more than getting it. Keys
  // are built per call (`hot:${k}`), as an application builds them.
  const expected = Array.from({ length: hotKeys }, (_, k) => valueFor(k));
  let ops = 0;
  let wrong = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const end = started + durationMs;
  // The clock is read in the loop, not a timer: cache hits settle as microtasks, so a loop of
  // them never yields to the timer queue and a setTimeout that ends the run would never fire.
  // Every client runs this same loop; one in flight per caller.
  const caller = async (i: number): Promise<void> => {
    let n = i;
    while (performance.now() < end) {
      for (let j = 0; j < CLOCK_EVERY; j++) {
        const k = n % hotKeys;
        n++;
        const v = await reader.get(`hot:${k}`);
        if (v !== expected[k]) wrong++;
      }
      ops += CLOCK_EVERY;
    }
  };
  await Promise.all(Array.from({ length: callers }, (_, i) => caller(i)));
  const stopped = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  return {
    opsPerSec: (ops * 1000) / (stopped - started),
    opsPerCpuSec: (ops * 1e6) / (cpu.user + cpu.system),
    wrong,
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function forceGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Heap bytes per cached entry: fill the cache with `entries` keys, compare heaps after GC. */
async function memoryPerEntry(
  adapter: CacheAdapter,
  url: string,
  entries: number,
): Promise<number> {
  const gc = forceGc();
  const reader = await adapter.connect(url);
  // Warm the code paths first, so compiled code is not counted as cache.
  for (let i = 0; i < 200; i++) await reader.get(`mem:${entries + i}`);
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < entries; i += 500) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(entries, i + 500); j++) batch.push(reader.get(`mem:${j}`));
    await Promise.all(batch);
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  await reader.close();
  return (after - before) / entries;
}

export async function runCacheBench(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--cache'),
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'duration-ms': { type: 'string' },
      callers: { type: 'string' },
      'hot-keys': { type: 'string' },
      entries: { type: 'string' },
    },
    strict: true,
  });
  const rounds = Number(values.rounds ?? (values.quick ? 1 : 3));
  const durationMs = Number(values['duration-ms'] ?? (values.quick ? 500 : 1000));
  const callers = Number(values.callers ?? 50);
  const hotKeys = Number(values['hot-keys'] ?? 100);
  const entries = Number(values.entries ?? (values.quick ? 5000 : 20_000));
  const server = await startRedis();
  try {
    const setup = createRespool({ url: server.url });
    for (let k = 0; k < hotKeys; k++) await setup.set(`hot:${k}`, valueFor(k));
    for (let i = 0; i < entries + 200; i += 1000) {
      const batch: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(entries + 200, i + 1000); j++)
        batch.push(setup.set(`mem:${j}`, valueFor(j)));
      await Promise.all(batch);
    }
    await setup.close();
    const { redis_version: version } = await server.info('server');
    console.log(
      `cached GET: redis ${version}, ${callers} callers, ${hotKeys} hot keys (16-byte values), ${rounds} round(s) x ${durationMs} ms, node ${process.version}`,
    );
    for (const a of ADAPTERS) console.log(`  ${a.name.padEnd(15)} ${a.description}`);
    console.log(
      `  load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${availableParallelism()} cores`,
    );
    const byClient = new Map<string, number[]>(ADAPTERS.map((a) => [a.name, []]));
    const byClientCpu = new Map<string, number[]>(ADAPTERS.map((a) => [a.name, []]));
    for (let r = 0; r < rounds; r++) {
      const order = [
        ...ADAPTERS.slice(r % ADAPTERS.length),
        ...ADAPTERS.slice(0, r % ADAPTERS.length),
      ];
      for (const a of order) {
        const reader = await a.connect(server.url);
        await readLoad(reader, callers, hotKeys, 300);
        const m = await readLoad(reader, callers, hotKeys, durationMs);
        await reader.close();
        if (m.wrong > 0) throw new Error(`${a.name}: ${m.wrong} wrong replies`);
        byClient.get(a.name)?.push(m.opsPerSec);
        byClientCpu.get(a.name)?.push(m.opsPerCpuSec);
      }
    }
    console.log('');
    // ops/s is the figure the target is about. ops per CPU-second of this process (the client's
    // own cost per read, the server's CPU not counted) is printed beside it: on a loaded machine
    // a CPU-bound loop (cache hits) gets one share of a core while the uncached loop spreads
    // over two processes (client and redis-server), so wall-clock ratios move with the load.
    console.log('client           ops/s (median)   ops per client CPU-second (median)');
    const med = new Map<string, number>();
    const medCpu = new Map<string, number>();
    for (const a of ADAPTERS) {
      const m = median(byClient.get(a.name) ?? []);
      const mc = median(byClientCpu.get(a.name) ?? []);
      med.set(a.name, m);
      medCpu.set(a.name, mc);
      console.log(
        `${a.name.padEnd(16)} ${Math.round(m).toLocaleString('en-US').padStart(12)}   ${Math.round(mc).toLocaleString('en-US').padStart(12)}`,
      );
    }
    const ratio = (of: Map<string, number>, a: string, b: string): number =>
      (of.get(a) ?? 0) / (of.get(b) ?? 1);
    console.log('');
    console.log(
      `respool-cached / respool (uncached): ${ratio(med, 'respool-cached', 'respool').toFixed(1)}x ops/s, ${ratio(medCpu, 'respool-cached', 'respool').toFixed(1)}x per client CPU-second`,
    );
    console.log(
      `respool-cached / node-redis-csc:     ${ratio(med, 'respool-cached', 'node-redis-csc').toFixed(2)}x ops/s, ${ratio(medCpu, 'respool-cached', 'node-redis-csc').toFixed(2)}x per client CPU-second`,
    );
    console.log('');
    console.log(
      `memory per entry (heap growth after GC, ${entries} entries, 16-byte values, keys "mem:N"):`,
    );
    for (const a of ADAPTERS.slice(1)) {
      const bytes = await memoryPerEntry(a, server.url, entries);
      console.log(`  ${a.name.padEnd(15)} ${Math.round(bytes)} bytes`);
    }
  } finally {
    await server.stop();
  }
}
