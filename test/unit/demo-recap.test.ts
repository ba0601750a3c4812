import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DoctorVerdict } from '../../src/demo/doctor-verdict.js';
import { incident2 } from '../../src/demo/incident-2.js';
import { incident4 } from '../../src/demo/incident-4.js';
import { recapLines } from '../../src/demo/recap.js';
import type { ReplayReport } from '../../src/demo/replay.js';
import { NOT_REPLAYED } from '../../src/demo/run-demo.js';

function side(label: string, checks: string[]): DoctorVerdict {
  return {
    label,
    clientName: label,
    exitCode: 0,
    error: null,
    findings: checks.map((check) => ({
      check,
      severity: 'warning' as const,
      scope: 'own' as const,
      node: '127.0.0.1:1',
      groupName: label,
      message: '',
      carriedOver: false,
    })),
    connections: { count: 1, nodes: 1, idleP50: 0, idleMax: 0 },
  };
}

function report(naiveChecks: string[]): ReplayReport {
  return {
    setup: [],
    table: [],
    findings: [],
    checks: '',
    failures: [],
    verdicts: { note: '', sides: [side('naive', naiveChecks), side('respool', [])] },
  };
}

test('recap: one line per incident, culprit named, incident 3 explained, then the next command', () => {
  const lines = recapLines(
    [
      { replay: incident2, target: '', report: report(['oversized-pool']) },
      { replay: incident4, target: '', report: report(['connection-churn']) },
    ],
    NOT_REPLAYED,
    100,
  ).join('\n');
  // Wrapped lines joined back, to match sentences.
  const flat = lines.replace(/\n {6}/g, ' ');
  assert.match(
    flat,
    / 2 {2}the FIFO idle queue .*naive: named by the doctor \(oversized-pool\); respool: nothing to report/,
  );
  assert.match(lines, / 3 {2}not replayed: /);
  assert.ok(lines.indexOf(' 3  not') < lines.indexOf(' 4  TIME_WAIT'), 'in incident order');
  assert.match(lines, /npx respool doctor redis:\/\/<host>:6379/);
  const one = recapLines(
    [{ replay: incident2, target: '', report: report([]) }],
    NOT_REPLAYED,
    100,
  );
  assert.doesNotMatch(one.join('\n'), /not replayed/, 'one incident asked for: no list of others');
});
