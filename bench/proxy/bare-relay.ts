/**
 * The floor the proxy is measured against: a bare relay with no features. One upstream socket;
 * requests and replies are found by frame scanning and moved as raw bytes; one upstream write
 * and one write per client per event-loop turn, with the proxy's two exceptions for a lone
 * client (src/proxy/turn-batch.ts, reply-output.ts): requests go at once when nothing is in
 * flight upstream, and replies at the end of their read callback when the last flush wrote to
 * one client. No limits, no auth, no state, RESP2 multibulk requests only, no error handling
 * beyond closing. Not for use: a measuring stick for the bench.
 *
 *   node --import tsx bench/proxy/bare-relay.ts <listen-port> <upstream-port>
 */
import net from 'node:net';

/** End of the RESP2 frame at `p`, or -1 when `b` ends first. */
function frameEnd(b: Buffer, p: number): number {
  const eol = b.indexOf(13, p);
  if (eol < 0 || eol + 1 >= b.length) return -1;
  const t = b[p];
  if (t === 0x2b || t === 0x2d || t === 0x3a) return eol + 2; // + - :
  let n = 0;
  for (let i = p + 1; i < eol; i++) n = b[i] === 0x2d ? -1 : n * 10 + b[i]! - 48;
  if (t === 0x24) return n < 0 ? eol + 2 : eol + 4 + n <= b.length ? eol + 4 + n : -1; // $
  let q = eol + 2; // * : n elements follow
  for (let i = 0; i < n && q >= 0; i++) q = q < b.length ? frameEnd(b, q) : -1;
  return q;
}

interface Client {
  sock: net.Socket;
  rest: Buffer | null;
  out: Buffer[];
}
const [listenPort, upstreamPort] = process.argv.slice(2).map(Number);
const up = net.connect({ host: '127.0.0.1', port: upstreamPort! });
up.setNoDelay(true);
const waiting: Client[] = []; // one entry per request in flight, in upstream order
let head = 0;
let upOut: Buffer[] = [];
let upRest: Buffer | null = null;
const dirty = new Set<Client>();
let flushing = false;
/** The last flush wrote to one client at most. */
let lone = true;
function flush(): void {
  flushing = false;
  if (upOut.length > 0) up.write(upOut.length === 1 ? upOut[0]! : Buffer.concat(upOut));
  upOut = [];
  for (const c of dirty) c.sock.write(c.out.length === 1 ? c.out[0]! : Buffer.concat(c.out));
  for (const c of dirty) c.out = [];
  lone = dirty.size <= 1;
  dirty.clear();
}
function later(soon: boolean): void {
  if (flushing) return;
  flushing = true;
  if (soon) process.nextTick(flush);
  else setImmediate(flush);
}
up.on('data', (chunk: Buffer) => {
  const b = upRest === null ? chunk : Buffer.concat([upRest, chunk]);
  let p = 0;
  for (let e = frameEnd(b, p); e > 0; p = e, e = p < b.length ? frameEnd(b, p) : -1) {
    const c = waiting[head++]!;
    c.out.push(b.subarray(p, e));
    dirty.add(c);
  }
  if (head > 4096 && head * 2 > waiting.length) {
    waiting.splice(0, head);
    head = 0;
  }
  upRest = p < b.length ? b.subarray(p) : null;
  later(lone);
});
net
  .createServer((sock) => {
    const c: Client = { sock, rest: null, out: [] };
    sock.setNoDelay(true);
    sock.on('data', (chunk: Buffer) => {
      const b = c.rest === null ? chunk : Buffer.concat([c.rest, chunk]);
      // Nothing in flight upstream and nothing queued: these requests go at the end of this read.
      const idle = head === waiting.length && upOut.length === 0;
      let p = 0;
      for (let e = frameEnd(b, p); e > 0; p = e, e = p < b.length ? frameEnd(b, p) : -1) {
        waiting.push(c);
      }
      if (p > 0) upOut.push(p === b.length ? b : b.subarray(0, p));
      c.rest = p < b.length ? b.subarray(p) : null;
      later(idle);
    });
    sock.on('error', () => sock.destroy());
  })
  .listen(listenPort, '127.0.0.1');
