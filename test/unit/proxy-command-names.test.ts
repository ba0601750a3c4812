import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandNames } from '../../src/proxy/command-names.js';

const argsOf = (names: CommandNames, text: string | Buffer): readonly string[] => {
  const buf = typeof text === 'string' ? Buffer.from(`xx${text}yy`, 'latin1') : text;
  return typeof text === 'string'
    ? names.argsOf(buf, 2, 2 + text.length)
    : names.argsOf(buf, 0, buf.length);
};

describe('CommandNames', () => {
  it('answers the lower-case name, the same frozen array whatever the case', () => {
    const names = new CommandNames();
    const a = argsOf(names, 'GET');
    assert.deepEqual(a, ['get']);
    assert.ok(Object.isFrozen(a));
    assert.equal(argsOf(names, 'get'), a);
    assert.equal(argsOf(names, 'gEt'), a);
  });

  it('never confuses names that case-fold alike only outside the letters', () => {
    const names = new CommandNames();
    // '@' (0x40) and '`' (0x60) differ by the case bit but are not letters.
    assert.deepEqual(argsOf(names, 'get@'), ['get@']);
    assert.deepEqual(argsOf(names, 'get`'), ['get`']);
    assert.deepEqual(argsOf(names, 'get@'), ['get@']);
    assert.deepEqual(argsOf(names, 'x_y'), ['x_y']);
    assert.deepEqual(argsOf(names, 'x\x7fy'), ['x\x7fy']);
  });

  it('lower-cases names outside ASCII like toLowerCase, without caching them', () => {
    const names = new CommandNames();
    const bytes = Buffer.from([0xc0, 0x41]); // 'ÀA' in latin1
    assert.deepEqual(argsOf(names, bytes), ['àa']);
    assert.deepEqual(argsOf(names, bytes), ['àa']);
  });

  it('keeps answering right when many names share the table', () => {
    const names = new CommandNames();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5000; i++) assert.deepEqual(argsOf(names, `CMD${i}`), [`cmd${i}`]);
    }
    assert.deepEqual(argsOf(names, ''), ['']);
  });
});
