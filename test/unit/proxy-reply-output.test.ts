import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { type OutputOwner, ReplyOutput } from '../../src/proxy/reply-output.js';

/** The socket surface ReplyOutput uses, recording each write. */
class FakeSocket {
  readonly writes: string[] = [];
  writableLength = 0;
  destroyed = false;
  write(bytes: Buffer): boolean {
    this.writes.push(bytes.toString('latin1'));
    return true;
  }
  cork(): void {}
  uncork(): void {}
}

const owner = (): OutputOwner & { flushes: number } => ({
  closed: false,
  flushes: 0,
  overLimit() {},
  pause() {},
  flushed() {
    this.flushes++;
  },
});

const LIMITS = { maxClientOutputBytes: 1 << 30, clientOutputPauseBytes: 1 << 29 };

const output = (): { socket: FakeSocket; out: ReplyOutput } => {
  const socket = new FakeSocket();
  return { socket, out: new ReplyOutput(socket as unknown as net.Socket, owner(), LIMITS) };
};

const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

// The output's schedule depends on the last flush (module state): each case sets it up first.
describe('ReplyOutput', () => {
  it('writes the replies of one callback together, once', async () => {
    const { socket, out } = output();
    out.write(Buffer.from('+a\r\n'));
    out.write(Buffer.from('+b\r\n'));
    assert.deepEqual(socket.writes, []);
    await turn();
    assert.deepEqual(socket.writes, ['+a\r\n+b\r\n']);
  });

  it('after a flush to several clients, waits for the check phase (one write per turn)', async () => {
    const x = output();
    const y = output();
    x.out.write(Buffer.from('+x\r\n'));
    y.out.write(Buffer.from('+y\r\n'));
    await turn();
    // Two clients were written: the next replies wait for the turn, not the tick.
    x.out.write(Buffer.from('+x2\r\n'));
    await tick();
    assert.deepEqual(x.socket.writes, ['+x\r\n']);
    await turn();
    assert.deepEqual(x.socket.writes, ['+x\r\n', '+x2\r\n']);
  });

  it('after a flush to one client, writes at the end of the callback (before the check phase)', async () => {
    const { socket, out } = output();
    // The previous case ended on a flush to one client.
    out.write(Buffer.from('+1\r\n'));
    out.write(Buffer.from('+2\r\n'));
    assert.deepEqual(socket.writes, []);
    await tick();
    assert.deepEqual(socket.writes, ['+1\r\n+2\r\n']);
  });

  it('writes nothing for a client that closed before the flush', async () => {
    const { socket, out } = output();
    out.write(Buffer.from('+a\r\n'));
    socket.destroyed = true;
    await turn();
    assert.deepEqual(socket.writes, []);
    assert.equal(out.queued, false);
  });
});
