/**
 * `npm run bench:micro`: mitata micro-benchmarks of the hot path. Each concern registers its own
 * groups; mitata prints every group and its summary (relative speed within the group).
 *
 *   npm run bench:micro                       # everything
 *   npm run bench:micro -- --filter encoder   # only benchmarks whose name matches the regex
 *   npm run bench:micro -- --format json      # mitata's JSON (every statistic) instead of text
 *
 * Run with `--expose-gc` (the npm script does) so mitata can collect garbage between benchmarks
 * instead of charging one benchmark for another's allocations.
 */
import { parseArgs } from 'node:util';
import { run } from 'mitata';
import { registerCacheHitBenches } from './cache-hit.bench.js';
import { registerChannelBenches } from './channels.bench.js';
import { registerClockBenches, registerCommandBenches } from './command.bench.js';
import { registerCommandNameBenches } from './command-names.bench.js';
import { registerDecoderBenches } from './decoder.bench.js';
import { registerEncoderBenches } from './encoder.bench.js';
import { registerFrameScannerBenches } from './frame-scanner.bench.js';
import { registerRingQueueBenches } from './ring-queue.bench.js';
import { registerSlotBenches } from './slot.bench.js';
import { registerTurnBatchBenches } from './turn-batch.bench.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { filter: { type: 'string' }, format: { type: 'string', default: 'mitata' } },
  strict: true,
});

registerEncoderBenches();
registerDecoderBenches();
registerFrameScannerBenches();
registerRingQueueBenches();
registerSlotBenches();
registerCommandBenches();
registerClockBenches();
registerChannelBenches();
registerCacheHitBenches();
registerCommandNameBenches();
registerTurnBatchBenches();

const FORMATS = ['mitata', 'json', 'markdown', 'quiet'] as const;
const format = FORMATS.find((f) => f === values.format);
if (format === undefined) throw new Error(`--format: expected one of ${FORMATS.join(', ')}`);
const filter = values.filter === undefined ? undefined : new RegExp(values.filter);
await run({ colors: false, format, ...(filter === undefined ? {} : { filter }) });
