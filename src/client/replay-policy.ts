/**
 * The one answer to "may this command be sent again?": after its connection was lost, and after
 * a reply that says the server did not run it. The connection knows only facts (was the command
 * written? what ended the connection?); the multiplexer installs `replayDecision` on each
 * connection it owns, and a `PromiseCommand` asks `mayRunTwice` when the decision reaches a
 * written command, and `transientRetryDelayMs` when a reply refuses it. Nothing else decides.
 *
 * The rules (docs/architecture.md, Write status):
 * - Unwritten: always sent again (no byte reached the server, so it cannot have run).
 * - Written, after a protocol violation: never (every caller must hear ERR_PROTOCOL).
 * - Written, otherwise: only a command that says it is `retryable()`: a `PromiseCommand` says
 *   so once, when `mayRunTwice` (the command table says read-only, or its view is marked
 *   `idempotent`). A `BasicCommand`, a batch entry or a relayed command never does.
 * - A MULTI…EXEC group runs again only as a whole: its members are sent again only if its MULTI
 *   is sent again too (`tornGroupMembers`).
 * - A LOADING, BUSY or MASTERDOWN reply: the server did not run it, so it is sent again after a
 *   backoff, whatever the command, while its deadline allows (`transientRetryDelayMs`). The
 *   cluster's own such replies (TRYAGAIN, CLUSTERDOWN) are its redirect handler's to recognise;
 *   their timing is decided here too.
 */
import { isReadOnly } from '../commands/classify.js';
import type { PendingCommand, ReplayDecision } from '../connection/pending-command.js';
import { ProtocolError, type ReplyError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';
import { backoffCapMs } from '../util/backoff.js';

/** A command that belongs to a MULTI…EXEC group; replayed only with its whole group. */
export interface GroupedCommand extends PendingCommand {
  readonly group?: { readonly head: PendingCommand };
}

/** Running it twice does no harm: read-only per the command table, or marked idempotent. */
export function mayRunTwice(args: readonly RespArg[], idempotent: boolean): boolean {
  return idempotent || isReadOnly(args);
}

/**
 * Asked by a dying connection (its `replay` hook) for each command it leaves unanswered: true
 * sends it back to the owner to run on the next connection, false fails it.
 */
export const replayDecision: ReplayDecision = (cmd, written, reason) => {
  if (!written) return true;
  if (reason instanceof ProtocolError) return false;
  return cmd.retryable?.() === true;
};

/**
 * The commands of `replay` that must fail instead: members of a MULTI…EXEC group whose MULTI
 * is not being replayed (it was written, so the server discarded the transaction with the
 * connection, and the rest cannot run on its own).
 */
export function tornGroupMembers(replay: readonly PendingCommand[]): Set<PendingCommand> {
  const torn = new Set<PendingCommand>();
  let replayed: Set<PendingCommand> | undefined;
  for (const cmd of replay as readonly GroupedCommand[]) {
    if (cmd.group === undefined) continue;
    replayed ??= new Set(replay);
    if (!replayed.has(cmd.group.head)) torn.add(cmd);
  }
  return torn;
}

/** Replies that mean "not run, try again shortly", whatever the command. */
const NOT_RUN = new Set(['LOADING', 'BUSY', 'MASTERDOWN']);
const TRANSIENT_BACKOFF = { baseMs: 10, maxMs: 500 } as const;
/** Time kept for the last attempt's round trip. */
const LAST_ATTEMPT_MARGIN_MS = 20;
/** Without a deadline, transient replies are retried for this long at most. */
export const TRANSIENT_BUDGET_MS = 30_000;

/** The server refused the command without running it (LOADING, BUSY, MASTERDOWN). */
export function isNotRun(error: ReplyError): boolean {
  return NOT_RUN.has(error.prefix);
}

/**
 * How long to wait before sending again a command the server did not run, after `attempts`
 * earlier retries, the first of them at `since`; undefined when its time is up (the caller then
 * gets the reply). `deadline` is the command's (0: none, then TRANSIENT_BUDGET_MS from `since`).
 * No jitter: the server said when (shortly), and these are one caller's retries, not a fleet's.
 */
export function transientRetryDelayMs(
  attempts: number,
  since: number,
  deadline: number,
  now: number,
): number | undefined {
  const limit = deadline > 0 ? deadline : since + TRANSIENT_BUDGET_MS;
  // The last wait is cut to what is left (less a round trip's margin), so the deadline is used
  // to the end rather than given up at the first backoff step that would overrun it.
  const left = limit - now - LAST_ATTEMPT_MARGIN_MS;
  if (left <= 0) return undefined;
  return Math.min(backoffCapMs(attempts + 1, TRANSIENT_BACKOFF), left);
}
