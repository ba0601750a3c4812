/**
 * The dial step of a client behind Sentinel: every connection the client opens (its
 * multiplexed one, its leases, its subscriber) comes from `open()`, which asks the sentinels
 * where to go, dials there, and checks with ROLE that the node is what it should be before the
 * client may use it. The client above is the ordinary one, with its budget, leases, pub/sub and
 * retry rules unchanged: only where it dials is dynamic.
 *
 * Following a failover (role 'primary'):
 *   a sentinel announces it is promoting a replica (+selected-slave, +failover-state-…)
 *     → the multiplexed connection to the old primary is retired (it answers what it was sent,
 *       takes nothing more), the others are destroyed, and new dials wait: nothing more is
 *       written to a primary that is about to be demoted, since what it acknowledges then is
 *       lost
 *   the promoted replica answers ROLE `master` (polled from +failover-state-wait-promotion),
 *   or +switch-master     → dials go to the new primary (ROLE checked); the wait ends
 *   -failover-abort-…     → the wait ends; the sentinels are asked again
 *   maxFailoverWaitMs     → the wait ends; the sentinels are asked again
 * A connection lost for any other reason makes the next dial ask the sentinels again.
 */

import { toConnectionOptions } from '../client/option-slices.js';
import { Connection, type ConnectionOptions } from '../connection/connection.js';
import { ClientClosedError, ConnectionClosedError, SentinelError } from '../errors.js';
import { backoffDelayMs } from '../util/backoff.js';
import { withSecret } from '../util/secret.js';
import type { ResolvedSentinelOptions } from './sentinel-options.js';
import { type NodeAddress, request, SentinelDirectory } from './sentinel-query.js';
import { SentinelWatch } from './sentinel-watch.js';

/** A change of the node the client talks to. */
export interface SwitchEvent {
  readonly from: NodeAddress | undefined;
  readonly to: NodeAddress;
  /**
   * What made the move: `+switch-master`; `promoted`, the replica Sentinel is promoting
   * answered ROLE as a primary (before Sentinel's own announcement); or `resync`, a change
   * found after a lost sentinel subscription.
   */
  readonly reason: string;
}

/** Sentinel events that say a promotion is under way for a master group. */
const FAILOVER_STARTED = new Set([
  // A sentinel starts a failover (forced by SENTINEL FAILOVER, or voted for after the primary
  // went down): the promotion follows two or three sentinel ticks later, margin for a loaded
  // client to stop writing in time. An aborted attempt ends the wait.
  '+try-failover',
  '+elected-leader',
  '+failover-state-select-slave',
  '+selected-slave',
  '+failover-state-send-slaveof-noone',
  '+failover-state-wait-promotion',
  '+promoted-slave',
  '+failover-state-reconf-slaves',
  '+failover-end',
]);
const MAX_ROLE_ATTEMPTS = 3;
/** Asking the sentinels again after a ROLE mismatch: 100 ms, then 200 ms (no jitter: one caller). */
const ROLE_RETRY_BACKOFF = { baseMs: 100, maxMs: 400, jitter: 'none' } as const;
const PROMOTION_POLL_MS = 20;

/** What the resolver needs of the client's multiplexer. */
export interface SharedConnection {
  readonly connection: Connection | null;
  retire(): void;
}

interface Hold {
  readonly promise: Promise<void>;
  readonly release: () => void;
  readonly timer: NodeJS.Timeout;
}

export class SentinelResolver {
  readonly #options: ResolvedSentinelOptions;
  readonly #directory: SentinelDirectory;
  readonly #watch: SentinelWatch;
  /** The node dials go to; undefined = ask the sentinels at the next dial. */
  #current: NodeAddress | undefined;
  /** The node last named (by discovery or a switch); kept across losses, for events. */
  #target: NodeAddress | undefined;
  #discovering: Promise<NodeAddress> | null = null;
  /** Bumped at every switch: a dial that started before it must not be used. */
  #generation = 0;
  #hold: Hold | undefined;
  /**
   * Set once the client followed a promotion before Sentinel announced it: the failover's
   * remaining steps (+promoted-slave, +failover-end, …) must not start another wait.
   */
  #followedEarly: NodeJS.Timeout | undefined;
  readonly #conns = new Set<Connection>();
  /** The client's multiplexed connection, retired (not destroyed) when a promotion begins. */
  #shared: SharedConnection | undefined;
  /** Retired connections still answering: the next dial waits for them (the budget). */
  readonly #retiring = new Set<Promise<void>>();
  readonly #switchListeners = new Set<(event: SwitchEvent) => void>();
  #closed = false;
  #watching = false;

