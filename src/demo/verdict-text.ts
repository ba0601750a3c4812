/**
 * The doctor's verdicts as a short block under a replay's report: per side one head line (exit
 * code, what the doctor saw of its connections) and at most a few findings, each the first
 * sentence of the doctor's message. The whole report is one `respool doctor` run away.
 */
import { formatSeconds } from '../doctor/format-duration.js';
import type { Severity } from '../doctor/report-model.js';
import { formatCount, wrapText } from '../util/format-table.js';
import type { DoctorVerdict, VerdictFinding } from './doctor-verdict.js';

/** Findings shown per side; the rest are counted. */
const MAX_FINDINGS_SHOWN = 2;

const SEVERITY_LABELS: Readonly<Record<Severity, string>> = {
  error: 'ERROR',
  warning: 'WARN',
  info: 'INFO',
};
const SEVERITY_NOUNS: Readonly<Record<Severity, string>> = {
  error: 'error',
  warning: 'warning',
  info: 'info finding',
};

/** What a replay hands the CLI to print: the verdicts and how they were taken. */
export interface ReplayVerdicts {
  /** When and how the audits ran, one sentence, e.g. "after 6 s idle, before each side closed". */
  readonly note: string;
  readonly sides: readonly DoctorVerdict[];
}

/** The block, wrapped to `width`, indented by two spaces. */
export function verdictLines(verdicts: ReplayVerdicts, width: number): string[] {
  const lines = [
    wrapText(
      `The doctor's verdict (respool doctor, run in-process ${verdicts.note}):`,
      width,
      '  ',
    ),
  ];
  verdicts.sides.forEach((side, i) => {
    const before = verdicts.sides[i - 1]?.label;
    lines.push(
      wrapText(`${side.label} (${side.clientName}): ${headText(side)}`, width, '      ', '    '),
    );
    if (side.error !== null) return;
    lines.push(wrapText(`the doctor saw ${connectionsText(side)}`, width, '        ', '      '));
    // Left over by the previous side (its TIME_WAIT, say): counted, never listed as this side's.
    const leftOver = side.findings.filter((f) => f.scope !== 'other' && f.carriedOver);
    const shown = side.findings.filter((f) => f.scope !== 'other' && !f.carriedOver);
    for (const f of shown.slice(0, MAX_FINDINGS_SHOWN)) {
      lines.push(wrapText(findingText(f), width, '            ', '      '));
    }
    const hidden = Math.max(0, shown.length - MAX_FINDINGS_SHOWN);
    const others = side.findings.filter((f) => f.scope === 'other').length;
    const rest: string[] = [];
    if (hidden > 0) rest.push(`${hidden} more`);
    if (leftOver.length > 0) {
      rest.push(`${leftOver.length} host-wide, left over from the ${before ?? 'previous'} run`);
    }
    if (others > 0) rest.push(`${others} about other clients' connections`);
    if (rest.length > 0) lines.push(`      (+${rest.join(', ')}: run respool doctor for them)`);
  });
  return lines;
}

function headText(side: DoctorVerdict): string {
  if (side.error !== null) return `the doctor could not run: ${side.error}`;
  const own = side.findings.filter((f) => f.scope === 'own');
  const counts = (['error', 'warning', 'info'] as const)
    .map((severity) => [severity, own.filter((f) => f.severity === severity).length] as const)
    .filter(([, n]) => n > 0)
    .map(([severity, n]) => plural(n, SEVERITY_NOUNS[severity]));
  const verdict =
    counts.length === 0
      ? 'no findings about its connections'
      : `about its connections: ${counts.join(', ')}`;
  return `exit ${side.exitCode ?? '-'}, ${verdict}`;
}

function connectionsText(side: DoctorVerdict): string {
  const c = side.connections;
  const count = plural(c.count, 'connection');
  if (c.count === 0) return 'none of its connections';
  if (c.nodes > 1) return `${count} on ${c.nodes} nodes, max idle ${formatSeconds(c.idleMax)}`;
  return `${count}, p50 idle ${formatSeconds(c.idleP50)}, max ${formatSeconds(c.idleMax)}`;
}

function findingText(f: VerdictFinding): string {
  // A server-wide finding is not this side's doing by itself; say so.
  const whose = f.scope === 'own' ? '' : ' [server/host-wide]';
  return `${SEVERITY_LABELS[f.severity]} ${f.check}${whose}: ${firstSentence(f.message)}`;
}

/** Up to the first full stop that ends a sentence (not the dots of an address). */
function firstSentence(text: string): string {
  const match = /^(.*?[.!?])(?:\s|$)/.exec(text);
  return match?.[1] ?? text;
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}
