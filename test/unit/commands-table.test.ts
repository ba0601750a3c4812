import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  AclCategory,
  CommandFlag,
  commandTableServerVersion,
  getCommandSpec,
  getCommandSpecForArgs,
  KeySpecFlag,
  listCommandSpecs,
} from '../../src/commands/table.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GENERATED = join(ROOT, 'src/commands/table.generated.ts');

const CONTAINERS = [
  'acl',
  'client',
  'cluster',
  'command',
  'config',
  'function',
  'latency',
  'memory',
  'module',
  'object',
  'pubsub',
  'script',
  'slowlog',
  'xgroup',
  'xinfo',
];

describe('command table: lookup', () => {
  it('finds a command in any case, from a string or a Buffer', () => {
    const spec = getCommandSpec('get');
    assert.ok(spec);
    assert.equal(spec.name, 'get');
    assert.equal(getCommandSpec('GET'), spec);
    assert.equal(getCommandSpec('gEt'), spec);
    assert.equal(getCommandSpec(Buffer.from('Get')), spec);
    assert.equal(getCommandSpec('nosuchcommand'), undefined);
    assert.equal(getCommandSpec(Buffer.alloc(200, 0x61)), undefined);
    // Names are looked up in a Map, never on an object: prototype members are not commands.
    assert.equal(getCommandSpec('constructor'), undefined);
    assert.equal(getCommandSpec('__proto__'), undefined);
  });

  it('resolves container subcommands, case-insensitively', () => {
    assert.equal(getCommandSpec('CLIENT', 'LIST')?.name, 'client|list');
    assert.equal(getCommandSpec('config', 'get')?.name, 'config|get');
    assert.equal(getCommandSpec('Object', Buffer.from('Encoding'))?.name, 'object|encoding');
    assert.equal(getCommandSpec('XINFO', 'stream')?.name, 'xinfo|stream');
    assert.equal(getCommandSpec('client|list')?.name, undefined, 'pipe names are not top-level');
    const client = getCommandSpec('CLIENT');
    assert.equal(client?.name, 'client', 'a container alone is its own spec');
    assert.equal(getCommandSpec('CLIENT', 'NOPE'), undefined, 'unknown subcommand');
    assert.equal(getCommandSpec('CLIENT', 5), undefined);
    assert.equal(getCommandSpec('GET', 'somekey')?.name, 'get', 'non-containers ignore arg 1');
  });

  it('resolves from an argument vector', () => {
    assert.equal(getCommandSpecForArgs(['memory', 'usage', 'k'])?.name, 'memory|usage');
    assert.equal(getCommandSpecForArgs(['SET', 'k', 'v'])?.name, 'set');
    assert.equal(getCommandSpecForArgs([]), undefined);
    assert.equal(getCommandSpecForArgs([42, 'x']), undefined);
  });

  it('marks every container named in the design, and only containers, with subcommands', () => {
    const containers = listCommandSpecs()
      .filter((s) => s.subcommands !== undefined)
      .map((s) => s.name);
    assert.deepEqual(containers, CONTAINERS);
    for (const name of CONTAINERS) {
      const spec = getCommandSpec(name);
      assert.ok(spec?.subcommands && spec.subcommands.size > 0, name);
      for (const sub of spec.subcommands.values()) {
        assert.equal(sub.parent, name);
        assert.ok(sub.name.startsWith(`${name}|`));
      }
    }
  });
});

