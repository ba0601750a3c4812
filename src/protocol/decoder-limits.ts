/**
 * The limits every reader of server bytes enforces (the decoder and the raw frame scanner), so a
 * hostile or broken peer costs bounded memory and stack whichever reader meets it. Past a limit
 * the reader throws `ProtocolError` and its connection is closed.
 */
export interface DecoderLimits {
  /** Deepest aggregate nesting accepted. @default 128 */
  readonly maxDepth?: number;
  /** Longest blob string accepted, in bytes (the server's own proto-max-bulk-len default). @default 536870912 */
  readonly maxBulkLength?: number;
  /** Most elements one aggregate may declare (a map counts its keys and values). @default 100000000 */
  readonly maxAggregateLength?: number;
  /** Longest line (simple string, error, number) accepted, in bytes. @default 1048576 */
  readonly maxLineLength?: number;
}

export const DEFAULT_DECODER_LIMITS = Object.freeze({
  maxDepth: 128,
  maxBulkLength: 512 * 1024 * 1024,
  maxAggregateLength: 100_000_000,
  maxLineLength: 1024 * 1024,
});
