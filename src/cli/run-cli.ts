/**
 * The `respool` command line, minus the process: argument dispatch, help, and turning errors into
 * exit codes. `main.ts` wires it to `process`; tests can call `runCli` with their own `CliIo`.
 *
 * Exit codes: 0 success, 1 failure, 2 usage error. Expected failures (a CliError, or a respool
 * error such as an unreachable server) print one line; anything else is a bug and prints its
 * stack.
 *
 * Adding a subcommand (`doctor`): write `src/cli/<name>.ts` exporting a `CliCommand` and list it
 * in COMMANDS.
 */
import { parseArgs } from 'node:util';
import { isRespoolError } from '../errors.js';
import { formatTable } from '../util/format-table.js';
import { LIBRARY_VERSION } from '../version.js';
import { CliError, UsageError } from './cli-error.js';
import type { CliCommand, CliIo } from './command.js';
import { demoCommand } from './demo.js';
import { didYouMean } from './did-you-mean.js';
import { doctorCommand } from './doctor.js';
import { proxyCommand } from './proxy.js';

const COMMANDS: readonly CliCommand[] = [demoCommand, doctorCommand, proxyCommand];

/** Run `respool <args…>` and resolve with the process exit code. Never rejects. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  let command: CliCommand | undefined;
  try {
    // Global flags come before the subcommand; everything after it belongs to the subcommand.
    const at = args.findIndex((arg) => !arg.startsWith('-'));
    const globalArgs = at === -1 ? [...args] : args.slice(0, at);
    const { values } = parseArgs({
      args: globalArgs,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.version === true) {
      io.out(LIBRARY_VERSION);
      return 0;
    }
    if (values.help === true) {
      io.out(globalUsage());
      return 0;
    }
    const name = at === -1 ? undefined : args[at];
    const rest = at === -1 ? [] : args.slice(at + 1);
    if (name === undefined) throw new UsageError('no command given');
    if (name === 'help') return help(rest, io);
    command = COMMANDS.find((c) => c.name === name);
    if (command === undefined) {
      const near = didYouMean(
        name,
        COMMANDS.map((c) => c.name),
      );
      throw new UsageError(
        `unknown command ${JSON.stringify(name)}${near === undefined ? '' : `; did you mean "${near}"?`}`,
      );
    }
    return await command.run(rest, io);
  } catch (error) {
    return report(error, command, io);
  }
}

function help(rest: readonly string[], io: CliIo): number {
  const topic = rest[0];
  if (topic === undefined) {
    io.out(globalUsage());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === topic);
  if (command === undefined)
    throw new UsageError(`no help for unknown command ${JSON.stringify(topic)}`);
  io.out(command.usage);
  return 0;
}

function globalUsage(): string {
  const rows = [...COMMANDS.map((c) => [c.name, c.summary]), ['help', 'show help for a command']];
  return [
    `respool ${LIBRARY_VERSION}: a Redis connection layer that keeps connections few and bounded`,
    '',
    'Usage: respool <command> [options]',
    '',
    'Commands:',
    formatTable(rows, { indent: '  ', align: ['left', 'left'] }),
    '',
    'Options:',
    formatTable(
      [
        ['-h, --help', 'show this help'],
        ['-v, --version', 'print the version'],
      ],
      { indent: '  ', align: ['left', 'left'] },
    ),
    '',
    'Run "respool help <command>" for its options.',
  ].join('\n');
}

function report(error: unknown, command: CliCommand | undefined, io: CliIo): number {
  if (isParseArgsError(error)) {
    return report(new UsageError(parseArgsMessage(error, command), command?.usage), command, io);
  }
  if (error instanceof UsageError) {
    // The one line that matters and where the rest is: the whole usage text would bury it.
    io.err(`respool: ${error.message}`);
    io.err(
      command === undefined
        ? 'Run "respool --help" for the commands.'
        : `Run "respool help ${command.name}" for its options.`,
    );
    return error.exitCode;
  }
  if (error instanceof CliError) {
    io.err(`respool: ${error.message}`);
    return error.exitCode;
  }
  if (isRespoolError(error)) {
    io.err(`respool: ${error.message} (${error.code})`);
    return 1;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.err(`respool: unexpected error; this is a bug, please report it:\n${detail}`);
  return 1;
}

/**
 * parseArgs's message, shortened to what was wrong, with the closest known flag for an unknown
 * one (the flags are those the command's usage text names).
 */
function parseArgsMessage(error: Error, command: CliCommand | undefined): string {
  const unknown = /Unknown option '([^']+)'/.exec(error.message)?.[1];
  if (unknown === undefined) return error.message.split('. ')[0] ?? error.message;
  const known = [
    ...new Set((command?.usage ?? globalUsage()).match(/--[a-z][a-z-]*|(?<=\s)-[a-z]\b/g) ?? []),
  ];
  const near = didYouMean(unknown, known);
  return `unknown option ${unknown}${near === undefined ? '' : `; did you mean ${near}?`}`;
}

/** parseArgs reports bad flags with a TypeError carrying an `ERR_PARSE_ARGS_*` code. */
function isParseArgsError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
