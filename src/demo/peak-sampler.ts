/**
 * Samples two connection counts every few milliseconds while a burst runs and keeps their peaks:
 * the server's (an async read) and the client's own (a synchronous getter). One read at a time:
 * when the event loop is saturated a slow `INFO` must not pile up behind itself.
 */

/** Peaks seen between `start` and `stop`. */
export interface Peaks {
  /** Highest value the server reader returned. */
  readonly server: number;
  /** Highest value the client getter returned. */
  readonly client: number;
  /** Server reads completed (a handful at least, or the peak means little). */
  readonly samples: number;
}

/** Polls a server count and a client count on an interval and keeps the highest of each. */
export class PeakSampler {
  readonly #readServer: () => Promise<number>;
  readonly #readClient: () => number;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;
  #server = 0;
  #client = 0;
  #samples = 0;
  #error: unknown;

  constructor(readServer: () => Promise<number>, readClient: () => number, intervalMs = 25) {
    this.#readServer = readServer;
    this.#readClient = readClient;
    this.#intervalMs = intervalMs;
  }

  /** Take a first sample now, then one per interval. */
  async start(): Promise<void> {
    await this.#sample();
    this.#timer = setInterval(() => {
      if (this.#inFlight === undefined) this.#inFlight = this.#sample();
    }, this.#intervalMs);
  }

  /**
   * Stop, take one last sample (the burst's end state counts too) and return the peaks.
   * @throws the first error a server read raised.
   */
  async stop(): Promise<Peaks> {
    clearInterval(this.#timer);
    await this.#inFlight;
    await this.#sample();
    if (this.#error !== undefined) throw this.#error;
    return { server: this.#server, client: this.#client, samples: this.#samples };
  }

  async #sample(): Promise<void> {
    this.#client = Math.max(this.#client, this.#readClient());
    try {
      this.#server = Math.max(this.#server, await this.#readServer());
      this.#samples++;
    } catch (error) {
      this.#error ??= error;
    } finally {
      this.#inFlight = undefined;
    }
  }
}
