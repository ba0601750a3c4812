/**
 * Watches the server's connection count while a client runs, to report how many connections each
 * client really opens (a pool that quietly opens one per caller shows here, not in ops/s).
 *
 * One long-lived raw socket sends `INFO clients` every `intervalMs` and reads
 * `connected_clients`; the monitor's own connection is subtracted. It speaks RESP itself, so it
 * depends on none of the clients under test, and it opens no connection per poll (which would
 * churn the very count it measures).
 */
import { connect, type Socket } from 'node:net';

const DEFAULT_INTERVAL_MS = 50;

export class ConnectionMonitor {
  readonly #socket: Socket;
  readonly #intervalMs: number;
  #buffered = '';
  #waiters: ((count: number) => void)[] = [];
  #inFlight = false;
  #timer: NodeJS.Timeout | undefined;
  #peak = 0;
  #samples = 0;

  private constructor(socket: Socket, intervalMs: number) {
    this.#socket = socket;
    this.#intervalMs = intervalMs;
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => this.#onData(text));
  }

  /** Connects the monitor's own socket to the server at `url`. */
  static open(url: string, intervalMs = DEFAULT_INTERVAL_MS): Promise<ConnectionMonitor> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        // Visible in CLIENT LIST, so nobody mistakes it for the client under test.
        socket.write('*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$13\r\nbench-monitor\r\n');
        resolve(new ConnectionMonitor(socket, intervalMs));
      });
    });
  }

  /** Connections other than the monitor's, right now. */
  count(): Promise<number> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#socket.write('*2\r\n$4\r\nINFO\r\n$7\r\nclients\r\n');
    });
  }

  /** Polls until no connection but the monitor's is left, or `timeoutMs` passes; returns the count. */
  async waitForIdle(timeoutMs = 5_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await this.count();
      if (n === 0 || Date.now() >= deadline) return n;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Starts sampling from zero. */
  start(): void {
    this.stop();
    this.#peak = 0;
    this.#samples = 0;
    this.#timer = setInterval(() => this.#poll(), this.#intervalMs);
    this.#poll();
  }

  /** Stops sampling and returns the peak seen since `start()`, and how many samples it took. */
  stop(): { peak: number; samples: number } {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    return { peak: this.#peak, samples: this.#samples };
  }

  close(): void {
    this.stop();
    this.#socket.destroy();
  }

  #poll(): void {
    // A loaded event loop can run the interval late and back to back; one probe at a time.
    if (this.#inFlight) return;
    this.#inFlight = true;
    void this.count().then((n) => {
      this.#inFlight = false;
      if (this.#timer === undefined) return;
      this.#samples++;
      if (n > this.#peak) this.#peak = n;
    });
  }

  #onData(text: string): void {
    this.#buffered += text;
    // Replies: +OK to SETNAME, then one blob per INFO. Blob bodies are ASCII, so the byte length
    // in the header equals the string length here (latin1).
    for (;;) {
      const lineEnd = this.#buffered.indexOf('\r\n');
      if (lineEnd === -1) return;
      const type = this.#buffered[0];
      if (type === '+' || type === '-') {
        this.#buffered = this.#buffered.slice(lineEnd + 2);
        continue;
      }
      const length = Number(this.#buffered.slice(1, lineEnd));
      const bodyEnd = lineEnd + 2 + length;
      if (this.#buffered.length < bodyEnd + 2) return;
      const body = this.#buffered.slice(lineEnd + 2, bodyEnd);
      this.#buffered = this.#buffered.slice(bodyEnd + 2);
      const match = /connected_clients:(\d+)/.exec(body);
      const connected = match === null ? Number.NaN : Number(match[1]);
      this.#waiters.shift()?.(connected - 1);
    }
  }
}
