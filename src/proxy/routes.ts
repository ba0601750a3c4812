/**
 * How the proxy treats each command, by name. Most commands are `Plain` (relayed on the shared
 * path); the table lists the ones with connection state, the ones the proxy answers itself, and
 * the ones it refuses. One Map lookup per request.
 */
import { CommandFlag, getCommandSpec } from '../commands/table.js';

export const Route = {
  Plain: 0,
  /** Blocking in some forms (BLPOP, XREAD … BLOCK, WAIT): a lease for the command only. */
  MayBlock: 1,
  Multi: 2,
  Watch: 3,
  Exec: 4,
  Discard: 5,
  Unwatch: 6,
  Select: 7,
  Quit: 8,
  Reset: 9,
  Ping: 10,
  Auth: 11,
  Hello: 12,
  Client: 13,
  Subscribe: 14,
  Unsubscribe: 15,
  ConfigGet: 16,
  /** Never relayed (SYNC, SHUTDOWN, …): `refusal()` explains. */
  Refused: 17,
  /** Relayed unless `refusal()` objects to its arguments (ACL, CONFIG SET …). */
  MaybeRefused: 18,
  /** SCRIPT and FUNCTION: relayed, except their KILL, which has a lease of its own. */
  Script: 19,
  /** A lease for the whole MONITOR session (`monitor-feed.ts`). */
  Monitor: 20,
  /** PUBLISH and SPUBLISH: relayed; the receiver count counts the proxy's clients. */
  Publish: 21,
} as const;
export type Route = (typeof Route)[keyof typeof Route];

const ROUTES = new Map<string, Route>([
  ['multi', Route.Multi],
  ['watch', Route.Watch],
  ['exec', Route.Exec],
  ['discard', Route.Discard],
  ['unwatch', Route.Unwatch],
  ['select', Route.Select],
  ['quit', Route.Quit],
  ['reset', Route.Reset],
  ['ping', Route.Ping],
  ['auth', Route.Auth],
  ['hello', Route.Hello],
  ['client', Route.Client],
  ['subscribe', Route.Subscribe],
  ['psubscribe', Route.Subscribe],
  ['ssubscribe', Route.Subscribe],
  ['unsubscribe', Route.Unsubscribe],
  ['punsubscribe', Route.Unsubscribe],
  ['sunsubscribe', Route.Unsubscribe],
  ['config', Route.ConfigGet],
  ['script', Route.Script],
  ['function', Route.Script],
  ['monitor', Route.Monitor],
  ['publish', Route.Publish],
  ['spublish', Route.Publish],
  ['sync', Route.Refused],
  ['psync', Route.Refused],
  ['replicaof', Route.Refused],
  ['slaveof', Route.Refused],
  ['shutdown', Route.Refused],
  ['failover', Route.Refused],
  ['readonly', Route.Refused],
  ['readwrite', Route.Refused],
  ['acl', Route.MaybeRefused],
  ['wait', Route.MayBlock],
  ['waitaof', Route.MayBlock],
  ['xread', Route.MayBlock],
  ['xreadgroup', Route.MayBlock],
]);

/** Names learnt from the command table, cached; bounded so junk names cannot grow it. */
const MAX_CACHED_ROUTES = 4096;

export function routeOf(name: string): Route {
  let route = ROUTES.get(name);
  if (route === undefined) {
    // The table's blocking flag (BLPOP, BZPOPMIN, …); classify.isBlocking decides per call.
    const spec = getCommandSpec(name);
    route =
      spec !== undefined && (spec.flags & CommandFlag.blocking) !== 0
        ? Route.MayBlock
        : Route.Plain;
    if (ROUTES.size < MAX_CACHED_ROUTES) ROUTES.set(name, route);
  }
  return route;
}
