/**
 * Client-side sharding over standalone servers, compatible with twemproxy (nutcracker): its
 * twelve key hashes, the ketama/modula/random distributions with weights, hash tags, and
 * auto-eject/re-add. Pure modules; the proxy owns the sockets and the clock.
 */
export {
  HASH_NAMES,
  type HashName,
  isHashName,
  type KeyHash,
  keyHash,
} from './hash-functions.js';
export { type HashTag, hashedPart, parseHashTag } from './hash-tag.js';
export { buildKetama, type Continuum, ketamaDispatch } from './ketama.js';
export { DEFAULT_SHARD_HEALTH, ShardHealth, type ShardHealthOptions } from './shard-health.js';
export {
  DISTRIBUTIONS,
  type Distribution,
  ketamaName,
  ShardRing,
  type ShardRingOptions,
  type ShardSpec,
} from './shard-ring.js';
