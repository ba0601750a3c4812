/**
 * OpenTelemetry spans for respool commands: one CLIENT span per command, `pipeline()` or
 * `multi()`, built from the `respool:command` tracing channel, with the attributes of the
 * OpenTelemetry semantic conventions for database client spans (stable since v1.33):
 *
 *   db.system.name            'redis'
 *   db.operation.name         the command (`GET`, `CLIENT LIST`…), or `PIPELINE` / `MULTI`
 *   db.namespace              the database index, as a string
 *   server.address, server.port
 *   db.operation.batch.size   for a pipeline or transaction of 2 commands or more
 *   db.query.text             only with `queryText: true`: the sanitised arguments (keys kept,
 *                             values `?`, never credentials)
 *   error.type                on failure: the error's `code` (`ERR_COMMAND_TIMEOUT`, …) or the
 *                             server error's prefix (`WRONGTYPE`, …); span status ERROR
 *
 * The span's parent is the context active where the command was called: the channel's `start`
 * runs inside the caller's turn, and `tracer.startSpan` reads the active context there.
 * `@opentelemetry/api` is an optional peer dependency, loaded only when no `tracer` is passed.
 */
import diagnostics_channel from 'node:diagnostics_channel';
import { getCommandSpec } from '../commands/table.js';
import { isRespoolError, ReplyError } from '../errors.js';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../version.js';
import { CHANNELS, type CommandTraceContext } from './channels.js';
import { commandLabel } from './command-label.js';
import { importOptional } from './optional-import.js';

/** The part of an OpenTelemetry `Span` this bridge uses. */
export interface OtelSpan {
  setAttribute(key: string, value: string | number): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` this bridge uses. */
export interface OtelTracer {
  startSpan(
    name: string,
    options?: { kind?: number; attributes?: Record<string, string | number> },
  ): OtelSpan;
}

export interface OtelTracerProvider {
  getTracer(name: string, version?: string): OtelTracer;
}

export interface OpenTelemetryTracingOptions {
  /** Start spans on this tracer. Wins over `tracerProvider`. */
  readonly tracer?: OtelTracer;
  /** Get the tracer from this provider; without either, the global provider of `@opentelemetry/api`. */
  readonly tracerProvider?: OtelTracerProvider;
  /** Only trace the commands of these clients (`client.clientId`); default: every client. */
  readonly clientIds?: readonly string[];
  /** Add `db.query.text` (sanitised: keys kept, values `?`). @default false */
  readonly queryText?: boolean;
}

export interface TracingHandle {
  /** Stop creating spans. Idempotent. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** SpanKind.CLIENT and SpanStatusCode.ERROR of @opentelemetry/api, as numbers (stable since 1.0). */
const SPAN_KIND_CLIENT = 2;
const STATUS_ERROR = 2;

const PREFIX = `tracing:${CHANNELS.command}`;

/**
 * Create a span for every respool command from now on (see the module comment).
 * @throws MissingDependencyError when neither `tracer` nor `tracerProvider` is given and
 *   `@opentelemetry/api` is not installed.
 */
export async function instrumentOpenTelemetryTracing(
  options: OpenTelemetryTracingOptions = {},
): Promise<TracingHandle> {
  const tracer =
    options.tracer ?? (await tracerProvider(options)).getTracer(LIBRARY_NAME, LIBRARY_VERSION);
  const only = options.clientIds === undefined ? undefined : new Set(options.clientIds);
  const queryText = options.queryText === true;
  const spans = new WeakMap<CommandTraceContext, OtelSpan>();

  const onStart = (message: unknown): void => {
    const context = message as CommandTraceContext;
    if (only !== undefined && !only.has(context.clientId)) return;
    const attributes: Record<string, string | number> = {
      'db.system.name': 'redis',
      'db.operation.name': operationName(context),
      'db.namespace': String(context.database),
      'server.address': context.serverAddress,
    };
    if (context.serverPort !== undefined) attributes['server.port'] = context.serverPort;
    if (context.batchSize !== undefined && context.batchSize >= 2) {
      attributes['db.operation.batch.size'] = context.batchSize;
    }
    if (queryText && context.args.length > 0) attributes['db.query.text'] = context.args.join(' ');
    spans.set(
      context,
      tracer.startSpan(attributes['db.operation.name'] as string, {
        kind: SPAN_KIND_CLIENT,
        attributes,
      }),
    );
  };
  const finish = (context: CommandTraceContext): void => {
    const span = spans.get(context);
    if (span === undefined) return;
    spans.delete(context);
    if (context.error !== undefined) {
      span.setAttribute('error.type', errorType(context.error));
      span.setStatus({ code: STATUS_ERROR, message: errorMessage(context.error) });
    }
    span.end();
  };
  // A command that throws while being issued publishes `error` before `end` and never reaches
  // `asyncEnd`; one that fails later publishes `error` after `end`. So `end` with an error set
  // finishes the first kind, and `asyncEnd` every other.
  const onEnd = (message: unknown): void => {
    const context = message as CommandTraceContext;
    if (context.error !== undefined) finish(context);
  };
  const onAsyncEnd = (message: unknown): void => finish(message as CommandTraceContext);

  diagnostics_channel.subscribe(`${PREFIX}:start`, onStart);
  diagnostics_channel.subscribe(`${PREFIX}:end`, onEnd);
  diagnostics_channel.subscribe(`${PREFIX}:asyncEnd`, onAsyncEnd);
  let disposed = false;
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    diagnostics_channel.unsubscribe(`${PREFIX}:start`, onStart);
    diagnostics_channel.unsubscribe(`${PREFIX}:end`, onEnd);
    diagnostics_channel.unsubscribe(`${PREFIX}:asyncEnd`, onAsyncEnd);
  };
  return { dispose, [Symbol.dispose]: dispose };
}

/**
 * `CLIENT LIST` for a subcommand the table knows (the sanitised args keep it), else the command's
 * label: span names stay low-cardinality, `other` for a name the table does not know.
 */
function operationName(context: CommandTraceContext): string {
  const label = commandLabel(context);
  const sub = context.args[1];
  if (label !== context.command || context.batchSize !== undefined || sub === undefined) {
    return label;
  }
  return getCommandSpec(label, sub)?.parent === undefined ? label : `${label} ${sub}`;
}

function errorType(error: unknown): string {
  if (error instanceof ReplyError && error.code === 'ERR_REPLY') return error.prefix;
  if (isRespoolError(error)) return error.code;
  if (error instanceof Error) return error.name;
  return 'unknown';
}

function errorMessage(error: unknown): string {
  // A server error's text may quote a value back (WRONGTYPE does not, but a script's may):
  // the prefix is enough for a status.
  if (error instanceof ReplyError) return error.prefix;
  return isRespoolError(error) ? error.code : 'error';
}

async function tracerProvider(options: OpenTelemetryTracingOptions): Promise<OtelTracerProvider> {
  if (options.tracerProvider !== undefined) return options.tracerProvider;
  const api = await importOptional(
    () => import('@opentelemetry/api'),
    '@opentelemetry/api',
    'instrumentOpenTelemetryTracing()',
  );
  return api.trace.getTracerProvider() as unknown as OtelTracerProvider;
}
