/**
 * Publishing one command (or one batch) on the `respool:command` tracing channel.
 *
 * Callers check `commandTraced()` first and call these only when it is true, so
 * the context object, the sanitised arguments and the extra promise exist only while someone
 * listens. The events follow Node's TracingChannel protocol for promises: `start`, then `end`
 * once the command is handed on (synchronously), then on settlement `error` (failures only),
 * `asyncStart` and `asyncEnd`. The Promise returned to the caller settles after `asyncEnd`.
 */
import type { RespArg } from '../protocol/resp-types.js';
import { type CommandTraceContext, commandChannel } from './channels.js';
import type { ClientScope } from './client-scope.js';
import { commandName, sanitiseArgs } from './sanitise.js';

/** Trace one command: `run` sends it and returns its Promise. */
export function traceCommand<T>(
  scope: ClientScope,
  args: readonly RespArg[],
  run: () => Promise<T>,
): Promise<T> {
  return trace(
    {
      clientId: scope.clientId,
      command: commandName(args),
      args: sanitiseArgs(args),
      database: scope.database,
      serverAddress: scope.serverAddress,
      serverPort: scope.serverPort,
      batchSize: undefined,
      startedAt: performance.now(),
    },
    run,
  );
}

/** Trace a `pipeline()` or `multi()` as one operation of `size` commands. */
export function traceBatch<T>(
  scope: ClientScope,
  command: 'PIPELINE' | 'MULTI',
  size: number,
  run: () => Promise<T>,
): Promise<T> {
  return trace(
    {
      clientId: scope.clientId,
      command,
      args: [],
      database: scope.database,
      serverAddress: scope.serverAddress,
      serverPort: scope.serverPort,
      batchSize: size,
      startedAt: performance.now(),
    },
    run,
  );
}

function trace<T>(context: CommandTraceContext, run: () => Promise<T>): Promise<T> {
  const { start, end, asyncStart, asyncEnd, error } = commandChannel;
  const settled = (): void => {
    asyncStart.publish(context);
    asyncEnd.publish(context);
  };
  // runStores: an AsyncLocalStorage bound to `start` (an APM's active span, say) is entered for
  // the send, so the store is current wherever the command's continuation runs.
  return start.runStores(context, () => {
    try {
      return run().then(
        (value) => {
          settled();
          return value;
        },
        (reason: unknown) => {
          context.error = reason;
          error.publish(context);
          settled();
          throw reason;
        },
      );
    } catch (thrown) {
      context.error = thrown;
      error.publish(context);
      throw thrown;
    } finally {
      end.publish(context);
    }
  });
}
