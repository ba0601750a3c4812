/**
 * Commands newer than the server the generated table was read from (7.0.15), written by hand in
 * the generated table's row format from Redis 7.2's command specs (`src/commands/*.json` of
 * redis/redis at 7.2: waitaof.json, client-no-touch.json, client-setinfo.json,
 * cluster-myshardid.json). `table.ts` adds a row only when the generated table lacks it, so
 * regenerating against a 7.2 server makes this list redundant rather than wrong; the unit test
 * `commands-table` checks each row's shape and that none shadows a generated one.
 *
 * All four are keyless, so a cluster routes them by their request policy, not by a key; what
 * the rows give is classification (WAITAOF blocks, CLIENT NO-TOUCH changes connection state)
 * and a name the coverage report can count.
 */
import type { RawCommandRow } from './table.generated.js';

export const SUPPLEMENT_ROWS: readonly RawCommandRow[] = [
  [
    'client|no-touch',
    3,
    'noscript loading stale',
    0,
    0,
    0,
    'slow connection',
    '',
    [],
    '7.2.0',
    'connection',
    '',
  ],
  [
    'client|setinfo',
    4,
    'noscript loading stale',
    0,
    0,
    0,
    'slow connection',
    '',
    [],
    '7.2.0',
    'connection',
    '',
  ],
  [
    'cluster|myshardid',
    2,
    'stale',
    0,
    0,
    0,
    'slow',
    'nondeterministic_output',
    [],
    '7.2.0',
    'cluster',
    '',
  ],
  [
    'waitaof',
    4,
    'blocking',
    0,
    0,
    0,
    'slow blocking connection',
    'request_policy:all_shards response_policy:agg_min',
    [],
    '7.2.0',
    'generic',
    '',
  ],
];
