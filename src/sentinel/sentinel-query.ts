/**
 * Talking to the sentinels: open a connection to one (with its own credentials and TLS), send a
 * command with a deadline, and ask each sentinel in turn where the primary (or a healthy
 * replica) of a master group is. The sentinel that answered moves to the front of the list, so
 * the next question goes to one that works.
 */
import { Connection, type ConnectionOptions } from '../connection/connection.js';
import { BasicCommand } from '../connection/pending-command.js';
import { ReplyError, SentinelError } from '../errors.js';
import type { RespArg, RespValue } from '../protocol/resp-types.js';
import { hideSecret } from '../util/secret.js';
import type { ResolvedSentinelOptions } from './sentinel-options.js';

export interface NodeAddress {
  readonly host: string;
  readonly port: number;
}

/** The connection options for a sentinel: its address, its credentials, no database. */
export function sentinelConnectionOptions(
  options: ResolvedSentinelOptions,
  address: NodeAddress,
): ConnectionOptions {
  const c = options.client;
  const result = {
    clientId: c.clientId,
    host: address.host,
    port: address.port,
    path: undefined,
    tls: options.sentinelTls,
    keepAliveMs: c.keepAliveMs,
    username: options.sentinelUsername,
    db: 0,
    name: undefined,
    protocol: c.protocol,
    readOnly: false,
    connectTimeoutMs: options.sentinelTimeoutMs,
    maxWriteBytes: c.maxWriteBytes,
    closeTimeoutMs: c.closeTimeoutMs,
  } as ConnectionOptions;
  return hideSecret(result, 'password', options.sentinelPassword);
}

/** One command with a deadline; an error reply rejects. */
export function request(conn: Connection, args: RespArg[], timeoutMs: number): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    conn.send(
      new BasicCommand({
        args,
        deadline: performance.now() + timeoutMs,
        timeoutMs,
        reply: (value) => (value instanceof ReplyError ? reject(value) : resolve(value)),
        fail: reject,
      }),
    );
  });
}

/** Field `name` of a RESP3 map or a RESP2 flat key/value array, as text. */
export function field(entry: RespValue, name: string): string | undefined {
  let raw: RespValue | undefined;
  if (entry instanceof Map) raw = entry.get(name);
  else if (Array.isArray(entry)) {
    const i = entry.findIndex((v, j) => j % 2 === 0 && String(v) === name);
    raw = i === -1 ? undefined : entry[i + 1];
  }
  return raw === undefined || raw === null ? undefined : String(raw);
}

/** A replica the sentinel considers healthy: up, reachable, its link to the primary up. */
export function healthyReplica(entry: RespValue): NodeAddress | undefined {
  const flags = (field(entry, 'flags') ?? '').split(',');
  if (flags.some((f) => f === 's_down' || f === 'o_down' || f === 'disconnected')) return undefined;
  if (field(entry, 'master-link-status') !== 'ok') return undefined;
  const host = field(entry, 'ip');
  const port = Number(field(entry, 'port'));
  if (host === undefined || !Number.isInteger(port)) return undefined;
  return { host, port };
}

/** Asks the sentinels, one after another, until one knows the answer. */
export class SentinelDirectory {
  readonly #options: ResolvedSentinelOptions;
  /** Tried in this order; the last sentinel that answered first. */
  readonly #sentinels: NodeAddress[];

  /** Told of sentinels learnt from SENTINEL SENTINELS that were not in the list. */
  readonly #onLearnt: (added: readonly NodeAddress[]) => void;

  constructor(
    options: ResolvedSentinelOptions,
    onLearnt: (added: readonly NodeAddress[]) => void = () => undefined,
  ) {
    this.#options = options;
    this.#sentinels = [...options.sentinels];
    this.#onLearnt = onLearnt;
  }

  /** The sentinels, in the order they will be tried. */
  get sentinels(): readonly NodeAddress[] {
    return this.#sentinels;
  }

  /** Where the group's primary is, by SENTINEL GET-MASTER-ADDR-BY-NAME. */
  primary(): Promise<NodeAddress> {
    const name = this.#options.name;
    return this.#ask(async (conn, timeoutMs) => {
      const reply = await request(conn, ['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name], timeoutMs);
      if (!Array.isArray(reply) || reply.length < 2) return undefined;
      return { host: String(reply[0]), port: Number(reply[1]) };
    });
  }

