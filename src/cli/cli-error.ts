/**
 * Failures the CLI expects and explains in one line: a missing prerequisite, an unreachable
 * server, a bad flag. Anything else reaching `main` is a bug and is printed with its stack.
 */

/** An expected failure: `main` prints `respool: <message>` and exits with `exitCode`. */
export class CliError extends Error {
  /** Process exit code. 1 for runtime failures; 2 is reserved for usage errors. */
  readonly exitCode: number;

  constructor(message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** The command line itself is wrong: `main` adds the relevant usage text and exits with 2. */
export class UsageError extends CliError {
  /** Usage text shown under the message (the subcommand's, or the global one when absent). */
  readonly usage: string | undefined;

  constructor(message: string, usage?: string) {
    super(message, { exitCode: 2 });
    this.usage = usage;
  }
}
