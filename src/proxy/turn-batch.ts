/**
 * Requests of every client, handed to the shared paths once per event-loop turn, or at once when
 * the path is idle.
 *
 * Why not send at once: the engine's connection flushes on `process.nextTick`, which joins every
 * command sent within one macrotask (one caller's promise chain, one upstream read). A proxy's
 * requests arrive as one socket read per client, and Node drains the nextTick queue after each
 * of those callbacks, so sending at once meant one upstream write (one syscall, one server read)
 * per client read: at `-c 50` that was as many upstream writes as requests. Holding them until
 * `setImmediate` (the check phase, right after libuv's poll phase has delivered every read that
 * was ready) puts all of them into the connection within one callback, so the next tick writes
 * them as one batch.
 *
 * Why a request still goes at once when its path is idle (nothing in flight, nothing queued
 * here), Nagle's rule turned round: with nothing outstanding there is nothing to join, and
 * holding the request until the check phase cost a lone client a second trip into JS per request
 * (libuv's check phase, `processImmediate`) before its bytes left: 3 to 10 µs of a ~90 µs round
 * trip through the proxy on the bench machine (`npm run bench -- --proxy`, GET -c 1). Under load
 * the path is rarely idle (the other clients' requests are in flight), so the batching above is
 * kept: at most the first request of a turn goes alone. The batch must be empty too, or a request
 * sent at once would overtake one of the same client queued earlier in this turn.
 *
 * Entries live in three parallel arrays reused from turn to turn: no object per request.
 */
import type { PendingCommand } from '../connection/pending-command.js';
import type { SharedPath } from './upstream.js';

/** Told when its request met a congested path (stop reading until the upstream drains). */
export interface CongestionSink {
  sharedCongested(): void;
}

export class TurnBatch {
  #paths: SharedPath[] = [];
  #commands: PendingCommand[] = [];
  #owners: CongestionSink[] = [];
  #length = 0;
  #scheduled = false;

  /** Requests waiting for this turn's hand-over. */
  get length(): number {
    return this.#length;
  }

  /**
   * Send `cmd` on `path` now when the path is idle and nothing waits here; else queue it for
   * this turn's hand-over. Requests of one owner keep their order either way.
   */
  add(path: SharedPath, cmd: PendingCommand, owner: CongestionSink): void {
    if (this.#length === 0 && path.idle) {
      send(path, cmd, owner);
      return;
    }
    const i = this.#length++;
    this.#paths[i] = path;
    this.#commands[i] = cmd;
    this.#owners[i] = owner;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** Hand every queued request to its path now (also what the scheduled turn does). */
  readonly #flush = (): void => {
    const paths = this.#paths;
    const commands = this.#commands;
    const owners = this.#owners;
    // A send may answer synchronously (a closed path fails its command), and that answer may
    // queue more requests: they are appended and handed over in this same pass.
    for (let i = 0; i < this.#length; i++) {
      const cmd = commands[i]!;
      const owner = owners[i]!;
      const path = paths[i]!;
      // Drop the references at once: a long batch must not keep old frames alive.
      paths[i] = undefined as unknown as SharedPath;
      commands[i] = undefined as unknown as PendingCommand;
      owners[i] = undefined as unknown as CongestionSink;
      send(path, cmd, owner);
    }
    this.#length = 0;
    this.#scheduled = false;
    // One huge turn (a burst of 100k requests) should not keep its arrays that size forever.
    if (paths.length > 65536) {
      this.#paths = [];
      this.#commands = [];
      this.#owners = [];
    }
  };
}

/** One request onto its path; a congested path stops its owner's reading. */
function send(path: SharedPath, cmd: PendingCommand, owner: CongestionSink): void {
  let more: boolean;
  try {
    more = path.send(cmd);
  } catch (error) {
    cmd.fail(error as Error);
    return;
  }
  if (!more) owner.sharedCongested();
}
