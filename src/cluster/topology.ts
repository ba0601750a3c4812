/**
 * An immutable snapshot of the cluster: which node serves each slot, and each shard's replicas.
 * The router reads it without locks; a refresh (or a MOVED patch) builds a new one and swaps it
 * in whole, so a reader never sees half an update.
 *
 *   slots: Uint16Array(16384)  slot → shard index (0xffff: no owner)
 *   shards: [{ primary, replicas, ranges }]
 *
 * Parsers for both answers the server can give: CLUSTER SHARDS (Redis ≥ 7) and CLUSTER SLOTS.
 * Maps arrive as Map (RESP3) or flat arrays (RESP2); both are read.
 */
import type { RespValue } from '../protocol/resp-types.js';
import { SLOT_COUNT } from './slot.js';

export interface ClusterNodeInfo {
  /** `host:port`, the key respool uses for the node. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly id: string | undefined;
}

export interface Shard {
  readonly primary: ClusterNodeInfo;
  readonly replicas: readonly ClusterNodeInfo[];
  /** Inclusive slot ranges. */
  readonly ranges: readonly (readonly [number, number])[];
}

const NO_OWNER = 0xffff;

export class Topology {
  readonly shards: readonly Shard[];
  readonly #slots: Uint16Array;
  /** A stable description of the slot table, for comparing answers of different nodes. */
  readonly fingerprint: string;

  constructor(shards: readonly Shard[], slots?: Uint16Array) {
    this.shards = shards;
    if (slots !== undefined) {
      this.#slots = slots;
    } else {
      this.#slots = new Uint16Array(SLOT_COUNT).fill(NO_OWNER);
      shards.forEach((shard, index) => {
        for (const [from, to] of shard.ranges) this.#slots.fill(index, from, to + 1);
      });
    }
    this.fingerprint = shards
      .map(
        (s) =>
          `${s.ranges.map(([a, b]) => `${a}-${b}`).join(',')}@${s.primary.address}/${s.replicas
            .map((r) => r.address)
            .sort()
            .join('+')}`,
      )
      .sort()
      .join(' ');
  }

  /** The primary serving `slot`, if any. */
  primaryFor(slot: number): ClusterNodeInfo | undefined {
    const index = this.#slots[slot]!;
    return index === NO_OWNER ? undefined : this.shards[index]?.primary;
  }

  /** The replicas of the shard serving `slot`. */
  replicasFor(slot: number): readonly ClusterNodeInfo[] {
    const index = this.#slots[slot]!;
    return index === NO_OWNER ? [] : (this.shards[index]?.replicas ?? []);
  }

  /** Every node, primaries first. */
  nodes(): ClusterNodeInfo[] {
    return [...this.shards.map((s) => s.primary), ...this.shards.flatMap((s) => s.replicas)];
  }

