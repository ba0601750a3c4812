import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  blockingTimeoutMs,
  isBlocking,
  isNoKeyCommand,
  isPubSub,
  isReadOnly,
  isTransactional,
  isWrite,
  requiresExclusive,
} from '../../src/commands/classify.js';
import { AclCategory, CommandFlag, listCommandSpecs } from '../../src/commands/table.js';

const split = (line: string): string[] => line.split(' ');

describe('isReadOnly / isWrite', () => {
  it('follows the readonly and write flags', () => {
    for (const line of [
      'GET k',
      'MGET a b',
      'EVAL_RO s 0',
      'FCALL_RO f 0',
      'SORT_RO k',
      'PFCOUNT a',
    ]) {
      assert.equal(isReadOnly(split(line)), true, line);
      assert.equal(isWrite(split(line)), false, line);
    }
    for (const line of [
      'SET k v',
      'DEL k',
      'SORT k',
      'BLPOP q 0',
      'XREADGROUP GROUP g c STREAMS s >',
    ]) {
      assert.equal(isReadOnly(split(line)), false, line);
      assert.equal(isWrite(split(line)), true, line);
    }
  });

  it('treats EVAL, EVALSHA and FCALL as writes although they carry neither flag', () => {
    for (const line of ['EVAL s 1 k', 'EVALSHA sha 0', 'FCALL f 0']) {
      assert.equal(isWrite(split(line)), true, line);
      assert.equal(isReadOnly(split(line)), false, line);
    }
  });

  it('classifies keyless admin commands as neither', () => {
    for (const line of ['PING', 'CLIENT LIST', 'PUBLISH ch m', 'WAIT 1 0', 'NOSUCH x']) {
      assert.equal(isReadOnly(split(line)), false, line);
      assert.equal(isWrite(split(line)), false, line);
    }
  });

  it('only widens the write flag by scripts', () => {
    const widened = listCommandSpecs()
      .filter((s) => (s.flags & CommandFlag.write) === 0 && isWrite([...s.name.split('|')]))
      .map((s) => s.name);
    assert.deepEqual(widened, ['eval', 'evalsha', 'fcall']);
  });

  it('resolves subcommands and accepts Buffers', () => {
    assert.equal(isReadOnly(['OBJECT', 'ENCODING', 'k']), true);
    assert.equal(isWrite(['XGROUP', 'CREATE', 's', 'g', '$']), true);
    assert.equal(isReadOnly([Buffer.from('get'), 'k']), true);
  });
});

describe('isBlocking', () => {
  it('is true for the blocking list commands, WAIT and WAITAOF', () => {
    for (const line of [
      'BLPOP q 0',
      'BRPOP q 1',
      'BLMOVE a b LEFT RIGHT 0',
      'BRPOPLPUSH a b 0',
      'BLMPOP 0 1 q LEFT',
      'BZPOPMIN z 0',
      'BZPOPMAX z 0',
      'BZMPOP 0 1 z MIN',
      'WAIT 1 100',
      'WAITAOF 1 0 100',
      'blpop q 0',
    ]) {
      assert.equal(isBlocking(split(line)), true, line);
    }
    assert.equal(isBlocking([Buffer.from('BLPOP'), 'q', '0']), true);
    assert.equal(isBlocking([Buffer.from('waitaof'), '1', '0', '0']), true);
  });

  it('is true for XREAD/XREADGROUP only with BLOCK', () => {
    assert.equal(isBlocking(split('XREAD BLOCK 0 STREAMS s $')), true);
    assert.equal(isBlocking(split('XREAD COUNT 5 block 10 STREAMS s $')), true);
    assert.equal(isBlocking(split('XREADGROUP GROUP g c BLOCK 5 STREAMS s >')), true);
    assert.equal(isBlocking(split('XREADGROUP GROUP g c NOACK BLOCK 5 STREAMS s >')), true);
    assert.equal(isBlocking(split('XREAD COUNT 5 STREAMS s $')), false);
    assert.equal(isBlocking(split('XREADGROUP GROUP g c STREAMS s >')), false);
    // "block" as a group, consumer or stream name is not the option.
    assert.equal(isBlocking(split('XREADGROUP GROUP block block STREAMS s >')), false);
    assert.equal(isBlocking(split('XREAD STREAMS BLOCK 0')), false);
  });

  it('is false for everything else', () => {
    for (const line of ['GET k', 'LPOP q', 'SUBSCRIBE ch', 'MULTI', 'CLIENT PAUSE 10', 'NOSUCH']) {
      assert.equal(isBlocking(split(line)), false, line);
    }
  });

  it('agrees with the blocking flag except where the flag is known to be insufficient', () => {
    const flagged = listCommandSpecs()
      .filter((s) => (s.flags & CommandFlag.blocking) !== 0)
      .map((s) => s.name)
      .sort();
    assert.deepEqual(flagged, [
      'blmove',
      'blmpop',
      'blpop',
      'brpop',
      'brpoplpush',
      'bzmpop',
      'bzpopmax',
      'bzpopmin',
      // From the 7.2 supplement (table-supplement.ts): 7.2's waitaof.json flags it BLOCKING.
      'waitaof',
      'xread',
      'xreadgroup',
    ]);
    for (const spec of listCommandSpecs()) {
      if ((spec.acl & AclCategory.blocking) !== 0)
        assert.ok(flagged.includes(spec.name), spec.name);
    }
  });
});

