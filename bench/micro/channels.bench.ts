/**
 * What the diagnostics channels cost a command. The claim to back (src/metrics/channels.ts):
 * with nobody subscribed, a command pays one check and builds nothing. First the check alone,
 * against reading a plain field: `commandTraced()` (what the client calls: a function V8
 * inlines) and Node's own `TracingChannel#hasSubscribers` getter (the same answer, but a call
 * V8 does not inline; measured about 10x slower, which is why the client does not use it), each
 * with and without a subscriber. Then a whole command object and its promise (as in
 * command.bench.ts, answered at once) issued the way `RespoolClient._cmd` issues it: without the
 * check, with the check and nobody subscribed, and traced with one `asyncEnd` subscriber (what
 * the metrics helpers add).
 *
 * Every variant of the second group awaits its promise, so the traced one is charged for the
 * events it publishes after settlement and the others for the same await.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { bench, do_not_optimize, group, summary } from 'mitata';
import { type CommandPolicy, PromiseCommand } from '../../src/client/promise-command.js';
import { createCounters } from '../../src/client/stats.js';
import { CHANNELS, commandChannel, commandTraced } from '../../src/metrics/channels.js';
import { createClientScope } from '../../src/metrics/client-scope.js';
import { traceCommand } from '../../src/metrics/command-tracing.js';
import { sanitiseArgs } from '../../src/metrics/sanitise.js';
import type { RespArg } from '../../src/protocol/resp-types.js';

const ARGS: RespArg[] = ['SET', 'key:123', 'value'];
const ASYNC_END = `tracing:${CHANNELS.command}:asyncEnd`;
const scope = createClientScope({
  clientId: 'bench',
  db: 0,
  host: '127.0.0.1',
  port: 6379,
  path: undefined,
});
const policy: CommandPolicy = {
  returnBuffers: false,
  timeoutMs: 0,
  idempotent: false,
  signal: undefined,
};
const counters = createCounters();
const plain = { enabled: false };

function onEnd(message: unknown): void {
  do_not_optimize(message);
}

/** Yields `fn` with a subscriber in place; mitata runs the code after `yield` when done. */
function* withSubscriber<T>(fn: T): Generator<T, void, unknown> {
  diagnostics_channel.subscribe(ASYNC_END, onEnd);
  try {
    yield fn;
  } finally {
    diagnostics_channel.unsubscribe(ASYNC_END, onEnd);
  }
}

function checkBenches(): void {
  summary(() => {
    bench('plain object field (reference)', () => do_not_optimize(plain.enabled));
    bench('commandTraced(), nobody subscribed', () => do_not_optimize(commandTraced()));
    bench('commandTraced(), asyncEnd subscribed', function* () {
      yield* withSubscriber(() => do_not_optimize(commandTraced()));
    });
    bench('TracingChannel#hasSubscribers, nobody subscribed', () =>
      do_not_optimize(commandChannel.hasSubscribers),
    );
    bench('TracingChannel#hasSubscribers, asyncEnd subscribed', function* () {
      yield* withSubscriber(() => do_not_optimize(commandChannel.hasSubscribers));
    });
  });
}

/** The command as the client builds it, answered at once. */
function issue(): Promise<unknown> {
  const cmd = new PromiseCommand(ARGS, policy, undefined, counters, undefined);
  const promise = cmd.promise();
  cmd.reply('OK');
  do_not_optimize(cmd);
  return promise;
}

/** `RespoolClient._cmd`'s shape: the check, then traced or not. */
function issueChecked(): Promise<unknown> {
  if (commandTraced()) return traceCommand(scope, ARGS, issue);
  return issue();
}

function commandBenches(): void {
  summary(() => {
    bench('command + promise, no check', async () => {
      do_not_optimize(await issue());
    });
    bench('command + promise, check, nobody subscribed', async () => {
      do_not_optimize(await issueChecked());
    });
    bench('command + promise, traced, asyncEnd subscribed', function* () {
      yield* withSubscriber(async () => {
        do_not_optimize(await issueChecked());
      });
    });
  });
}

/** The part of a traced command's cost that is the redaction rule. */
function sanitiseBenches(): void {
  summary(() => {
    bench("sanitiseArgs(['SET', key, value])", () => do_not_optimize(sanitiseArgs(ARGS)));
    bench("sanitiseArgs(['AUTH', user, password])", () =>
      do_not_optimize(sanitiseArgs(['AUTH', 'user', 'password'])),
    );
  });
}

export function registerChannelBenches(): void {
  group('channels: the per-command check', checkBenches);
  group('channels: a command with tracing off and on', commandBenches);
  group('channels: sanitising the arguments of a traced command', sanitiseBenches);
}
