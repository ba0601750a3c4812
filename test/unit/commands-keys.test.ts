import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { equalsKeyword, getKeyIndexes, getKeyIndexesForSpec } from '../../src/commands/keys.js';
import { getCommandSpec, listCommandSpecs } from '../../src/commands/table.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const split = (line: string): string[] => line.split(' ').map((a) => (a === '""' ? '' : a));

/**
 * Invocations compared against the server's own COMMAND GETKEYS. Every arg is distinct from the
 * others, so a key name the server returns identifies exactly one index. `""` is an empty arg.
 */
const SERVER_CASES = [
  'GET k',
  'SET k v EX 10',
  'GETEX k PERSIST',
  'MGET a b c',
  'MSET a 1 b 2 c 3',
  'DEL a b c',
  'EXISTS a b',
  'RENAME a b',
  'COPY a b DB 1',
  'SMOVE a b m',
  'LMOVE a b LEFT RIGHT',
  'LCS a b',
  'HSET h f v',
  'XADD s * f v',
  'BITOP AND dst s1 s2 s3',
  'BITFIELD k GET u8 0',
  'PFMERGE dst a b',
  'PFCOUNT a b',
  'SUNIONSTORE dst a b',
  'WATCH a b',
  'BLPOP a b 0',
  'BRPOP a b 1.5',
  'BLMOVE src dst LEFT RIGHT 0',
  'BRPOPLPUSH src dst 0',
  'BZPOPMIN z1 z2 0',
  'BLMPOP 0 2 a b LEFT COUNT 2',
  'LMPOP 2 a b LEFT',
  'ZMPOP 1 z MIN',
  'BZMPOP 0.5 3 z1 z2 z3 MAX',
  'ZUNIONSTORE dst 2 z1 z2 WEIGHTS 1 2',
  'ZDIFF 2 z1 z2 WITHSCORES',
  'ZINTERCARD 2 z1 z2 LIMIT 5',
  'SINTERCARD 3 a b c',
  'EVAL script 2 k1 k2 a1 a2',
  'EVAL script 0 a1',
  'EVALSHA sha 1 k1 arg',
  'EVAL_RO script 1 k1',
  'FCALL fn 2 k1 k2 a',
  'FCALL_RO fn 1 k a',
  'XREAD COUNT 10 STREAMS s1 s2 0 1',
  'XREAD BLOCK 0 STREAMS s1 $',
  'XREAD STREAMS s1 s2 s3',
  'XREADGROUP GROUP g c COUNT 1 BLOCK 100 STREAMS s1 s2 > 0',
  'SORT k',
  'SORT k BY w_* GET o_* STORE dst',
  'SORT k LIMIT 0 10 ALPHA STORE dst DESC',
  'SORT k STORE d1 STORE d2',
  'SORT_RO k BY w GET o',
  'MIGRATE host 6380 k 0 5000',
  'MIGRATE host 6380 "" 0 5000 COPY KEYS k1 k2 k3',
  'MIGRATE host 6380 "" 0 5000 AUTH pw KEYS k1 k2',
  'MIGRATE host 6380 "" 0 5000 AUTH2 user keys KEYS k1 k2',
  'MIGRATE host 6380 k 0 5000 KEYS k1',
  'OBJECT ENCODING k',
  'object freq k',
  'XINFO STREAM s FULL',
  'XINFO GROUPS s',
  'XGROUP CREATE s g $ MKSTREAM',
  'MEMORY USAGE k SAMPLES 5',
  'GEORADIUS k 0 0 10 km STORE dst',
  'GEORADIUS k 0 0 10 km STOREDIST dst2',
  'GEORADIUS k 0 0 10 km STORE d1 STOREDIST d2',
  'GEORADIUS k 0 0 10 km WITHDIST',
  'GEORADIUSBYMEMBER k m 10 km STORE dst',
  'GEOSEARCHSTORE dst src FROMMEMBER m BYRADIUS 1 km',
  // Malformed or key-less: the server answers with an error, which counts as no keys.
  'EVAL script 3 k1',
  'ZUNIONSTORE dst 0 z',
  'ZUNIONSTORE dst x z',
  'LMPOP 01 a LEFT',
  'ZUNIONSTORE dst 02 z1 z2',
  'EVAL script 1abc k1',
  'EVAL script +1 k1',
  'MIGRATE host 6380 k 0 5000 KEYS k1 k2',
  'MIGRATE host 6380 "" 0 5000 COPY',
  'XREAD STREAMS a b c d e',
  'XREAD BLOCK 1 STREAMS a',
  'XREADGROUP GROUP g c STREAMS a b c',
  'SORT k STORE',
  'LMPOP -1 a LEFT',
  'XREAD COUNT 1 STREAMS s',
  'GET',
  'GET a b',
  'PING',
  'INFO server',
  'CLIENT LIST',
  'CONFIG GET maxmemory',
  'KEYS *',
  'SCAN 0',
  'PUBLISH ch m',
  'SPUBLISH ch m',
  'SUBSCRIBE ch',
  'DBSIZE',
  'NOSUCHCOMMAND a b',
  'CLIENT NOSUCH',
];