describe('command table: data', () => {
  it('is sorted, unique and complete', () => {
    const names = listCommandSpecs().map((s) => s.name);
    assert.deepEqual(names, [...names].sort());
    assert.equal(new Set(names).size, names.length);
    assert.ok(names.length > 300, `only ${names.length} commands`);
    assert.match(commandTableServerVersion, /^\d+\.\d+\.\d+$/);
  });

  it('parses flags, ACL categories and tips into bitmasks and values', () => {
    const get = getCommandSpec('get');
    assert.ok(get);
    assert.equal(get.arity, 2);
    assert.equal(get.flags, CommandFlag.readonly | CommandFlag.fast);
    assert.deepEqual(get.flagNames, ['readonly', 'fast']);
    assert.equal(get.acl, AclCategory.read | AclCategory.fast);
    assert.deepEqual([get.firstKey, get.lastKey, get.keyStep], [1, 1, 1]);
    assert.equal(get.since, '1.0.0');
    assert.equal(get.group, 'string');
    assert.equal(get.deprecated, false);

    const keys = getCommandSpec('keys');
    assert.equal(keys?.requestPolicy, 'all_shards');
    assert.ok(keys?.tips.includes('nondeterministic_output_order'));
    assert.equal(getCommandSpec('dbsize')?.responsePolicy, 'agg_sum');
    assert.equal(getCommandSpec('georadius')?.deprecated, true);
    assert.ok(((getCommandSpec('blpop')?.acl ?? 0) & AclCategory.blocking) !== 0);
    assert.ok(((getCommandSpec('flushall')?.acl ?? 0) & AclCategory.dangerous) !== 0);
  });

  it('parses key specs: index/keyword begin search, range/keynum find keys, flags', () => {
    const xread = getCommandSpec('xread');
    assert.deepEqual(xread?.keySpecs[0]?.beginSearch, {
      type: 'keyword',
      keyword: 'STREAMS',
      startFrom: 1,
    });
    assert.deepEqual(xread?.keySpecs[0]?.findKeys, {
      type: 'range',
      lastKey: -1,
      keyStep: 1,
      limit: 2,
    });
    const zunionstore = getCommandSpec('zunionstore');
    assert.equal(zunionstore?.keySpecs.length, 2);
    assert.equal(zunionstore?.keySpecs[0]?.flags, KeySpecFlag.OW | KeySpecFlag.update);
    assert.deepEqual(zunionstore?.keySpecs[1]?.findKeys, {
      type: 'keynum',
      keyNumIdx: 0,
      firstKey: 1,
      keyStep: 1,
    });
    const sort = getCommandSpec('sort');
    assert.deepEqual(sort?.keySpecs[1]?.beginSearch, { type: 'unknown' });
    const migrate = getCommandSpec('migrate');
    assert.ok(((migrate?.keySpecs[1]?.flags ?? 0) & KeySpecFlag.incomplete) !== 0);
    const spublish = getCommandSpec('spublish');
    assert.equal(spublish?.keySpecs[0]?.flags, KeySpecFlag.not_key);
  });

  it('is frozen', () => {
    const get = getCommandSpec('get');
    assert.ok(get && Object.isFrozen(get) && Object.isFrozen(get.keySpecs));
    assert.ok(Object.isFrozen(listCommandSpecs()));
  });

  it('keeps the generated file small', async () => {
    const { size } = await stat(GENERATED);
    assert.ok(size < 150 * 1024, `${size} bytes`);
  });
});

describe('command table: generator', () => {
  let server: RedisServer;
  let dir: string;

  before(async () => {
    server = await startRedis();
    dir = await mkdtemp(join(tmpdir(), 'respool-gen-test-'));
  });

  after(async () => {
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('regenerates the checked-in file byte for byte from the same server version', async (t) => {
    const version = (await server.info('server'))['redis_version'];
    if (version !== commandTableServerVersion) {
      t.skip(`local redis ${version} differs from the table's ${commandTableServerVersion}`);
      return;
    }
    const out = join(dir, 'table.generated.ts');
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'scripts/gen-command-table.ts'],
        { cwd: ROOT, env: { ...process.env, REDIS_URL: server.url, COMMAND_TABLE_OUT: out } },
        (error, _stdout, stderr) =>
          error ? reject(new Error(stderr, { cause: error })) : resolve(),
      );
    });
    const [fresh, checkedIn] = await Promise.all([
      readFile(out, 'utf8'),
      readFile(GENERATED, 'utf8'),
    ]);
    assert.equal(fresh, checkedIn, 'run `npm run gen:commands` and commit the result');
  });
});

describe('7.2 supplement', () => {
  it('adds only commands the generated table lacks, with the 7.2 specs', async () => {
    const { SUPPLEMENT_ROWS } = await import('../../src/commands/table-supplement.js');
    const { RAW_COMMANDS } = await import('../../src/commands/table.generated.js');
    const generated = new Set(RAW_COMMANDS.map((r) => r[0]));
    for (const row of SUPPLEMENT_ROWS) {
      assert.equal(generated.has(row[0]), false, `${row[0]} is already generated`);
      const spec = listCommandSpecs().find((s) => s.name === row[0]);
      assert.ok(spec, row[0]);
      assert.equal(spec.since, '7.2.0');
      assert.equal(spec.keySpecs.length, 0, `${row[0]} is keyless in 7.2`);
    }
    assert.equal(getCommandSpec('CLIENT', 'NO-TOUCH')?.name, 'client|no-touch');
    assert.equal(getCommandSpec('client', 'setinfo')?.arity, 4);
    assert.equal(getCommandSpec('WAITAOF')?.requestPolicy, 'all_shards');
    assert.equal(getCommandSpec('CLUSTER', 'MYSHARDID')?.group, 'cluster');
  });

  it('classifies the 7.2 commands: WAITAOF blocks, CLIENT NO-TOUCH needs its own connection', async () => {
    const { isBlocking, requiresExclusive, isNoKeyCommand } = await import(
      '../../src/commands/classify.js'
    );
    assert.equal(isBlocking(['WAITAOF', 1, 0, 100]), true);
    assert.equal(requiresExclusive(['CLIENT', 'NO-TOUCH', 'ON']), true);
    assert.equal(requiresExclusive(['CLIENT', 'SETINFO', 'LIB-NAME', 'x']), false);
    assert.equal(isNoKeyCommand(['CLIENT', 'SETINFO', 'LIB-NAME', 'x']), true);
  });
});
