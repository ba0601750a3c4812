/**
 * A RESP client over a raw socket for proxy tests: writes exact bytes (or commands) and reads
 * whole reply frames as the bytes received, so a test can compare a proxy's replies byte for
 * byte with the server's, and see exactly what a misbehaving client is told.
 */
import net from 'node:net';
import { encodeCommand } from '../../src/protocol/encoder.js';
import { FrameScanner } from '../../src/protocol/frame-scanner.js';

export class RawClient {
  readonly socket: net.Socket;
  #acc: Buffer = Buffer.alloc(0);
  #pos = 0;
  #waiter: (() => void) | undefined;
  #ended = false;
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#acc = Buffer.concat([this.#acc, chunk]);
      this.#waiter?.();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.#ended = true;
        this.#waiter?.();
        resolve();
      });
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number | string, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket =
        typeof port === 'string' ? net.connect(port) : net.connect({ port, host, noDelay: true });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  command(...args: (string | number | Buffer)[]): void {
    this.socket.write(encodeCommand(args));
  }

  /** Every byte received so far and not yet read as a frame. */
  get unread(): Buffer {
    return this.#acc.subarray(this.#pos);
  }

  /** Read `n` whole frames (raw bytes), failing after `timeoutMs`. */
  async frames(n: number, timeoutMs = 5_000): Promise<Buffer[]> {
    const out: Buffer[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < n) {
      const end = new FrameScanner().scan(this.#acc, this.#pos);
      if (end !== -1) {
        out.push(this.#acc.subarray(this.#pos, end));
        this.#pos = end;
        continue;
      }
      if (this.#ended) throw new Error(`connection closed after ${out.length} of ${n} frames`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${out.length} of ${n} frames`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
    return out;
  }

  async frame(timeoutMs?: number): Promise<string> {
    const [f] = await this.frames(1, timeoutMs);
    return f!.toString('latin1');
  }

  /** Send a command and read its reply as text. */
  async call(...args: (string | number | Buffer)[]): Promise<string> {
    this.command(...args);
    return this.frame();
  }

  close(): void {
    this.socket.destroy();
  }
}
