/**
 * The shape of a `respool` subcommand. Each lives in its own file (`src/cli/<name>.ts`) and is
 * listed in `run-cli.ts`; `help` and the usage text are built from these fields.
 */

/** Where a command writes and what it may read from its environment. Injected for tests. */
export interface CliIo {
  /** Report output. A newline is added. */
  readonly out: (text: string) => void;
  /** Progress, warnings and errors. A newline is added. */
  readonly err: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface CliCommand {
  /** The word after `respool`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Full help: synopsis, options, environment. Shown by `respool help <name>` and on misuse. */
  readonly usage: string;
  /**
   * Run with the arguments after the command name and resolve with the exit code.
   * @throws CliError (or UsageError) for failures the user can act on; `node:util` parseArgs
   * errors are reported as usage errors by the caller.
   */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
