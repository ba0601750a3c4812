/**
 * The proxy's hand-over of a lone request to its shared path (src/proxy/turn-batch.ts): sent at
 * once because the path is idle, against held for the turn (`setImmediate`, what every request
 * paid before). As in the proxy, the request is added from a socket's read callback: each
 * iteration writes one byte over loopback and, in the read callback, adds one request, and ends
 * when the path has it. Both rows pay the same socket round trip; their difference is what the
 * hand-over costs a lone client per request on the way in. The reply side (reply-output.ts)
 * makes the same choice, end of the callback (`process.nextTick`) or check phase: the last two
 * rows. On the 2-core bench machine (2026-12-06) the rows of each pair were within noise of each
 * other (15–16 µs at p75, the loopback round trip): the hop adds no latency of its own that this
 * can resolve. What the e2e bench shows (`npm run bench -- --proxy`, GET -c 1: mean 95 → 91 µs,
 * proxy CPU 62.7 → 60.7 µs per request) is the CPU of the check-phase entry into JS, paid on a
 * machine where the client, the proxy and the server share 2 cores.
 */
import net from 'node:net';
import { bench, group, summary } from 'mitata';
import type { PendingCommand } from '../../src/connection/pending-command.js';
import { type CongestionSink, TurnBatch } from '../../src/proxy/turn-batch.js';
import type { SharedPath } from '../../src/proxy/upstream.js';

class SignallingPath implements SharedPath {
  readonly idle: boolean;
  onSend: () => void = () => {};
  constructor(idle: boolean) {
    this.idle = idle;
  }
  send(_cmd: PendingCommand): boolean {
    this.onSend();
    return true;
  }
}

const OWNER: CongestionSink = { sharedCongested() {} };
const CMD = { args: ['get'], reply() {}, fail() {} } as unknown as PendingCommand;
const BYTE = Buffer.from('x');

/** A loopback pair: `sender` writes, `onRead` runs in the receiver's read callback. */
interface Pair {
  sender: net.Socket;
  onRead: () => void;
}

let pair: Promise<Pair> | undefined;

function loopback(): Promise<Pair> {
  pair ??= new Promise((resolve) => {
    const server = net.createServer({ noDelay: true }, (receiver) => {
      receiver.on('data', () => p.onRead());
    });
    const p: Pair = { sender: undefined as unknown as net.Socket, onRead: () => {} };
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      p.sender = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(p));
      // Neither may keep the process alive once the benchmarks are done.
      p.sender.unref();
      server.unref();
    });
  });
  return pair;
}

/** One byte over loopback; in the read callback, `work(done)`. */
async function fromReadCallback(work: (done: () => void) => void): Promise<void> {
  const p = await loopback();
  await new Promise<void>((resolve) => {
    p.onRead = () => work(resolve);
    p.sender.write(BYTE);
  });
}

function turnBatchBenches(): void {
  const batch = new TurnBatch();
  const idle = new SignallingPath(true);
  const busy = new SignallingPath(false);
  const handOver = (path: SignallingPath) => (done: () => void) => {
    path.onSend = done;
    batch.add(path, CMD, OWNER);
  };
  summary(() => {
    bench('idle path: sent at once', () => fromReadCallback(handOver(idle)));
    bench('held for the turn (setImmediate)', () => fromReadCallback(handOver(busy)));
  });
  summary(() => {
    bench('reply at the end of the callback (nextTick)', () =>
      fromReadCallback((done) => process.nextTick(done)),
    );
    bench('reply in the check phase (setImmediate)', () =>
      fromReadCallback((done) => setImmediate(done)),
    );
  });
}

export function registerTurnBatchBenches(): void {
  group('proxy: hand-over of a lone request, from a read callback', turnBatchBenches);
}
