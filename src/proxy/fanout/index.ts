/**
 * Fan-out for a proxy in front of several nodes: split multi-key commands by slot or shard and
 * merge their raw replies in the client's order; send keyless commands to every node and merge;
 * walk SCAN over every node behind one cursor; refuse what has no meaning across nodes. Pure.
 */
export { type AllNodesMerge, allNodesMerge, mergeAllNodes } from './all-nodes.js';
export { commandName } from './command-name.js';
export {
  isSplittable,
  type MultiKeyPlan,
  mergeMultiKey,
  type SplitKind,
  type SubCommand,
  splitMultiKey,
} from './multi-key.js';
export { type FanoutContext, type FanoutPlan, planFanout } from './plan.js';
export { crossTargetFrame, refusalFor, type UpstreamShape } from './refusals.js';
export {
  decodeScanCursor,
  encodeScanCursor,
  MAX_SCAN_NODES,
  planScan,
  rewriteScanReply,
  SCAN_NODE_BITS,
  type ScanStep,
} from './scan-cursor.js';