describe('blockingTimeoutMs', () => {
  const cases: [string, number | undefined][] = [
    ['BLPOP a b 5', 5000],
    ['BRPOP a 0.1', 100],
    ['BZPOPMIN z 1.5', 1500],
    ['BZPOPMAX z 0', 0],
    ['BLMOVE a b LEFT RIGHT 2', 2000],
    ['BRPOPLPUSH a b 0.25', 250],
    ['BLMPOP 0.5 1 q LEFT', 500],
    ['BZMPOP 3 2 a b MIN', 3000],
    ['XREAD BLOCK 1500 STREAMS s $', 1500],
    ['XREAD COUNT 1 BLOCK 0 STREAMS s $', 0],
    ['XREADGROUP GROUP g c BLOCK 250 STREAMS s >', 250],
    ['WAIT 1 100', 100],
    ['WAIT 1 0', 0],
    ['WAITAOF 1 0 300', 300],
    // Truncated like the server, so a sub-millisecond timeout blocks forever.
    ['BLPOP q 0.0001', 0],
    ['BLPOP q -0.0001', 0],
    ['BLPOP q 1e1', 10000],
    ['BLPOP q -1', undefined],
    ['BLPOP q abc', undefined],
    ['BLPOP q', undefined],
    ['XREAD BLOCK 1.5 STREAMS s $', undefined],
    ['XREAD BLOCK 01 STREAMS s $', undefined],
    ['XREAD STREAMS s $', undefined],
    ['WAIT 1 -5', undefined],
    ['GET k', undefined],
    ['NOSUCH 5', undefined],
  ];
  for (const [line, expected] of cases) {
    it(line, () => assert.equal(blockingTimeoutMs(split(line)), expected));
  }

  it('reads numbers, bigints and Buffers', () => {
    assert.equal(blockingTimeoutMs(['BLPOP', 'q', 2]), 2000);
    assert.equal(blockingTimeoutMs(['BLPOP', 'q', 0.5]), 500);
    assert.equal(blockingTimeoutMs(['BLPOP', 'q', Buffer.from('3')]), 3000);
    assert.equal(blockingTimeoutMs(['WAIT', 1, 10n]), 10);
    assert.equal(blockingTimeoutMs(['XREAD', 'BLOCK', 7, 'STREAMS', 's', '$']), 7);
    assert.equal(blockingTimeoutMs(['WAIT', 1, 1.5]), undefined);
  });
});

describe('isPubSub / isTransactional', () => {
  it('is true only for the subscriber-mode commands', () => {
    for (const name of [
      'SUBSCRIBE',
      'PSUBSCRIBE',
      'SSUBSCRIBE',
      'UNSUBSCRIBE',
      'PUNSUBSCRIBE',
      'SUNSUBSCRIBE',
    ]) {
      assert.equal(isPubSub([name, 'ch']), true, name);
      assert.equal(isPubSub([name.toLowerCase(), 'ch']), true, name);
    }
    for (const line of ['PUBLISH ch m', 'SPUBLISH ch m', 'PUBSUB CHANNELS', 'PUBSUB NUMSUB ch']) {
      assert.equal(isPubSub(split(line)), false, line);
    }
  });

  it('is true for exactly MULTI, EXEC, DISCARD, WATCH and UNWATCH', () => {
    const transactional = listCommandSpecs()
      .filter((s) => isTransactional([s.name]))
      .map((s) => s.name);
    assert.deepEqual(transactional, ['discard', 'exec', 'multi', 'unwatch', 'watch']);
    assert.equal(isTransactional(['watch', 'k']), true);
    assert.equal(isTransactional(['GET', 'k']), false);
  });
});

describe('requiresExclusive', () => {
  it('is true for state-holding and state-changing commands', () => {
    for (const line of [
      'BLPOP q 0',
      'XREAD BLOCK 0 STREAMS s $',
      'WAIT 1 0',
      'WAITAOF 1 0 0',
      'SUBSCRIBE ch',
      'PUNSUBSCRIBE',
      'MULTI',
      'EXEC',
      'DISCARD',
      'WATCH k',
      'UNWATCH',
      'MONITOR',
      'SELECT 1',
      'CLIENT REPLY OFF',
      'client tracking on',
      'CLIENT CACHING yes',
      'RESET',
      'QUIT',
      'HELLO 3',
      'AUTH pw',
      'READONLY',
      'READWRITE',
    ]) {
      assert.equal(requiresExclusive(split(line)), true, line);
    }
  });

  it('is false for ordinary commands', () => {
    for (const line of [
      'GET k',
      'SET k v',
      'XREAD STREAMS s $',
      'PUBLISH ch m',
      'CLIENT LIST',
      'CLIENT SETNAME x',
      'PING',
      'EVAL s 0',
      'NOSUCH',
    ]) {
      assert.equal(requiresExclusive(split(line)), false, line);
    }
  });
});

describe('isNoKeyCommand', () => {
  it('is true for commands that never carry a key', () => {
    for (const line of [
      'PING',
      'INFO',
      'CLIENT LIST',
      'KEYS *',
      'SCAN 0',
      'PUBLISH ch m',
      'DBSIZE',
    ]) {
      assert.equal(isNoKeyCommand(split(line)), true, line);
    }
  });

  it('is false for keyed, movable-keys, sharded pub/sub and unknown commands', () => {
    for (const line of ['GET k', 'EVAL s 0', 'OBJECT ENCODING k', 'SPUBLISH ch m', 'NOSUCH']) {
      assert.equal(isNoKeyCommand(split(line)), false, line);
    }
  });
});
