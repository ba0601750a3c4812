/**
 * Per-view call options (`withOptions()`), shared by the client and the cluster client: what
 * they accept, and how a view's CommandPolicy is derived from its parent's.
 */
import { InvalidArgumentError } from '../errors.js';
import { rejectUnknownKeys, validateBoolean, validateDurationMs } from '../validate.js';
import type { CommandPolicy } from './promise-command.js';

/** Per-view options for `withOptions()`: they apply to every command sent through the view. */
export interface CallOptions<B extends boolean = boolean> {
  /** Decode blob and simple strings to Buffers. */
  readonly returnBuffers?: B;
  /** Deadline for each command's whole life, in ms; 0 = none. Default: commandTimeoutMs. */
  readonly timeoutMs?: number;
  /**
   * The commands are safe to run twice: after their connection died with them written, they
   * are sent once more instead of failing with `written: true`. Read-only commands always are.
   */
  readonly idempotent?: boolean;
  /** Abort: pending commands of the view fail with ERR_ABORTED (a sent one may still run). */
  readonly signal?: AbortSignal;
}

const VIEW_OPTIONS = new Set(['returnBuffers', 'timeoutMs', 'idempotent', 'signal']);

/** A view's policy: what `options` sets, the rest inherited. @throws InvalidArgumentError */
export function resolvePolicy(options: CallOptions, base: CommandPolicy): CommandPolicy {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError(`withOptions expects an options object, got ${typeof options}`);
  }
  rejectUnknownKeys(options, VIEW_OPTIONS, 'withOptions()');
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('Invalid option "signal": expected an AbortSignal');
  }
  return Object.freeze({
    returnBuffers:
      options.returnBuffers === undefined
        ? base.returnBuffers
        : validateBoolean(options.returnBuffers, 'returnBuffers'),
    timeoutMs:
      options.timeoutMs === undefined
        ? base.timeoutMs
        : validateDurationMs(options.timeoutMs, 'timeoutMs'),
    idempotent:
      options.idempotent === undefined
        ? base.idempotent
        : validateBoolean(options.idempotent, 'idempotent'),
    signal: signal ?? base.signal,
    keyPrefix: base.keyPrefix,
  });
}
