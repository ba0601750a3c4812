/**
 * Watches the servers' connection counts while a client runs, to report how many connections
 * each client really opens (a pool that quietly opens one per caller shows here, not in ops/s).
 *
 * One long-lived raw socket per server sends `INFO clients replication` every `intervalMs` and
 * reads `connected_clients`; the monitor's own connection, and a replica's link to its primary,
 * are subtracted. It speaks RESP itself, so it
 * depends on none of the clients under test, and it opens no connection per poll (which would
 * churn the very count it measures).
 *
 * With several servers (the nodes of a cluster) every poll asks all of them at once and adds the
 * answers up, so the peak is the most connections the client held across the whole cluster at
 * one moment, not a sum of per-node peaks that may never have coincided.
 */
import { connect, type Socket } from 'node:net';

const DEFAULT_INTERVAL_MS = 50;

/** What `stop()` reports about the sampling since `start()`. */
export interface ConnectionPeak {
  /** Most connections seen at once, summed over every watched server. */
  readonly peak: number;
  readonly samples: number;
  /** The per-server counts of the sample that set the peak, in the order the URLs were given. */
  readonly peakByServer: readonly number[];
}

export class ConnectionMonitor {
  readonly #probes: readonly ServerProbe[];
  readonly #intervalMs: number;
  #inFlight = false;
  #timer: NodeJS.Timeout | undefined;
  #peak = 0;
  #peakByServer: readonly number[] = [];
  #samples = 0;

  private constructor(probes: readonly ServerProbe[], intervalMs: number) {
    this.#probes = probes;
    this.#intervalMs = intervalMs;
  }

  /** Connects one socket of the monitor's own to each server in `urls`. */
  static async open(
    urls: readonly string[],
    intervalMs = DEFAULT_INTERVAL_MS,
  ): Promise<ConnectionMonitor> {
    const opened = await Promise.allSettled(urls.map((url) => ServerProbe.open(url)));
    const probes = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = opened.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      // Half a monitor would under-count; give back what did connect and fail the run.
      for (const p of probes) p.close();
      throw failed.reason;
    }
    return new ConnectionMonitor(probes, intervalMs);
  }

  /** How many servers are watched. */
  get servers(): number {
    return this.#probes.length;
  }

  /** Connections other than the monitor's, per server, right now. */
  countByServer(): Promise<number[]> {
    return Promise.all(this.#probes.map((p) => p.count()));
  }

  /** Connections other than the monitor's, summed over the servers, right now. */
  async count(): Promise<number> {
    return sum(await this.countByServer());
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
    this.#peakByServer = this.#probes.map(() => 0);
    this.#samples = 0;
    this.#timer = setInterval(() => this.#poll(), this.#intervalMs);
    this.#poll();
  }

  /** Stops sampling and returns the peak seen since `start()`, and how many samples it took. */
  stop(): ConnectionPeak {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    return { peak: this.#peak, samples: this.#samples, peakByServer: this.#peakByServer };
  }

  close(): void {
    this.stop();
    for (const p of this.#probes) p.close();
  }

  #poll(): void {
    // A loaded event loop can run the interval late and back to back; one probe at a time.
    if (this.#inFlight) return;
    this.#inFlight = true;
    void this.countByServer().then((counts) => {
      this.#inFlight = false;
      if (this.#timer === undefined) return;
      this.#samples++;
      const n = sum(counts);
      if (n > this.#peak) {
        this.#peak = n;
        this.#peakByServer = counts;
      }
    });
  }
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** One server: a raw socket that answers "how many clients besides me?". */
class ServerProbe {
  readonly #socket: Socket;
  #buffered = '';
  #waiters: ((count: number) => void)[] = [];

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => this.#onData(text));
  }

  static open(url: string): Promise<ServerProbe> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        // Visible in CLIENT LIST, so nobody mistakes it for the client under test.
        socket.write('*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$13\r\nbench-monitor\r\n');
        resolve(new ServerProbe(socket));
      });
    });
  }

  count(): Promise<number> {
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#socket.write('*3\r\n$4\r\nINFO\r\n$7\r\nclients\r\n$11\r\nreplication\r\n');
    });
  }

  close(): void {
    this.#socket.destroy();
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
      // A primary leaves its replicas' links out of connected_clients, but a replica counts its
      // link to the primary: without this a cluster would never look idle.
      const primaryLink = /role:slave/.test(body) && /master_link_status:up/.test(body) ? 1 : 0;
      this.#waiters.shift()?.(connected - 1 - primaryLink);
    }
  }
}