  /** One healthy replica of the group, picked at random, by SENTINEL REPLICAS. */
  replica(): Promise<NodeAddress> {
    const name = this.#options.name;
    return this.#ask(async (conn, timeoutMs) => {
      const reply = await request(conn, ['SENTINEL', 'REPLICAS', name], timeoutMs);
      if (!Array.isArray(reply)) return undefined;
      const healthy = reply.map((entry) => healthyReplica(entry)).filter((a) => a !== undefined);
      if (healthy.length === 0) {
        throw new SentinelError(
          'ERR_SENTINEL_ROLE',
          `Sentinel knows no healthy replica of "${name}"`,
        );
      }
      return healthy[Math.floor(Math.random() * healthy.length)];
    });
  }

  /**
   * Run `question` on each sentinel in turn. `undefined` means "this sentinel does not know the
   * name" (a nil reply, or an IDONTKNOW error): the next one is asked, and if none knows it
   * the error is ERR_SENTINEL_UNKNOWN_NAME; if none answered at all, ERR_SENTINEL_UNREACHABLE.
   */
  async #ask(
    question: (conn: Connection, timeoutMs: number) => Promise<NodeAddress | undefined>,
  ): Promise<NodeAddress> {
    const o = this.#options;
    const failures: string[] = [];
    let unknown = 0;
    let lastError: unknown;
    for (const sentinel of [...this.#sentinels]) {
      let conn: Connection | undefined;
      try {
        conn = await Connection.open(
          sentinelConnectionOptions(o, sentinel),
          o.client.socketFactory,
        );
        const address = await question(conn, o.sentinelTimeoutMs);
        if (address === undefined) {
          unknown++;
          failures.push(`${sentinel.host}:${sentinel.port} does not know it`);
          continue;
        }
        this.#promote(sentinel);
        await this.#learn(conn);
        return address;
      } catch (error) {
        if (error instanceof ReplyError && /no such master/i.test(error.message)) {
          unknown++;
          failures.push(`${sentinel.host}:${sentinel.port} does not know it`);
          continue;
        }
        lastError = error;
        failures.push(`${sentinel.host}:${sentinel.port}: ${(error as Error).message}`);
      } finally {
        conn?.destroy();
      }
    }
    const list = failures.join('; ');
    if (lastError instanceof SentinelError) throw lastError;
    if (unknown > 0) {
      throw new SentinelError(
        'ERR_SENTINEL_UNKNOWN_NAME',
        `No sentinel monitors a master named "${o.name}" (${list})`,
      );
    }
    throw new SentinelError(
      'ERR_SENTINEL_UNREACHABLE',
      `No sentinel of "${o.name}" answered (${list})`,
      { cause: lastError },
    );
  }

  /**
   * Add the group's other sentinels (SENTINEL SENTINELS) to the list, so a client given one
   * sentinel still hears every failover, whichever sentinel leads it. Best effort.
   */
  async #learn(conn: Connection): Promise<void> {
    let reply: RespValue;
    try {
      reply = await request(
        conn,
        ['SENTINEL', 'SENTINELS', this.#options.name],
        this.#options.sentinelTimeoutMs,
      );
    } catch {
      return;
    }
    if (!Array.isArray(reply)) return;
    const added: NodeAddress[] = [];
    for (const entry of reply) {
      const host = field(entry, 'ip');
      const port = Number(field(entry, 'port'));
      if (host === undefined || !Number.isInteger(port)) continue;
      if (this.#sentinels.some((s) => s.host === host && s.port === port)) continue;
      const address = { host, port };
      this.#sentinels.push(address);
      added.push(address);
    }
    if (added.length > 0) this.#onLearnt(added);
  }

  #promote(sentinel: NodeAddress): void {
    const i = this.#sentinels.indexOf(sentinel);
    if (i > 0) {
      this.#sentinels.splice(i, 1);
      this.#sentinels.unshift(sentinel);
    }
  }
}
