/**
 * The reply decoder on the replies SET/GET traffic is made of, 500 to a chunk (what one socket
 * read holds at 500 callers), and the string-decoding choice inside it for 16-byte ASCII values.
 */
import { bench, do_not_optimize, group, summary } from 'mitata';
import { RespDecoder } from '../../src/protocol/decoder.js';
import type { RespValue } from '../../src/protocol/resp-types.js';

const REPLIES = 500;
const VALUE = 'value-16-bytes!!';

function repeated(frame: string): Buffer {
  return Buffer.from(frame.repeat(REPLIES), 'latin1');
}

const CHUNKS = {
  '+OK': repeated('+OK\r\n'),
  '$16 blob': repeated(`$16\r\n${VALUE}\r\n`),
  ':123': repeated(':123\r\n'),
  // Pairs as SET/GET traffic produces them: 250 x (+OK, $16) = 500 replies.
  'mixed +OK/$16': Buffer.from(`+OK\r\n$16\r\n${VALUE}\r\n`.repeat(REPLIES / 2), 'latin1'),
} as const;

function decoderBenches(): void {
  let last: RespValue = null;
  let count = 0;
  const decoder = new RespDecoder({
    onReply: (value) => {
      last = value;
      count++;
    },
  });
  // Sanity: each chunk decodes to exactly 500 replies.
  for (const [name, chunk] of Object.entries(CHUNKS)) {
    count = 0;
    decoder.write(chunk);
    if (count !== REPLIES) throw new Error(`decoder bench: ${name} gave ${count} replies`);
  }
  summary(() => {
    for (const [name, chunk] of Object.entries(CHUNKS)) {
      bench(`RespDecoder.write: ${REPLIES} x ${name}`, () => {
        decoder.write(chunk);
        do_not_optimize(last);
      });
    }
  });
}

function stringDecodeBenches(): void {
  // A value in the middle of a larger read, as the decoder sees it.
  const buf = Buffer.from(`$16\r\n${VALUE}\r\n`.repeat(64), 'latin1');
  const start = 5;
  const end = start + 16;
  summary(() => {
    bench("buf.toString('utf8', s, e)", () => do_not_optimize(buf.toString('utf8', start, end)));
    bench("buf.toString('latin1', s, e)", () =>
      do_not_optimize(buf.toString('latin1', start, end)),
    );
    bench("buf.toString('ascii', s, e)", () => do_not_optimize(buf.toString('ascii', start, end)));
    bench('String.fromCharCode loop', () => {
      let s = '';
      for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]!);
      do_not_optimize(s);
    });
    bench('String.fromCharCode.apply(subarray)', () => {
      // Typed arrays are array-like; the cast is only for the lib's Function.apply signature.
      do_not_optimize(
        String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]),
      );
    });
  });
}

/**
 * `+OK` is half of all replies in SET/GET traffic. The decoder recognises it by its bytes and
 * returns a constant; this measures what that saves over `toString`.
 */
function simpleOkBenches(): void {
  const buf = Buffer.from('+OK\r\n'.repeat(64), 'latin1');
  const start = 1;
  const end = 3;
  summary(() => {
    bench("+OK: buf.toString('utf8', s, e)", () =>
      do_not_optimize(buf.toString('utf8', start, end)),
    );
    bench("+OK: compare 2 bytes, return constant 'OK'", () =>
      do_not_optimize(
        end - start === 2 && buf[start] === 0x4f && buf[start + 1] === 0x4b
          ? 'OK'
          : buf.toString('utf8', start, end),
      ),
    );
  });
}

export function registerDecoderBenches(): void {
  group(`decoder: RespDecoder.write, ${REPLIES} replies per chunk`, decoderBenches);
  group('decoder: 16-byte ASCII value to string', stringDecodeBenches);
  group('decoder: simple string OK to string', simpleOkBenches);
}
