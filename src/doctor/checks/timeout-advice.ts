/**
 * The sentence about the server's `timeout` that several findings end with: what it is now and
 * what to set. Shared so every finding gives the same advice for the same server.
 */
import { formatSeconds } from '../format-duration.js';
import type { FindingAction, NodeReport } from '../report-model.js';
import { RECOMMENDED_TIMEOUT_SECONDS } from '../thresholds.js';
import { action } from './finding.js';

/** The server's `timeout` in seconds; `undefined` when CONFIG could not be read. */
export function serverTimeout(node: NodeReport): number | null | undefined {
  return node.config.status === 'ok' ? node.config.timeout : undefined;
}

/**
 * Advice for idle connections the clients will not close themselves, given the server's current
 * `timeout` and how long the connections concerned have been idle (their p90).
 */
export function timeoutAdvice(node: NodeReport, idleP90: number): FindingAction[] {
  const timeout = serverTimeout(node);
  const set = `CONFIG SET timeout ${RECOMMENDED_TIMEOUT_SECONDS}`;
  const why = `the server then closes a connection after ${RECOMMENDED_TIMEOUT_SECONDS} s without a command (put timeout ${RECOMMENDED_TIMEOUT_SECONDS} in redis.conf too, so a restart keeps it); blocked and pub/sub clients are exempt, and clients that reconnect on demand (respool does) do not notice`;
  if (timeout === undefined) {
    return [
      action("Check the server's timeout (CONFIG GET was not permitted)", 'CONFIG GET timeout'),
      action(`If it is 0, set one: ${why}`, set),
    ];
  }
  if (timeout === null || timeout === 0) {
    return [
      action(`The server's timeout is 0, so it never closes an idle client; set one: ${why}`, set),
    ];
  }
  if (idleP90 < timeout) {
    return [
      action(
        `The server's timeout is ${formatSeconds(timeout)}, longer than these connections have been idle, so it will not free them until then`,
      ),
    ];
  }
  return [
    action(
      `The server's timeout is ${formatSeconds(timeout)}; these connections outlive it only if they keep sending something, so look at the client's heartbeat`,
    ),
  ];
}
