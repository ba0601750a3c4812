/** Public API of respool. Re-exports only. */

export type { CacheOptions } from './cache/cache-options.js';
export { Multi, Pipeline } from './client/batch.js';
export type { CacheableMethod, CachedReads } from './client/cached-client.js';
export { type CallOptions, createClient, RespoolClient } from './client/client.js';
export type {
  BitFieldOperation,
  ExpireCondition,
  GeoSearchBy,
  GeoSearchFrom,
  GeoSearchOptions,
  LcsOptions,
  MigrateOptions,
  RestoreOptions,
  ScanOptions,
  SetOptions,
  SortOptions,
  WeightsOptions,
  XAddOptions,
  XClaimOptions,
  XReadOptions,
  XTrimOptions,
  ZAddOptions,
  ZMember,
  ZRangeOptions,
} from './client/command-api.js';
export type { ClientEvents } from './client/events.js';
export type { GeoMember, GeoPosition, GeoSearchHit, GeoUnit } from './client/geo-hll-commands.js';
export {
  type ClientOptions,
  DEFAULT_CLIENT_OPTIONS,
  parseRedisUrl,
  redactUrl,
} from './client/options.js';
export type { LcsMatches } from './client/reply-transforms.js';
export {
  defineLibrary,
  defineScript,
  FunctionLibrary,
  Script,
  type ScriptOptions,
} from './client/script.js';
export type { FunctionLibraryInfo } from './client/scripting-commands.js';
export type {
  ClientInfo,
  InfoReply,
  RoleReply,
  SlowlogEntry,
} from './client/server-commands.js';
export type { ClientStats } from './client/stats.js';
export type {
  AutoClaimResult,
  MaybeDeletedStreamMessage,
  PendingEntry,
  PendingSummary,
  StreamMessage,
  StreamRead,
} from './client/stream-replies.js';
export type {
  SubscribeKind,
  SubscriberOutage,
  Subscription,
  SubscriptionEvents,
} from './client/subscription.js';
export {
  ClusterMulti,
  type ClusterStats,
  createCluster,
  RespoolCluster,
} from './cluster/cluster-client.js';
export type { ClusterEvents } from './cluster/cluster-engine.js';
export { ClusterNode, type NodeRole } from './cluster/cluster-node.js';
export { type ClusterOptions, DEFAULT_CLUSTER_OPTIONS } from './cluster/cluster-options.js';
export { ClusterPipeline } from './cluster/cluster-pipeline.js';
export { keySlot } from './cluster/slot.js';
export {
  AbortedError,
  ClientClosedError,
  ClusterDownError,
  CommandTimeoutError,
  ConnectionClosedError,
  ConnectionStateError,
  ConnectTimeoutError,
  CrossSlotError,
  type ErrorCode,
  InvalidArgumentError,
  isRespoolError,
  LeaseTimeoutError,
  MaxClientsError,
  MaxRedirectsError,
  MissingDependencyError,
  NotClusterError,
  PoolClosedError,
  PoolTimeoutError,
  ProtocolError,
  QueueFullError,
  ReplyError,
  RespoolError,
  SentinelError,
  TransactionAbortedError,
  TransportError,
} from './errors.js';
export {
  CHANNELS,
  type CloseMessage,
  type CloseReason,
  type CommandTraceContext,
  type ConnectMessage,
  type LeaseLeakMessage,
  type PoolWaitMessage,
  type PoolWaitOutcome,
  type TopologyRefreshMessage,
} from './metrics/channels.js';
export type { MetricsSource, MetricsSourceStats } from './metrics/metrics-source.js';
export {
  instrumentOpenTelemetry,
  type MetricsHandle,
  type OpenTelemetryOptions,
  type OtelMeter,
  type OtelMeterProvider,
} from './metrics/opentelemetry.js';
export {
  instrumentOpenTelemetryTracing,
  type OpenTelemetryTracingOptions,
  type OtelSpan,
  type OtelTracer,
  type OtelTracerProvider,
  type TracingHandle,
} from './metrics/otel-tracing.js';
export {
  type PrometheusOptions,
  type PrometheusRegistry,
  registerPrometheusMetrics,
} from './metrics/prometheus.js';
export { sanitiseArgs } from './metrics/sanitise.js';
export { type DecoderOptions, RespDecoder } from './protocol/decoder.js';
export { encodeCommand, encodeReply, RequestWriter } from './protocol/encoder.js';
export type { RespArg, RespPush, RespValue } from './protocol/resp-types.js';
export { createSentinel, RespoolSentinel } from './sentinel/sentinel-client.js';
export type {
  SentinelAddress,
  SentinelOptions,
  SentinelRole,
} from './sentinel/sentinel-options.js';
export type { SwitchEvent } from './sentinel/sentinel-resolver.js';
export { LIBRARY_VERSION } from './version.js';