describe('getKeyIndexes', () => {
  const cases: [string, number[]][] = [
    ['GET k', [1]],
    ['MGET a b c', [1, 2, 3]],
    ['MSET a 1 b 2 c 3', [1, 3, 5]],
    ['DEL a b c', [1, 2, 3]],
    ['BLPOP a b 0', [1, 2]],
    ['BLMPOP 0 2 a b LEFT', [3, 4]],
    ['ZMPOP 1 z MIN', [2]],
    ['LMPOP 2 a b LEFT', [2, 3]],
    ['BZMPOP 1 1 z MAX', [3]],
    ['EVAL s 2 k1 k2 a', [3, 4]],
    ['EVALSHA sha 0', []],
    ['FCALL f 1 k a', [3]],
    ['XREAD COUNT 1 STREAMS a b 0 0', [4, 5]],
    ['XREAD COUNT 1 STREAMS streams 0', [4]],
    ['XREADGROUP GROUP g c STREAMS a b > >', [5, 6]],
    ['SORT k', [1]],
    ['SORT k BY p GET q STORE d', [1, 7]],
    // The server does not skip STORE's own argument, so a second STORE wins.
    ['SORT k STORE store x', [1, 4]],
    ['SORT k LIMIT 0 store', [1]],
    ['MIGRATE h 1 k 0 10', [3]],
    ['MIGRATE h 1 "" 0 10 REPLACE KEYS a b', [8, 9]],
    ['MIGRATE h 1 k 0 10 KEYS a b', []],
    ['MIGRATE h 1 "" 0 10 KEYS', [3]],
    ['OBJECT ENCODING k', [2]],
    ['XINFO STREAM s', [2]],
    ['GEORADIUS k 0 0 1 m STORE d', [1, 7]],
    ['GEORADIUS k 0 0 1 m STORE', [1]],
    ['PING', []],
    ['CLIENT LIST', []],
    ['UNKNOWN a', []],
    ['EVAL s 2 k', []],
    // A count the strict spec parser rejects falls back to the server's atoi-based extractor,
    // which also lists the destination key last.
    ['ZUNIONSTORE d 02 a b', [3, 4, 1]],
    ['EVAL s 1x k', [3]],
    ['EVAL s x k', []],
  ];
  for (const [line, expected] of cases) {
    it(line, () => assert.deepEqual(getKeyIndexes(split(line)), expected));
  }

  it('accepts Buffers and numbers as args', () => {
    assert.deepEqual(
      getKeyIndexes([Buffer.from('eval'), 's', 2, Buffer.from('k1'), 'k2', 9]),
      [3, 4],
    );
    assert.deepEqual(getKeyIndexes(['EVAL', 's', 2n, 'k1', 'k2']), [3, 4]);
    // 1.5 is written as "1.5": the spec parser rejects it, the server's atoi fallback reads 1.
    assert.deepEqual(getKeyIndexes(['EVAL', 's', 1.5, 'k1']), [3]);
    assert.deepEqual(getKeyIndexes(['EVAL', 's', ' 1', 'k1']), [3]);
    assert.deepEqual(getKeyIndexes(['EVAL', 's', Buffer.from('+1'), 'k1']), [3]);
    assert.deepEqual(getKeyIndexes(['XREAD', Buffer.from('streams'), 'a', '0']), [2]);
    assert.deepEqual(getKeyIndexes([Buffer.from('Object'), Buffer.from('FREQ'), 'k']), [2]);
    assert.deepEqual(getKeyIndexes([5, 'k']), []);
    assert.deepEqual(getKeyIndexes([]), []);
  });

  it('includes not_key channels only when asked (sharded pub/sub routing)', () => {
    assert.deepEqual(getKeyIndexes(['SPUBLISH', 'ch', 'm']), []);
    assert.deepEqual(getKeyIndexes(['SPUBLISH', 'ch', 'm'], { includeNotKeys: true }), [1]);
    assert.deepEqual(getKeyIndexes(['SSUBSCRIBE', 'a', 'b'], { includeNotKeys: true }), [1, 2]);
    assert.deepEqual(getKeyIndexes(['SUNSUBSCRIBE', 'a'], { includeNotKeys: true }), [1]);
    assert.deepEqual(getKeyIndexes(['GET', 'k'], { includeNotKeys: true }), [1]);
  });

  it('works from an already resolved spec', () => {
    const spec = getCommandSpec('MSET');
    assert.ok(spec);
    assert.deepEqual(getKeyIndexesForSpec(spec, ['MSET', 'a', '1']), [1]);
  });

  it('matches keywords case-insensitively without matching numbers', () => {
    assert.equal(equalsKeyword('streams', 'STREAMS'), true);
    assert.equal(equalsKeyword(Buffer.from('StReAmS'), 'STREAMS'), true);
    assert.equal(equalsKeyword('stream', 'STREAMS'), false);
    assert.equal(equalsKeyword('STREAMS!', 'STREAMS'), false);
    assert.equal(equalsKeyword(1, 'STREAMS'), false);
    assert.equal(equalsKeyword(undefined, 'STREAMS'), false);
  });
});

