/** Public API of respool. Re-exports only. */

export { Multi, Pipeline } from './client/batch.js';
export { type CallOptions, createClient, RespoolClient } from './client/client.js';
export type {
  ExpireCondition,
  ScanOptions,
  SetOptions,
  ZAddOptions,
  ZMember,
  ZRangeOptions,
} from './client/command-api.js';
export {
  type ClientOptions,
  DEFAULT_CLIENT_OPTIONS,
  parseRedisUrl,
  redactUrl,
} from './client/options.js';
export type { ClientStats } from './client/stats.js';
export {
  AbortedError,
  ClientClosedError,
  CommandTimeoutError,
  ConnectionClosedError,
  ConnectTimeoutError,
  type ErrorCode,
  InvalidArgumentError,
  isRespoolError,
  MaxClientsError,
  PoolClosedError,
  PoolTimeoutError,
  ProtocolError,
  QueueFullError,
  ReplyError,
  RespoolError,
  TransactionAbortedError,
  TransportError,
} from './errors.js';
export { type DecoderOptions, RespDecoder } from './protocol/decoder.js';
export { encodeCommand, encodeReply, RequestWriter } from './protocol/encoder.js';
export type { RespArg, RespPush, RespValue } from './protocol/resp-types.js';
export { LIBRARY_VERSION } from './version.js';
