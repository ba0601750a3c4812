/**
 * The demo's last words: one line per incident (what the doctor named on each side, or why the
 * incident is not replayed), then the command to run next, on the reader's own server.
 */
import { wrapText } from '../util/format-table.js';
import { type DoctorVerdict, ownWarnings } from './doctor-verdict.js';
import type { DemoReplayResult } from './run-demo.js';

/** The recap block for `results`, with `notReplayed` lines for incidents left out. */
export function recapLines(
  results: readonly DemoReplayResult[],
  notReplayed: readonly { readonly incident: number; readonly why: string }[],
  width: number,
): string[] {
  const rows: { incident: number; text: string }[] = results.map(({ replay, report }) => ({
    incident: replay.incident,
    text: `${replay.title}: ${verdictSummary(report.verdicts?.sides ?? [])}${report.failures.length > 0 ? ' (the replay FAILED its checks)' : ''}`,
  }));
  const shown = new Set(rows.map((r) => r.incident));
  // Only next to a full run: `--incident 2` asked for one, not for a list of the others.
  if (results.length > 1) {
    for (const n of notReplayed)
      if (!shown.has(n.incident)) rows.push({ incident: n.incident, text: n.why });
  }
  rows.sort((a, b) => a.incident - b.incident);
  return [
    '',
    'Recap',
    ...rows.map((r) => wrapText(r.text, width, '      ', `  ${String(r.incident).padStart(2)}  `)),
    '',
    'Next: audit your own server (read-only; one connection, named respool-doctor):',
    '  npx respool doctor redis://<host>:6379',
    '  npx respool doctor redis://<host>:6379 --html report.html   # the same, with charts',
  ];
}

function verdictSummary(sides: readonly DoctorVerdict[]): string {
  if (sides.length === 0) return 'no doctor verdict';
  return sides
    .map((side) => {
      if (side.error !== null) return `${side.label}: the doctor could not run`;
      const own = ownWarnings(side);
      if (own.length === 0) return `${side.label}: nothing to report`;
      const checks = [...new Set(own.map((f) => f.check))].join(', ');
      return `${side.label}: named by the doctor (${checks})`;
    })
    .join('; ');
}