describe('getKeyIndexes against the server’s COMMAND GETKEYS', () => {
  let server: RedisServer;

  before(async () => {
    server = await startRedis();
  });

  after(async () => {
    await server?.stop();
  });

  /** GETKEYS returns key names; map them back to indexes, or [] for an error reply. */
  async function serverKeyIndexes(args: string[]): Promise<number[]> {
    let reply: string;
    try {
      reply = await server.cli('--json', 'COMMAND', 'GETKEYS', ...args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // No keys, bad arguments, or a bare command name GETKEYS itself cannot take.
      assert.match(message, /ERR (Invalid|The command has no key|wrong number of arg)/, message);
      return [];
    }
    const names = JSON.parse(reply) as string[];
    return names.map((name) => {
      const at = args.indexOf(name, 1);
      assert.ok(at > 0, `server returned ${name}, not an arg`);
      assert.equal(args.indexOf(name, at + 1), -1, `ambiguous case: ${name} appears twice`);
      return at;
    });
  }

  for (const line of SERVER_CASES) {
    it(line, async () => {
      const args = split(line);
      assert.deepEqual(getKeyIndexes(args), await serverKeyIndexes(args));
    });
  }
  it('agrees on random invocations of every keyed command', async () => {
    const cases = randomInvocations(40);
    const lines = await pipeGetKeys(server.port, cases);
    assert.equal(lines.length, cases.length);
    const mismatches: string[] = [];
    for (const [i, args] of cases.entries()) {
      const line = lines[i] ?? '';
      // Replies are key names; compare names, since random args may repeat.
      const expected = line.startsWith('[') ? (JSON.parse(line) as string[]) : [];
      const actual = getKeyIndexes(args).map((k) => args[k]);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push(`${JSON.stringify(args)}: ours ${JSON.stringify(actual)}, server ${line}`);
      }
    }
    assert.deepEqual(mismatches.slice(0, 10), []);
  });
});

// Args that steer key extraction (keywords, counts in odd spellings) plus unique names.
const VOCABULARY = [
  'STREAMS',
  'streams',
  'STORE',
  'STOREDIST',
  'KEYS',
  'BY',
  'GET',
  'LIMIT',
  'COUNT',
  'BLOCK',
  'GROUP',
  'AUTH',
  'AUTH2',
  'COPY',
  '0',
  '1',
  '2',
  '3',
  '01',
  '-1',
  '+1',
  ' 1',
  '1.5',
  'x',
  '',
];

/** `perCommand` pseudo-random arg vectors for every command with key specs; fixed seed. */
function randomInvocations(perCommand: number): string[][] {
  let seed = 20240601;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const cases: string[][] = [];
  for (const spec of listCommandSpecs()) {
    if (spec.keySpecs.length === 0) continue;
    const head = spec.name.split('|');
    for (let t = 0; t < perCommand; t++) {
      const args = [...head];
      const extra = Math.abs(spec.arity) - head.length + next(8);
      for (let i = 0; i < extra; i++) {
        args.push(next(3) === 0 ? `u${args.length}` : (VOCABULARY[next(VOCABULARY.length)] ?? ''));
      }
      cases.push(args);
    }
  }
  return cases;
}

/** Sends every case as `COMMAND GETKEYS …` through one redis-cli; one JSON line per reply. */
function pipeGetKeys(port: number, cases: readonly string[][]): Promise<string[]> {
  const quote = (a: string): string => `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const input = cases.map((c) => ['COMMAND', 'GETKEYS', ...c].map(quote).join(' ')).join('\n');
  return new Promise((resolve, reject) => {
    const child = execFile(
      'redis-cli',
      ['-h', '127.0.0.1', '-p', String(port), '--json'],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout.trimEnd().split('\n'))),
    );
    child.stdin?.end(`${input}\n`);
  });
}
