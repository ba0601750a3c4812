/**
 * MONITOR through the proxy: the client's lease becomes the feed. After MONITOR the server sends
 * a line for every command it runs, each a reply to nothing; the engine's connection hands every
 * frame to the command at the head of its queue, so the feed is such a command that writes no
 * bytes and queues itself again each time a line arrives. Lines are relayed as the server's
 * bytes. The lease is never lent again: a connection in monitor mode is destroyed on release.
 */
import type { PendingCommand } from '../connection/pending-command.js';
import type { Lease } from './upstream.js';

const NOTHING = Buffer.alloc(0);
const FEED_ARGS: readonly string[] = Object.freeze(['monitor-feed']);

export interface MonitorWatcher {
  /** One MONITOR line, as the server's bytes. */
  deliver(frame: Buffer): void;
  /** The feed's connection failed under it. */
  feedLost(error: Error): void;
}

export class MonitorFeed implements PendingCommand {
  readonly args = FEED_ARGS;
  readonly frame = NOTHING;
  readonly raw = true;
  readonly returnBuffers = false;
  readonly #lease: Lease;
  readonly #watcher: MonitorWatcher;
  #stopped = false;

  constructor(lease: Lease, watcher: MonitorWatcher) {
    this.#lease = lease;
    this.#watcher = watcher;
  }

  /** Never settles for good: every line is a new outcome, until `stop()`. */
  get settled(): boolean {
    return this.#stopped;
  }

  /** Queue behind the MONITOR request on the lease: the lines that follow come here. */
  start(): void {
    this.#lease.send(this);
  }

  reply(value: unknown): void {
    if (this.#stopped) return;
    // Queued again first, so a line in the same read already has its reader.
    this.#lease.send(this);
    this.#watcher.deliver(value as Buffer);
  }

  fail(error: Error): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#lease.destroy();
    this.#watcher.feedLost(error);
  }

  /** The client left or RESET: close the monitoring connection. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#lease.destroy();
  }
}
