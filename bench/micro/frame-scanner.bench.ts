/**
 * Raw relay's reader against the decoder: the same server bytes delivered as frame views
 * (RespDecoder in raw mode, which runs the FrameScanner) or decoded into values. The proxy relays
 * raw because scanning builds no strings, arrays or Maps; this measures what that saves per
 * reply shape, and that a big blob costs a raw reader one join, not a decode.
 *
 * Per frame the scan itself costs ~15 ns (`+OK`) to ~45 ns (`$16`); handing out the Buffer view
 * costs ~60 ns more, which is why raw `+OK` is a shared constant. Decoding `+OK` is cheaper
 * still (the decoder returns a constant string), so raw wins from blobs and aggregates up.
 */
import { bench, do_not_optimize, group, summary } from 'mitata';
import { RespDecoder } from '../../src/protocol/decoder.js';
import type { RespValue } from '../../src/protocol/resp-types.js';

const REPLIES = 500;
const VALUE = 'value-16-bytes!!';
const ARRAY10 = `*10\r\n${`$16\r\n${VALUE}\r\n`.repeat(10)}`;
const MAP5 = `%5\r\n${`+field\r\n$16\r\n${VALUE}\r\n`.repeat(5)}`;

const CHUNKS = {
  '+OK': '+OK\r\n',
  '$16 blob': `$16\r\n${VALUE}\r\n`,
  'array of 10 x $16': ARRAY10,
  'map of 5 (RESP3)': MAP5,
} as const;

function reader(raw: boolean): { decoder: RespDecoder; count: () => number } {
  let n = 0;
  let last: RespValue = null;
  const decoder = new RespDecoder({
    onReply: (v) => {
      last = v;
      n++;
    },
  });
  decoder.raw = raw;
  return {
    decoder,
    count: () => {
      do_not_optimize(last);
      return n;
    },
  };
}

function perShape(): void {
  for (const [name, frame] of Object.entries(CHUNKS)) {
    const chunk = Buffer.from(frame.repeat(REPLIES), 'latin1');
    const scan = reader(true);
    const decode = reader(false);
    scan.decoder.write(chunk);
    decode.decoder.write(chunk);
    if (scan.count() !== REPLIES || decode.count() !== REPLIES) {
      throw new Error(`frame-scanner bench: ${name} did not give ${REPLIES} replies`);
    }
    summary(() => {
      bench(`raw scan: ${REPLIES} x ${name}`, () => scan.decoder.write(chunk));
      bench(`decode:   ${REPLIES} x ${name}`, () => decode.decoder.write(chunk));
    });
  }
}

function bigBlob(): void {
  // 1 MiB in the 64 KiB reads a socket delivers.
  const body = Buffer.alloc(1024 * 1024, 0x61);
  const frame = Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);
  const chunks: Buffer[] = [];
  for (let i = 0; i < frame.length; i += 64 * 1024) chunks.push(frame.subarray(i, i + 64 * 1024));
  const scan = reader(true);
  const decodeString = reader(false);
  const decodeBuffer = reader(false);
  decodeBuffer.decoder.returnBuffers = true;
  summary(() => {
    bench('raw scan: 1 MiB blob in 64 KiB chunks', () => {
      for (const c of chunks) scan.decoder.write(c);
    });
    bench('decode to Buffer: 1 MiB blob in 64 KiB chunks', () => {
      for (const c of chunks) decodeBuffer.decoder.write(c);
    });
    bench('decode to string: 1 MiB blob in 64 KiB chunks', () => {
      for (const c of chunks) decodeString.decoder.write(c);
    });
  });
}

export function registerFrameScannerBenches(): void {
  group(`frame scanner: raw frames vs decoded values, ${REPLIES} replies per chunk`, perShape);
  group('frame scanner: one big blob', bigBlob);
}
