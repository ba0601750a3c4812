/**
 * The few replies the proxy writes itself (OK, errors, HELLO's map, CLIENT LIST's text), as
 * RESP bytes for the client's protocol. Everything else a client reads is the server's bytes.
 */

export const OK = Buffer.from('+OK\r\n');
export const QUEUED = Buffer.from('+QUEUED\r\n');
export const RESET = Buffer.from('+RESET\r\n');

/** Error codes the proxy answers with besides ERR (as the server would). */
const CODED = /^(?:NOAUTH|WRONGPASS|NOPROTO|EXECABORT|NOPERM|WRONGTYPE) /;

/** `-ERR …`, or `-CODE …` when `message` starts with one of the server's codes. */
export function errorReply(message: string): Buffer {
  const clean = message.replace(/[\r\n]+/g, ' ');
  return Buffer.from(`-${CODED.test(clean) ? clean : `ERR ${clean}`}\r\n`);
}

export function simpleReply(text: string): Buffer {
  return Buffer.from(`+${text}\r\n`);
}

export function integerReply(n: number): Buffer {
  return Buffer.from(`:${n}\r\n`);
}

export function nullReply(protocol: 2 | 3): Buffer {
  return Buffer.from(protocol === 3 ? '_\r\n' : '$-1\r\n');
}

export function bulkReply(value: string | Buffer | null, protocol: 2 | 3 = 2): Buffer {
  if (value === null) return nullReply(protocol);
  const body = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([Buffer.from(`$${body.length}\r\n`), body, Buffer.from('\r\n')]);
}

/** Text the server sends as a verbatim string under RESP3 (CLIENT LIST, CLIENT INFO). */
export function verbatimReply(text: string, protocol: 2 | 3): Buffer {
  if (protocol === 2) return bulkReply(text);
  const body = Buffer.from(`txt:${text}`);
  return Buffer.concat([Buffer.from(`=${body.length}\r\n`), body, Buffer.from('\r\n')]);
}

type Field = string | number | null | readonly Field[];

function encodeField(value: Field, protocol: 2 | 3): Buffer {
  if (value === null) return nullReply(protocol);
  if (typeof value === 'number') return integerReply(value);
  if (typeof value === 'string') return bulkReply(value);
  return arrayReply(value, protocol);
}

export function arrayReply(items: readonly Field[], protocol: 2 | 3): Buffer {
  return Buffer.concat([
    Buffer.from(`*${items.length}\r\n`),
    ...items.map((item) => encodeField(item, protocol)),
  ]);
}

/** A map under RESP3, a flat array of pairs under RESP2 (as HELLO replies). */
export function mapReply(pairs: readonly [string, Field][], protocol: 2 | 3): Buffer {
  const head = protocol === 3 ? `%${pairs.length}\r\n` : `*${pairs.length * 2}\r\n`;
  const parts: Buffer[] = [Buffer.from(head)];
  for (const [key, value] of pairs) parts.push(bulkReply(key), encodeField(value, protocol));
  return Buffer.concat(parts);
}

/** A pub/sub confirmation or notice: an array in RESP2, a push frame in RESP3. */
export function pushReply(items: readonly Field[], protocol: 2 | 3): Buffer {
  const out = arrayReply(items, protocol);
  if (protocol === 3) out[0] = 0x3e; // '>'
  return out;
}
