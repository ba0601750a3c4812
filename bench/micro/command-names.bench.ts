/**
 * A request's command name from its bytes, as the proxy reads it once per request: CommandNames
 * (src/proxy/command-names.ts: a hash of the case-folded bytes, a byte compare, an interned array)
 * against the plain way (latin1 string, toLowerCase, Map lookup of the interned array).
 */
import { bench, do_not_optimize, group, summary } from 'mitata';
import { CommandNames, nameArgs } from '../../src/proxy/command-names.js';

const FRAMES = ['GET', 'set', 'HGETALL', 'Incr', 'ZRANGEBYSCORE'].map((name) =>
  Buffer.from(`*2\r\n$${name.length}\r\n${name}\r\n$3\r\nkey\r\n`),
);
const NAME_AT = 8; // after "*2\r\n$N\r\n" for one-digit N

function namesBenches(): void {
  const names = new CommandNames();
  summary(() => {
    bench('CommandNames.argsOf (interned from bytes)', () => {
      for (const f of FRAMES) {
        const len = f[5]! - 0x30;
        do_not_optimize(names.argsOf(f, NAME_AT, NAME_AT + len));
      }
    });
    bench('toString(latin1).toLowerCase() + Map lookup', () => {
      for (const f of FRAMES) {
        const len = f[5]! - 0x30;
        do_not_optimize(nameArgs(f.toString('latin1', NAME_AT, NAME_AT + len).toLowerCase()));
      }
    });
  });
}

export function registerCommandNameBenches(): void {
  group('proxy: command name of 5 requests', namesBenches);
}
