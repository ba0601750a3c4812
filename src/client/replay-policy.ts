/**
 * The one answer to "may this command be sent again after its connection was lost?". The
 * connection knows only facts (was the command written? what ended the connection?); the
 * multiplexer installs `replayDecision` on each connection it owns, and a `PromiseCommand` asks
 * `mayRunTwice` when the decision reaches a written command. Nothing else decides.
 *
 * The rules (docs/architecture.md, Write status):
 * - Unwritten: always sent again (no byte reached the server, so it cannot have run).
 * - Written, after a protocol violation: never (every caller must hear ERR_PROTOCOL).
 * - Written, otherwise: only a command that says it is `retryable()`: a `PromiseCommand` says
 *   so once, when `mayRunTwice` (the command table says read-only, or its view is marked
 *   `idempotent`). A `BasicCommand`, a batch entry or a relayed command never does.
 * - A MULTI…EXEC group runs again only as a whole: its members are sent again only if its MULTI
 *   is sent again too (`tornGroupMembers`).
 */
import { isReadOnly } from '../commands/classify.js';
import type { PendingCommand, ReplayDecision } from '../connection/pending-command.js';
import { ProtocolError } from '../errors.js';
import type { RespArg } from '../protocol/resp-types.js';

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
