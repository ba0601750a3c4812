/**
 * The redaction rule of the diagnostics channels (src/metrics/sanitise.ts): credentials never
 * appear, keys do, every other value is `?`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MissingDependencyError } from '../../src/errors.js';
import { importOptional } from '../../src/metrics/optional-import.js';
import { commandName, sanitiseArgs } from '../../src/metrics/sanitise.js';

const SECRET = 's3cr3t-Pa55';

/** Asserts that nothing derived from the secret survives. */
function assertNoSecret(published: readonly string[]): void {
  for (const arg of published) assert.ok(!arg.includes(SECRET), `leaked: ${published.join(' ')}`);
}

describe('credentials are redacted entirely', () => {
  const cases: [string, unknown[], string[]][] = [
    ['AUTH password', ['AUTH', SECRET], ['AUTH']],
    ['AUTH user password', ['auth', 'alice', SECRET], ['AUTH']],
    [
      'HELLO with AUTH and SETNAME',
      ['HELLO', 3, 'AUTH', 'alice', SECRET, 'SETNAME', 'x'],
      ['HELLO'],
    ],
    ['HELLO without AUTH', ['HELLO', '3'], ['HELLO']],
    ['MIGRATE with AUTH', ['MIGRATE', 'h', '6379', 'k', '0', '1000', 'AUTH', SECRET], ['MIGRATE']],
    [
      'MIGRATE with AUTH2',
      ['MIGRATE', 'h', '6379', '', '0', '1000', 'auth2', 'alice', SECRET, 'KEYS', 'a', 'b'],
      ['MIGRATE'],
    ],
    ['ACL SETUSER', ['ACL', 'SETUSER', 'alice', 'on', `>${SECRET}`, '~*'], ['ACL', 'SETUSER']],
    ['acl setuser, any case', ['acl', 'setuser', 'alice', `#${SECRET}`], ['ACL', 'SETUSER']],
    ['CONFIG SET requirepass', ['CONFIG', 'SET', 'requirepass', SECRET], ['CONFIG', 'SET']],
    ['CONFIG SET masterauth', ['config', 'set', 'MasterAuth', SECRET], ['CONFIG', 'SET']],
    [
      'CONFIG SET with the secret in a later pair',
      ['CONFIG', 'SET', 'maxmemory', '1gb', 'requirepass', SECRET],
      ['CONFIG', 'SET'],
    ],
    [
      'CONFIG SET tls-key-file-pass',
      ['CONFIG', 'SET', 'tls-key-file-pass', SECRET],
      ['CONFIG', 'SET'],
    ],
  ];
  for (const [title, args, expected] of cases) {
    test(title, () => {
      const published = sanitiseArgs(args as never);
      assert.deepEqual(published, expected);
      assertNoSecret(published);
    });
  }

  test('Buffer arguments are redacted the same way', () => {
    const published = sanitiseArgs([Buffer.from('AUTH'), Buffer.from(SECRET)]);
    assert.deepEqual(published, ['AUTH']);
  });
});

describe('other commands: keys shown, values "?"', () => {
  const cases: [string, unknown[], string[]][] = [
    ['GET', ['GET', 'user:1'], ['GET', 'user:1']],
    ['SET with options', ['set', 'k', SECRET, 'EX', 10], ['SET', 'k', '?', '?', '?']],
    ['MSET', ['MSET', 'a', '1', 'b', SECRET], ['MSET', 'a', '?', 'b', '?']],
    ['HSET', ['HSET', 'h', 'field', SECRET], ['HSET', 'h', '?', '?']],
    ['DEL several keys', ['DEL', 'a', 'b', 'c'], ['DEL', 'a', 'b', 'c']],
    [
      'EVAL: script and arguments hidden, keys shown',
      ['EVAL', `return '${SECRET}'`, 2, 'k1', 'k2', SECRET],
      ['EVAL', '?', '?', 'k1', 'k2', '?'],
    ],
    [
      'ZUNIONSTORE: destination key listed last by the key finder, still in place',
      ['ZUNIONSTORE', 'dst', 2, 'a', 'b', 'WEIGHTS', 1, 2],
      ['ZUNIONSTORE', 'dst', '?', 'a', 'b', '?', '?', '?'],
    ],
    [
      'XREAD: stream keys shown, ids hidden',
      ['XREAD', 'COUNT', 1, 'STREAMS', 's1', 's2', '0', '0'],
      ['XREAD', '?', '?', '?', 's1', 's2', '?', '?'],
    ],
    [
      'container command keeps its subcommand',
      ['OBJECT', 'encoding', 'k'],
      ['OBJECT', 'ENCODING', 'k'],
    ],
    [
      'CONFIG GET is not a secret, its argument is still a value',
      ['CONFIG', 'GET', 'timeout'],
      ['CONFIG', 'GET', '?'],
    ],
    [
      'CONFIG SET of an ordinary parameter',
      ['CONFIG', 'SET', 'timeout', '5'],
      ['CONFIG', 'SET', '?', '?'],
    ],
    ['SPUBLISH: a shard channel is not a key', ['SPUBLISH', 'ch', SECRET], ['SPUBLISH', '?', '?']],
    ['PUBLISH', ['PUBLISH', 'ch', SECRET], ['PUBLISH', '?', '?']],
    ['unknown command: nothing is a key', ['MYMODULE.DO', 'x', SECRET], ['MYMODULE.DO', '?', '?']],
    ['unknown subcommand is a value', ['CLIENT', 'NOSUCH', SECRET], ['CLIENT', '?', '?']],
    ['wrong arity: nothing is a key', ['GET', 'a', 'b'], ['GET', '?', '?']],
    ['no arguments', ['PING'], ['PING']],
  ];
  for (const [title, args, expected] of cases) {
    test(title, () => {
      const published = sanitiseArgs(args as never);
      assert.deepEqual(published, expected);
      assertNoSecret(published);
    });
  }

  test('keys given as Buffers and numbers are published as text', () => {
    assert.deepEqual(sanitiseArgs(['GET', Buffer.from('bin:key')]), ['GET', 'bin:key']);
    assert.deepEqual(sanitiseArgs(['INCR', 42]), ['INCR', '42']);
  });

  test('an empty vector publishes nothing', () => {
    assert.deepEqual(sanitiseArgs([]), []);
    assert.equal(commandName([]), '');
  });

  test('commandName upper-cases strings and Buffers', () => {
    assert.equal(commandName(['hgetall', 'h']), 'HGETALL');
    assert.equal(commandName([Buffer.from('get'), 'k']), 'GET');
  });
});

describe('optional peer dependencies', () => {
  test('a missing package becomes ERR_MISSING_DEPENDENCY naming it', async () => {
    const missing = 'respool-test-no-such-package';
    await assert.rejects(
      importOptional(() => import(missing), missing, 'someFeature()'),
      (error: unknown) =>
        error instanceof MissingDependencyError &&
        error.code === 'ERR_MISSING_DEPENDENCY' &&
        error.message.includes(`"${missing}"`) &&
        error.message.includes('someFeature()'),
    );
  });

  test('other load failures pass through unchanged', async () => {
    const boom = new Error('boom');
    await assert.rejects(
      importOptional(() => Promise.reject(boom), 'x', 'f()'),
      (error: unknown) => error === boom,
    );
  });
});