  /** Slots with an owner (16384 when the table is complete). */
  get coveredSlots(): number {
    let n = 0;
    for (const index of this.#slots) if (index !== NO_OWNER) n++;
    return n;
  }

  /**
   * A copy with `slot` served by the primary at `address` (a MOVED told us so). The shard that
   * primary leads is found, or a one-slot shard is added for a node not seen yet.
   */
  withSlotMoved(slot: number, node: ClusterNodeInfo): Topology {
    let index = this.shards.findIndex((s) => s.primary.address === node.address);
    let shards = this.shards;
    if (index === -1) {
      shards = [...shards, { primary: node, replicas: [], ranges: [[slot, slot]] }];
      index = shards.length - 1;
    }
    if (this.#slots[slot] === index) return this;
    const slots = Uint16Array.from(this.#slots);
    slots[slot] = index;
    return new Topology(shards, slots);
  }
}

/** Parse a CLUSTER SHARDS reply (Redis ≥ 7). */
export function parseClusterShards(reply: RespValue, fallbackHost: string): Topology {
  if (!Array.isArray(reply)) throw new Error('CLUSTER SHARDS: expected an array');
  const shards: Shard[] = [];
  for (const entry of reply) {
    const shard = asMap(entry);
    const slotList = shard.get('slots');
    const nodes = shard.get('nodes');
    if (!Array.isArray(slotList) || !Array.isArray(nodes)) continue;
    const ranges: [number, number][] = [];
    for (let i = 0; i + 1 < slotList.length; i += 2)
      ranges.push([Number(slotList[i]), Number(slotList[i + 1])]);
    let primary: ClusterNodeInfo | undefined;
    const replicas: ClusterNodeInfo[] = [];
    for (const n of nodes) {
      const node = asMap(n);
      if (text(node.get('health')) === 'failed') continue;
      const info = nodeInfo(
        text(node.get('endpoint')) ?? text(node.get('ip')),
        Number(node.get('port') ?? node.get('tls-port')),
        text(node.get('id')),
        fallbackHost,
      );
      if (info === undefined) continue;
      if (text(node.get('role')) === 'master') primary = info;
      // 'loading' too: Redis 7.0 reports a replica as loading until its replication offset
      // leaves 0, i.e. until the first write, so an idle cluster would seem to have none. A
      // replica that really is loading answers LOADING, and the read goes to the primary.
      else replicas.push(info);
    }
    // A shard whose primary failed and was not replaced yet has no usable owner: leave its
    // slots unassigned so commands wait for the next refresh instead of going nowhere.
    if (primary !== undefined && ranges.length > 0) shards.push({ primary, replicas, ranges });
  }
  return new Topology(shards);
}

/** Parse a CLUSTER SLOTS reply (any Redis with cluster support). */
export function parseClusterSlots(reply: RespValue, fallbackHost: string): Topology {
  if (!Array.isArray(reply)) throw new Error('CLUSTER SLOTS: expected an array');
  const byPrimary = new Map<
    string,
    { primary: ClusterNodeInfo; replicas: Map<string, ClusterNodeInfo>; ranges: [number, number][] }
  >();
  for (const entry of reply) {
    if (!Array.isArray(entry) || entry.length < 3) continue;
    const [from, to, primaryEntry, ...replicaEntries] = entry;
    const primary = slotsNode(primaryEntry, fallbackHost);
    if (primary === undefined) continue;
    let shard = byPrimary.get(primary.address);
    if (shard === undefined) {
      shard = { primary, replicas: new Map(), ranges: [] };
      byPrimary.set(primary.address, shard);
    }
    shard.ranges.push([Number(from), Number(to)]);
    for (const r of replicaEntries) {
      const replica = slotsNode(r, fallbackHost);
      if (replica !== undefined) shard.replicas.set(replica.address, replica);
    }
  }
  return new Topology(
    [...byPrimary.values()].map((s) => ({
      primary: s.primary,
      replicas: [...s.replicas.values()],
      ranges: s.ranges,
    })),
  );
}

function slotsNode(
  entry: RespValue | undefined,
  fallbackHost: string,
): ClusterNodeInfo | undefined {
  if (!Array.isArray(entry)) return undefined;
  return nodeInfo(text(entry[0]), Number(entry[1]), text(entry[2]), fallbackHost);
}

function nodeInfo(
  host: string | undefined,
  port: number,
  id: string | undefined,
  fallbackHost: string,
): ClusterNodeInfo | undefined {
  if (!Number.isInteger(port) || port <= 0) return undefined;
  // An empty or '?' endpoint means "the address you reached me on" (cluster-preferred-endpoint-type).
  const h = host === undefined || host === '' || host === '?' ? fallbackHost : host;
  return { address: `${h}:${port}`, host: h, port, id };
}

function asMap(value: RespValue): Map<RespValue, RespValue> {
  if (value instanceof Map) return value;
  const map = new Map<RespValue, RespValue>();
  if (Array.isArray(value))
    for (let i = 0; i + 1 < value.length; i += 2) map.set(text(value[i]) ?? '', value[i + 1]!);
  return map;
}

function text(value: RespValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString();
  return value === undefined || value === null ? undefined : String(value);
}
