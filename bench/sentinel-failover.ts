/**
 * The Sentinel failover figures of issue 12: 100 concurrent callers write unique keys (SET and
 * INCR in turn), `SENTINEL FAILOVER` runs after `--before` ms, writing goes on for `--after` ms
 * past the promotion, then every acknowledged write is looked up on the new primary.
 * Each client gets a fresh primary + replica + three sentinels, and its defaults.
 *
 *   node --import tsx bench/sentinel-failover.ts [--clients respool,ioredis] [--callers 100]
 *        [--before 2000] [--after 12000]
 *
 * `--after` is long by default: Sentinel reconfigures the demoted primary (and so closes its
 * clients) about 8 s after the switch, and a client that does not follow `+switch-master`
 * writes to it until then.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createSentinel } from '../src/index.js';
import { runFailoverLoad, type WriteTarget } from '../test/helpers/failover-load.js';
import { type SentinelTopology, startSentinelTopology } from '../test/helpers/redis-sentinel.js';

interface Subject {
  readonly name: string;
  readonly description: string;
  open(topo: SentinelTopology): Promise<WriteTarget & { close(): Promise<unknown> }>;
}

const SUBJECTS: readonly Subject[] = [
  {
    name: 'respool',
    description: 'createSentinel({ sentinels, name }), defaults',
    async open(topo) {
      const client = createSentinel({ sentinels: addresses(topo), name: topo.name });
      await client.ready();
      return {
        set: (k) => client.set(k, '1'),
        incr: (k) => client.incr(k),
        close: () => client.close(),
      };
    },
  },
  {
    name: 'ioredis',
    description: 'new Redis({ sentinels, name }), defaults (failoverDetector: false)',
    async open(topo) {
      const client = new Redis({ sentinels: addresses(topo), name: topo.name });
      await client.ping();
      return {
        set: (k) => client.set(k, '1'),
        incr: (k) => client.incr(k),
        close: async () => client.disconnect(),
      };
    },
  },
];

function addresses(topo: SentinelTopology): { host: string; port: number }[] {
  return topo.sentinels.map((s) => ({ host: s.host, port: s.port }));
}

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: 'respool,ioredis' },
    callers: { type: 'string', default: '100' },
    before: { type: 'string', default: '2000' },
    after: { type: 'string', default: '12000' },
  },
});
const wanted = values.clients.split(',');
const callers = Number(values.callers);
const beforeMs = Number(values.before);
const afterMs = Number(values.after);

console.log(
  `SENTINEL FAILOVER under ${callers} writers: ${beforeMs} ms before, ${afterMs} ms after the promotion`,
);
for (const subject of SUBJECTS.filter((s) => wanted.includes(s.name))) {
  const topo = await startSentinelTopology();
  try {
    const target = await subject.open(topo);
    const r = await runFailoverLoad(topo, target, {
      callers,
      beforeMs,
      afterMs,
      prefix: subject.name,
    });
    await target.close();
    const moved = r.movedAfterMs === undefined ? 'never' : `${Math.round(r.movedAfterMs)} ms`;
    console.log(`\n${subject.name}: ${subject.description}`);
    console.log(`  moved to the new primary: ${moved} after the promotion`);
    const pct = (x: number): string => `${(x * 100).toFixed(3)} %`;
    console.log(
      `  acknowledged ${r.acknowledged}; acknowledged by the demoted primary after the promotion and lost: ${r.lostAfterPromotion} (${pct(r.lostAfterPromotionRatio)}); lost in all: ${r.lost} (${pct(r.lostRatio)})`,
    );
    console.log(`  failed ${r.failed}: ${JSON.stringify(r.errors)}`);
  } finally {
    await topo.stop();
  }
}
