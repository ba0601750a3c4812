/**
 * The command as a metric label or span name. A label value becomes a time series, so it must
 * come from a bounded set: the command table's names, `PIPELINE` and `MULTI` for batches, and
 * `other` for every name the table does not know. `call('NOSUCHCMD2')` would otherwise mint a
 * series per caller-controlled string.
 */

import { getCommandSpec } from '../commands/table.js';
import type { CommandTraceContext } from './channels.js';

/** The label of every command name the command table does not know. */
export const OTHER_COMMAND = 'other';

/** `SET`, `CLIENT` (the container: subcommands are not labels), `PIPELINE`, `MULTI` or `other`. */
export function commandLabel(context: CommandTraceContext): string {
  if (context.batchSize !== undefined) return context.command;
  return getCommandSpec(context.command) === undefined ? OTHER_COMMAND : context.command;
}
