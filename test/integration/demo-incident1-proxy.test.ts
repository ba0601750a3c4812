/**
 * `respool demo --incident 1 --proxy`: the unbounded pool, unchanged, pointed at the proxy. The
 * server's own connection count shows the difference: hundreds directly, the budget through it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { compareThroughProxy, proxyComparisonLines } from '../../src/demo/incident-1-proxy.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

let server: RedisServer;

before(async () => {
  server = await startRedis();
});

after(async () => {
  await server.stop();
});

test('200 callers on an unbounded pool: 100+ server connections directly, at most 8 through the proxy', async (t) => {
  const c = await compareThroughProxy({
    url: server.url,
    callers: 200,
    opsPerCaller: 9,
    maxConnections: 8,
    prefix: 'demo-proxy:',
  });
  t.diagnostic(proxyComparisonLines(c, 200).join('\n'));
  for (const side of [c.direct, c.proxied]) {
    assert.equal(side.completed, 200 * 9);
    assert.equal(side.errors, 0);
    assert.equal(side.wrongReplies, 0);
    // The pool itself is as unbounded either way: it opens a connection per concurrent caller.
    assert.ok(side.poolPeak >= 100, `pool opened ${side.poolPeak}`);
  }
  assert.ok(c.direct.serverPeak >= 100, `directly: server peak ${c.direct.serverPeak}`);
  assert.ok(
    c.proxied.serverPeak >= 1 && c.proxied.serverPeak <= 8,
    `proxied: ${c.proxied.serverPeak}`,
  );
  // Every connection of both runs is closed afterwards.
  await server.waitForClientCount(0);
});