  constructor(options: ResolvedSentinelOptions) {
    this.#options = options;
    this.#directory = new SentinelDirectory(options, (added) => {
      if (this.#watching && !this.#closed) this.#watch.start(added);
    });
    this.#watch = new SentinelWatch(
      options,
      (channel, message) => this.#onEvent(channel, message),
      () => void this.#resync(),
    );
  }

  /** The node the client is connected to (or will dial next), when known. */
  get address(): NodeAddress | undefined {
    return this.#target;
  }

  /** The client's multiplexer, whose connection a promotion retires gracefully. */
  attach(shared: SharedConnection): void {
    this.#shared = shared;
  }

  /** Called at each switch of node; returns a function that stops listening. */
  onSwitch(listener: (event: SwitchEvent) => void): () => void {
    this.#switchListeners.add(listener);
    return () => this.#switchListeners.delete(listener);
  }

  /** The client's ConnectionFactory: resolve, dial, check the role. */
  readonly open = async (base: ConnectionOptions): Promise<Connection> => {
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw new ClientClosedError('The sentinel client is closed');
      if (!this.#watching) {
        // Lazily, like the client's own connections: the first dial starts the subscriptions.
        this.#watching = true;
        this.#watch.start(this.#options.sentinels);
      }
      if (this.#hold !== undefined) await this.#hold.promise;
      if (this.#retiring.size > 0) await Promise.all(this.#retiring);
      const generation = this.#generation;
      const address = await this.#resolve();
      let conn: Connection;
      try {
        conn = await Connection.open(
          withAddress(base, address),
          this.#options.client.socketFactory,
        );
      } catch (error) {
        this.#forget(address);
        throw error;
      }
      try {
        await this.#checkRole(conn, address);
      } catch (error) {
        conn.destroy();
        this.#forget(address);
        if (!(error instanceof SentinelError) || attempt >= MAX_ROLE_ATTEMPTS) throw error;
        // The sentinels may not have caught up with a failover yet: ask again shortly.
        await new Promise((r) => setTimeout(r, backoffDelayMs(attempt, ROLE_RETRY_BACKOFF)));
        continue;
      }
      if (generation !== this.#generation || this.#hold !== undefined || this.#closed) {
        // A failover began or ended while this dial ran: it may lead to the old primary.
        conn.destroy();
        continue;
      }
      this.#track(conn, address);
      return conn;
    }
  };

  #resolve(): Promise<NodeAddress> {
    if (this.#current !== undefined) return Promise.resolve(this.#current);
    const generation = this.#generation;
    this.#discovering ??= (
      this.#options.role === 'primary' ? this.#directory.primary() : this.#directory.replica()
    )
      .then((address) => {
        // An answer given before a switch must not replace the switch's address; the caller
        // sees the generation change and asks again.
        if (generation === this.#generation) {
          this.#current = address;
          this.#target = address;
        }
        return address;
      })
      .finally(() => {
        this.#discovering = null;
      });
    return this.#discovering;
  }

  async #checkRole(conn: Connection, address: NodeAddress): Promise<void> {
    const reply = await request(conn, ['ROLE'], this.#options.sentinelTimeoutMs);
    const role = Array.isArray(reply) ? String(reply[0]) : String(reply);
    const want = this.#options.role === 'primary' ? 'master' : 'slave';
    if (role !== want) {
      throw new SentinelError(
        'ERR_SENTINEL_ROLE',
        `${address.host}:${address.port}, named by Sentinel for "${this.#options.name}", reports role ${role}, not ${want}`,
      );
    }
  }

  #track(conn: Connection, address: NodeAddress): void {
    this.#conns.add(conn);
    conn.once('close', (error) => {
      this.#conns.delete(conn);
      // Lost (not closed by us): the next dial asks the sentinels again.
      if (error !== undefined) this.#forget(address);
    });
  }

  #forget(address: NodeAddress): void {
    if (this.#current !== undefined && sameAddress(this.#current, address)) {
      this.#current = undefined;
    }
  }

  #onEvent(channel: string, message: string): void {
    if (this.#closed) return;
    const words = message.split(' ');
    if (channel === '+switch-master') {
      // <name> <old ip> <old port> <new ip> <new port>
      if (words[0] !== this.#options.name || words.length < 5) return;
      this.#endFollowedEarly();
      const to = { host: words[3] ?? '', port: Number(words[4]) };
      this.#switchTo(to, channel);
      return;
    }
    const at = words.indexOf('@');
    const group = at === -1 ? (words[0] === 'master' ? words[1] : undefined) : words[at + 1];
    if (group !== this.#options.name) return;
    if (FAILOVER_STARTED.has(channel)) {
      if (this.#options.role !== 'primary' || this.#followedEarly !== undefined) return;
      this.#startHold();
      // `slave <ip:port> <ip> <port> @ …`: SLAVEOF NO ONE has been sent to this replica.
      if (channel === '+failover-state-wait-promotion' || channel === '+promoted-slave') {
        void this.#watchPromotion({ host: words[2] ?? '', port: Number(words[3]) });
      }
    } else if (channel.startsWith('-failover-abort') || channel === '+failover-end-for-timeout') {
      this.#endFollowedEarly();
      this.#current = undefined;
      this.#endHold();
    }
  }

  /**
   * Stop using the primary: a replica is being promoted, and what the old primary
   * acknowledges from now on is lost when it is demoted.
   */
  #startHold(): void {
    if (this.#hold !== undefined) return;
    let release = (): void => undefined;
    const promise = new Promise<void>((resolve) => {
      release = resolve;
    });
    const timer = setTimeout(() => {
      this.#current = undefined;
      this.#endHold();
    }, this.#options.maxFailoverWaitMs);
    timer.unref();
    this.#hold = { promise, release, timer };
    this.#dropConnections('a sentinel is promoting a replica', true);
  }

  #endHold(): void {
    const hold = this.#hold;
    if (hold === undefined) return;
    this.#hold = undefined;
    clearTimeout(hold.timer);
    hold.release();
  }

  #switchTo(to: NodeAddress, reason: string): void {
    const from = this.#target;
    // Every sentinel announces the same switch, seconds apart: act on the first only.
    if (from !== undefined && sameAddress(from, to) && this.#options.role === 'primary') {
      this.#endHold();
      return;
    }
    // A replica client moves only when its replica is the one promoted.
    const affected =
      this.#options.role === 'primary' || (from !== undefined && sameAddress(from, to));
    if (affected) {
      this.#generation++;
      // For a replica client the promoted node is no longer a replica: pick another.
      this.#current = this.#options.role === 'primary' ? to : undefined;
      this.#target = this.#current;
      // Past the promotion, what the old node acknowledges is lost: nothing is let finish.
      this.#dropConnections(`the primary of "${this.#options.name}" moved`, false);
    }
    this.#endHold();
    if (affected && this.#options.role === 'primary') {
      for (const listener of this.#switchListeners) listener({ from, to, reason });
    }
  }

  /**
   * Sentinel confirms a promotion only at its next INFO poll of the replica (every second) and
   * announces `+switch-master` after that; asking the replica itself ends the wait as soon as
   * it is the primary.
   */
  async #watchPromotion(candidate: NodeAddress): Promise<void> {
    const hold = this.#hold;
    if (hold === undefined || !Number.isInteger(candidate.port)) return;
    const base = toConnectionOptions(this.#options.client);
    while (this.#hold === hold && !this.#closed) {
      let conn: Connection | undefined;
      try {
        conn = await Connection.open(
          withAddress(base, candidate),
          this.#options.client.socketFactory,
        );
        const reply = await request(conn, ['ROLE'], this.#options.sentinelTimeoutMs);
        if (Array.isArray(reply) && String(reply[0]) === 'master') {
          if (this.#hold !== hold) return;
          this.#followedEarly = setTimeout(
            () => this.#endFollowedEarly(),
            this.#options.maxFailoverWaitMs,
          );
          this.#followedEarly.unref();
          this.#switchTo(candidate, 'promoted');
          return;
        }
      } catch {
        // Not reachable or killing its clients mid-promotion: ask again.
      } finally {
        conn?.destroy();
      }
      await new Promise((r) => setTimeout(r, PROMOTION_POLL_MS));
    }
  }

  #endFollowedEarly(): void {
    clearTimeout(this.#followedEarly);
    this.#followedEarly = undefined;
  }

  /** After a lost subscription: a switch may have been missed, so ask the sentinels. */
  async #resync(): Promise<void> {
    if (this.#closed || this.#options.role !== 'primary' || this.#target === undefined) return;
    try {
      const address = await this.#directory.primary();
      if (this.#target !== undefined && !sameAddress(address, this.#target)) {
        this.#switchTo(address, 'resync');
      }
    } catch {
      // The next dial asks again.
    }
  }

  /**
   * Leave the current node. Before a promotion (`retireShared`) the multiplexed connection is
   * retired: it answers what it was sent (the old primary still replicates it; no caller gets
   * an error) and takes nothing more. The others (leases, the subscriber, idle ones) are
   * destroyed: their owners reconnect or fail.
   */
  #dropConnections(why: string, retireShared: boolean): void {
    const shared = retireShared ? this.#shared?.connection : undefined;
    const error = new ConnectionClosedError(`Connection dropped: ${why}`, false);
    for (const conn of [...this.#conns]) {
      if (conn === shared) {
        const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
        this.#retiring.add(closed);
        void closed.then(() => this.#retiring.delete(closed));
        this.#shared?.retire();
      } else conn.destroy(error);
    }
    this.#conns.clear();
  }

  close(): void {
    this.#closed = true;
    this.#endFollowedEarly();
    this.#watch.close();
    this.#endHold();
  }
}

function sameAddress(a: NodeAddress, b: NodeAddress): boolean {
  return a.host === b.host && a.port === b.port;
}

/** The client's connection options aimed at `address`; the password stays hidden. */
function withAddress(base: ConnectionOptions, address: NodeAddress): ConnectionOptions {
  return withSecret(base, 'password', { host: address.host, port: address.port });
}
