/**
 * The baseline of the project's performance notes (shared/docs/performance.md): what a Node process can push through one socket with no
 * features at all. One `net` socket, every command of a loop turn concatenated into one string
 * and written once (flushed by `setImmediate`), a minimal reply scanner, one promise per command.
 *
 * It exists to show the floor of per-command CPU in this process, so it is deliberately naive
 * where that costs nothing for this workload: arguments are assumed ASCII (lengths are
 * `string.length`), only the reply types SET/GET produce are understood, and there are no
 * timeouts, reconnects, back-pressure or stats. Never use it for anything but this benchmark.
 */
import { connect, type Socket } from 'node:net';
import type { BenchClient, ClientAdapter } from './client-adapter.js';

type Settle = (value: unknown) => void;

class BareClient implements BenchClient {
  readonly #socket: Socket;
  #out = '';
  #flushScheduled = false;
  // Resolvers of commands awaiting replies, oldest at #head. Compacted now and then instead of
  // Array.shift on every reply.
  #pending: Settle[] = [];
  #head = 0;
  #rest: Buffer | null = null;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  set(key: string, value: string): Promise<unknown> {
    return this.#send(
      `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`,
    );
  }

  get(key: string): Promise<unknown> {
    return this.#send(`*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#socket.once('close', () => resolve());
      this.#socket.end();
    });
  }

  #send(encoded: string): Promise<unknown> {
    this.#out += encoded;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
    return new Promise((resolve) => {
      this.#pending.push(resolve);
    });
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const out = this.#out;
    this.#out = '';
    this.#socket.write(out);
  };

  #onData(chunk: Buffer): void {
    let buf = chunk;
    if (this.#rest !== null) {
      buf = Buffer.concat([this.#rest, chunk]);
      this.#rest = null;
    }
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      const lineEnd = buf.indexOf(0x0d, pos);
      if (lineEnd === -1 || lineEnd + 1 >= end) break;
      const type = buf[pos];
      let value: unknown;
      let next = lineEnd + 2;
      if (type === 0x24) {
        // '$': blob string (or -1 for a missing key).
        let len = 0;
        let neg = false;
        for (let i = pos + 1; i < lineEnd; i++) {
          const c = buf[i]!;
          if (c === 0x2d) neg = true;
          else len = len * 10 + (c - 0x30);
        }
        if (neg) {
          value = null;
        } else {
          if (next + len + 2 > end) break;
          value = buf.toString('utf8', next, next + len);
          next += len + 2;
        }
      } else if (type === 0x2d) {
        value = new Error(buf.toString('utf8', pos + 1, lineEnd));
      } else {
        // '+' simple string, ':' integer: the text is all this workload ever needs.
        value = buf.toString('utf8', pos + 1, lineEnd);
      }
      pos = next;
      this.#settle(value);
    }
    if (pos < end) this.#rest = buf.subarray(pos);
  }

  #settle(value: unknown): void {
    const settle = this.#pending[this.#head++];
    if (settle === undefined) throw new Error('bare client: reply without a command');
    if (this.#head >= 1024 && this.#head * 2 >= this.#pending.length) {
      this.#pending = this.#pending.slice(this.#head);
      this.#head = 0;
    }
    // An error reply resolves with the Error: the workload's reply check counts it as wrong.
    settle(value);
  }
}

function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

export const bareAdapter: ClientAdapter = {
  name: 'bare',
  description:
    'baseline: one net socket, one write per loop turn (setImmediate), RESP2, no features',
  async connect(url) {
    return new BareClient(await open(url));
  },
};
