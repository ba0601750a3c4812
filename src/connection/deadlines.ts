/**
 * The deadline scan of one connection's in-flight queue, as a pure function over the queue. The
 * connection is one entry of the one deadline structure (util/deadlines.ts), due at its earliest
 * deadline; this runs when it comes due.
 *
 * Expired commands are failed (which settles them: the command owns that) but stay in the queue: replies arrive in order,
 * so an entry must remain to absorb its reply when it comes. A command still in the write
 * buffer (waiting for drain) is failed with `written: true` too: its bytes cannot be taken back
 * and will go out, so it may run.
 */
import { CommandTimeoutError } from '../errors.js';
import { DUE_SLACK_MS } from '../util/deadlines.js';
import type { RingQueue } from '../util/ring-queue.js';
import type { PendingCommand } from './pending-command.js';

export interface DeadlineScan {
  /** The earliest deadline still pending (Infinity: none). */
  readonly next: number;
  /**
   * Set when a flushed command expired while nothing was read for at least half its wait: the
   * peer is stalled or dead. Half, not all: a reply to an earlier command can land just after
   * this one was sent without proving the peer alive now.
   */
  readonly stalledMs: number | undefined;
}

export function expireDeadlines(
  queue: RingQueue<PendingCommand>,
  unflushed: number,
  now: number,
  lastReadAt: number,
  endpoint: string,
): DeadlineScan {
  const flushedCount = queue.length - unflushed;
  let next = Number.POSITIVE_INFINITY;
  let stalledMs: number | undefined;
  for (let i = 0; i < queue.length; i++) {
    const cmd = queue.at(i)!;
    const deadline = cmd.deadline ?? 0;
    if (deadline <= 0 || cmd.settled) continue;
    // The same slack as the structure that called this: what it found due is due here too.
    if (deadline > now + DUE_SLACK_MS) {
      if (deadline < next) next = deadline;
      continue;
    }
    const flushed = i < flushedCount;
    const waited = cmd.timeoutMs ?? 0;
    cmd.fail(
      new CommandTimeoutError(
        `${String(cmd.args[0])} got no reply from ${endpoint} within ${waited} ms${flushed ? '; it may have run' : '; it was still queued for writing and may yet run'}`,
        true,
      ),
    );
    if (flushed && now - lastReadAt >= waited / 2) stalledMs = waited;
  }
  return { next, stalledMs };
}
