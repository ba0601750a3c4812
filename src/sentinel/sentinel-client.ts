/**
 * `createSentinel()`: the ordinary client (typed methods, multiplexed connection, leases,
 * pub/sub, one budget, the same retry rules) whose every dial goes through a SentinelResolver,
 * so it always talks to the current primary of a master group (or to one healthy replica).
 */
import { inspect } from 'node:util';
import { defaultPolicy, RespoolClient } from '../client/client.js';
import { ClientCore } from '../client/client-core.js';
import {
  type ResolvedSentinelOptions,
  resolveSentinelOptions,
  type SentinelOptions,
} from './sentinel-options.js';
import type { NodeAddress } from './sentinel-query.js';
import { SentinelResolver, type SwitchEvent } from './sentinel-resolver.js';

export class RespoolSentinel extends RespoolClient<string> {
  readonly #resolver: SentinelResolver;
  readonly #options: ResolvedSentinelOptions;

  /** @internal Use `createSentinel()`. */
  constructor(options: ResolvedSentinelOptions) {
    const resolver = new SentinelResolver(options);
    const core = new ClientCore(options.client, resolver.open, undefined, resolver);
    resolver.attach(core.mux);
    super(core, defaultPolicy(options.client));
    this.#resolver = resolver;
    this.#options = options;
  }

  /** The node this client talks to (or will dial next), once the sentinels have named it. */
  get address(): NodeAddress | undefined {
    return this.#resolver.address;
  }

  /** The master group's name. */
  get masterName(): string {
    return this.#options.name;
  }

  /**
   * Called when a primary client moves to the new primary: the first `+switch-master` from any
   * sentinel (or a change found after a lost sentinel subscription). A replica client is not
   * told: it simply picks another replica when its own is promoted. Returns a function that
   * stops the calls.
   */
  onSwitch(listener: (event: SwitchEvent) => void): () => void {
    return this.#resolver.onSwitch(listener);
  }

  override [inspect.custom](): string {
    const a = this.address;
    const s = this.stats();
    return `RespoolSentinel { name: '${this.#options.name}', role: '${this.#options.role}', address: ${a === undefined ? 'undefined' : `'${a.host}:${a.port}'`}, open: ${s.open}, leased: ${s.leased}, inFlight: ${s.inFlight} }`;
  }
}

/**
 * Create a client that finds its server through Redis Sentinel. Connects lazily on the first
 * command (or `ready()`); subscribes to every sentinel at once to follow failovers.
 * @param options A `redis+sentinel://` URL or options; see docs/sentinel.md.
 * @throws InvalidArgumentError synchronously for invalid options, naming the option and value.
 */
export function createSentinel(options: string | SentinelOptions): RespoolSentinel {
  return new RespoolSentinel(resolveSentinelOptions(options));
}
