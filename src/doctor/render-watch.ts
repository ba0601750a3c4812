/**
 * `--watch` on a terminal: one screen that never scrolls. The header, each node's counters with
 * the change since the previous report ("±0" when nothing moved), the summary and as many
 * findings as fit, then how to stop. Fitted to the terminal's rows and columns (an 80×24 screen
 * keeps all of that); the full report is one `respool doctor` away, and `--json` has everything.
 */
import { formatCount } from '../util/format-table.js';
import { groupLabel } from './group-label.js';
import { countOrUnknown, signedCount } from './node-facts.js';
import { summaryLine } from './render-text.js';
import type { DoctorReport, Finding, NodeReport } from './report-model.js';
import type { Style } from './style.js';

/** The terminal's size. */
export interface Screen {
  readonly columns: number;
  readonly rows: number;
}

/** Lines kept for the header, the summary, the blank lines and the Ctrl-C hint. */
const FIXED_ROWS = 6;

/** One watch screen for `report`, at most `screen.rows - 1` lines (the cursor keeps the last). */
export function renderWatchScreen(
  report: DoctorReport,
  style: Style,
  screen: Screen,
  intervalSeconds: number,
): string {
  const width = Math.max(40, screen.columns);
  const budget = Math.max(FIXED_ROWS + 2, screen.rows - 1);
  const fit = (text: string): string =>
    text.length <= width ? text : `${text.slice(0, width - 1)}…`;
  const nodeRows = Math.min(
    report.nodes.length,
    Math.max(1, Math.floor((budget - FIXED_ROWS) / 2)),
  );
  const nodes = report.nodes.slice(0, nodeRows).map((n) => fit(nodeLine(n)));
  if (report.nodes.length > nodeRows)
    nodes.push(fit(`… and ${report.nodes.length - nodeRows} more nodes`));
  const findingRows = Math.max(0, budget - FIXED_ROWS - nodes.length);
  const findings = report.findings.slice(0, findingRows).map((f) => findingLine(f, style, width));
  const more = report.findings.length - findings.length;
  const lines = [
    style.bold(
      fit(
        `respool doctor · ${report.target} · report ${report.iteration ?? 1} · every ${intervalSeconds} s`,
      ),
    ),
    ...nodes,
    '',
    summaryLine(report, style),
    ...(findings.length === 0 && report.findings.length === 0
      ? [style.good('no findings')]
      : findings),
    ...(more > 0
      ? [
          style.dim(
            fit(
              `… ${more} more finding${more === 1 ? '' : 's'}: run without --watch for the full report`,
            ),
          ),
        ]
      : []),
    '',
    style.dim(fit(`Ctrl-C to stop · next report in ${intervalSeconds} s`)),
  ];
  return lines.join('\n');
}

function nodeLine(node: NodeReport): string {
  if (node.error !== null) return `${node.address}: not audited: ${node.error}`;
  const s = node.server;
  const connections = `${countOrUnknown(s?.connectedClients ?? null)} conns`;
  const d = node.delta;
  if (d === null) return `${node.address}: ${connections} · changes from the next report on`;
  const parts = [
    signedCount(d.connectedClients),
    `${countOrUnknown(d.accepted)} accepted`,
    `${countOrUnknown(d.rejected)} rejected`,
  ];
  if (d.commands !== null)
    parts.push(`${formatCount(Math.round(d.commands / Math.max(d.intervalSeconds, 0.001)))} cmd/s`);
  return `${node.address}: ${connections} · last ${d.intervalSeconds.toFixed(1)} s: ${parts.join(' · ')}`;
}

function findingLine(f: Finding, style: Style, width: number): string {
  const label = f.severity === 'error' ? 'ERROR' : f.severity === 'warning' ? 'WARN ' : 'INFO ';
  const who = f.group === null ? (f.node ?? 'this host') : groupLabel(f.group);
  // The kind and whom it is about; the message itself is in the full report.
  const text = `${f.check} · ${who}${f.group === null || f.node === null ? '' : ` → ${f.node}`}`;
  const room = width - label.length - 1;
  return `${style.severity(f.severity, label)} ${text.length <= room ? text : `${text.slice(0, room - 1)}…`}`;
}
