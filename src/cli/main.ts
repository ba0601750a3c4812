#!/usr/bin/env node
/**
 * The `respool` executable (package.json `bin`). Wires `runCli` to the process: arguments,
 * stdout/stderr, environment, signals and the exit code.
 *
 * Ctrl-C exits at once with 128 + signal number; a private redis-server started by the demo is
 * killed by its own `exit` hook, so nothing outlives the CLI.
 */
import { runCli } from './run-cli.js';

const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

// `respool proxy` handles its own signals: SIGTERM drains instead of exiting at once.
const ownSignals = process.argv[2] === 'proxy';
for (const [signal, code] of ownSignals ? [] : Object.entries(SIGNAL_EXIT_CODES)) {
  process.once(signal, () => {
    process.stderr.write(`\nrespool: interrupted (${signal})\n`);
    process.exit(code);
  });
}

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  env: process.env,
});
// exitCode, not exit(): the process ends when its work is done, so a leaked socket or timer
// would show up as a CLI that does not return instead of being hidden.
process.exitCode = code;
