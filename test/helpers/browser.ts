/**
 * Tests that need a real browser (Debian's `chromium`, driven by playwright-core). On a machine
 * without it they are skipped with one line saying what to install, so `npm test` passes on a
 * fresh clone with only Node and redis-server; in CI (`RESPOOL_CI=1`, set by `.ci/run`, which
 * installs chromium) a missing browser is a failure instead, so the tests can never silently
 * stop running there.
 */
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Why browser tests are skipped here, or `undefined` when they must run. */
export function browserSkipReason(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (existsSync(CHROMIUM) || env['RESPOOL_CI'] === '1') return undefined;
  return `${CHROMIUM} not found: install Debian's chromium package (apt-get install chromium) to run these browser tests; .ci/run does`;
}

/**
 * `describe(name, fn)` when the browser tests can run; otherwise one skipped test named `name`,
 * whose skip reason is the one line a reader sees.
 */
export function browserSuite(name: string, fn: () => void): void {
  const skip = browserSkipReason();
  if (skip === undefined) describe(name, fn);
  else test(name, { skip }, () => undefined);
}
