/**
 * The terminal report, verdict first: a one-line summary and the findings, each with its actions
 * (commands on lines of their own, ready to copy); then per node a header (connections,
 * counters, config) and the connections grouped by pool, host, name and lib-name (groupings
 * that split them as the pools do are merged into the pool table); then this host's sockets.
 * Fitted to the terminal's width: wide tables give up their rarest columns first. Plain text laid out by `formatTable`; colour (when
 * the style has it) is added to whole lines afterwards so alignment never breaks.
 */
import { formatCount, formatTable, wrapText } from '../util/format-table.js';
import { formatSeconds } from './format-duration.js';
import { groupLabel, LIB_NAME_NOT_REPORTED, libNameCell, nameCell } from './group-label.js';
import { sameGrouping } from './groups.js';
import { nodeFacts } from './node-facts.js';
import type {
  ClientGroup,
  DoctorReport,
  Finding,
  HostReport,
  NodeReport,
  Severity,
} from './report-model.js';
import { createStyle, type Style } from './style.js';
import { trackingRoute, trackingSummary } from './tracking.js';

/** Columns the report is wrapped to when the terminal's width is unknown (a pipe, a log). */
export const REPORT_WIDTH = 100;

/** Narrowest and widest layouts: below 60 nothing reads well, above 160 lines get too long. */
const MIN_WIDTH = 60;
const MAX_WIDTH = 160;

/** Most rows per group table; the JSON report has them all. */
export const MAX_GROUP_ROWS = 15;

const SEVERITY_LABELS: Readonly<Record<Severity, string>> = {
  error: 'ERROR',
  warning: 'WARN ',
  info: 'INFO ',
};

/** The width to lay a report out in: the terminal's columns, clamped; 100 without a terminal. */
export function reportWidth(columns: number | undefined): number {
  if (columns === undefined || columns <= 0) return REPORT_WIDTH;
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, columns));
}

/**
 * Render `report` for a terminal, `width` columns wide: the verdict first (a one-line summary and
 * the findings with what to do), then the evidence (per node its facts and connection groups,
 * then this host's sockets).
 */
export function renderText(
  report: DoctorReport,
  style: Style = createStyle(false),
  width: number = REPORT_WIDTH,
): string {
  const lines: string[] = [];
  const watch = report.iteration === null ? '' : ` · report ${report.iteration}`;
  lines.push(
    style.bold(`respool doctor · ${report.target} · ${report.mode}${watch}`),
    summaryLine(report, style),
    '',
    ...renderFindings(report.findings, style, width),
  );
  for (const node of report.nodes) lines.push('', ...renderNode(node, report, style, width));
  lines.push('', ...renderHost(report.host, style, width));
  lines.push('', style.dim(`generated ${report.generatedAt}`));
  return lines.join('\n');
}

/** `1 error · 2 warnings · 0 info · exit code 1`, coloured by the exit code. */
export function summaryLine(report: DoctorReport, style: Style): string {
  const s = report.summary;
  const counts = `${plural(s.errors, 'error')} · ${plural(s.warnings, 'warning')} · ${s.infos} info`;
  const meaning =
    s.exitCode === 0
      ? s.warnings > 0
        ? ' (warnings only)'
        : ''
      : s.exitCode === 3
        ? ' (a node could not be audited)'
        : ' (an error-level finding)';
  const text = `${counts} · exit code ${s.exitCode}${meaning}`;
  if (s.exitCode !== 0) return style.severity('error', text);
  return s.warnings > 0 ? style.severity('warning', text) : style.good(text);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function renderNode(node: NodeReport, report: DoctorReport, style: Style, width: number): string[] {
  const head = [`Node ${node.address}`];
  if (node.server?.version != null) head.push(`Redis ${node.server.version}`);
  if (node.role !== null) head.push(node.role);
  if (node.clusterNodeId !== null) head.push(`id ${node.clusterNodeId.slice(0, 8)}`);
  if (node.server?.uptimeSeconds != null)
    head.push(`up ${formatSeconds(node.server.uptimeSeconds)}`);
  const lines = [style.bold(head.join(' · '))];
  if (node.error !== null) {
    lines.push(
      style.severity('error', wrapText(`not audited: ${node.error}`, width, '    ', '  ')),
    );
    return lines;
  }
  const facts = nodeFacts(node, report.doctorClientName);
  const labelWidth = facts.reduce((m, [label]) => Math.max(m, label.length), 0);
  for (const [label, value] of facts) {
    const indent = ' '.repeat(2 + labelWidth + 3);
    lines.push(wrapText(value, width, indent, `  ${label.padEnd(labelWidth)}   `));
  }
  if (node.clients.status === 'ok') {
    const { groups, libNameReported } = node.clients;
    // Groupings that split the connections exactly as the pools do add nothing: one table.
    const same: string[] = [];
    const rest: [string, readonly ClientGroup[], KeyColumn][] = [];
    for (const [title, list, key] of [
      ['by host', groups.byHost, 'host'],
      ['by name', groups.byName, 'name'],
      ...(libNameReported ? [['by lib-name', groups.byLibName, 'lib-name'] as const] : []),
    ] as const) {
      if (sameGrouping(list, groups.byPool)) same.push(title);
      else rest.push([title, list, key]);
    }
    const poolTitle = `Pools (same host, name${libNameReported ? ' and lib-name' : ''})${same.length > 0 ? `; ${same.join(', ')}: the same groups` : ''}`;
    lines.push(
      '',
      ...groupTable(
        poolTitle,
        groups.byPool,
        libNameReported ? ['host', 'name', 'lib-name'] : ['host', 'name'],
        libNameReported,
        style,
        width,
      ),
    );
    for (const [title, list, key] of rest) {
      const heading = title.charAt(0).toUpperCase() + title.slice(1);
      lines.push('', ...groupTable(heading, list, [key], libNameReported, style, width));
    }
    if (!libNameReported) {
      const text = `By lib-name: ${LIB_NAME_NOT_REPORTED} (CLIENT LIST has lib-name from Redis 7.2)`;
      lines.push('', wrapText(text, width, '    ', '  '));
    }
    const tracking = node.clients.tracking;
    if (tracking.length > 0) {
      lines.push('', `  ${trackingSummary(tracking)}`);
      for (const t of tracking) {
        const who = `${t.name === '' ? '(no name)' : t.name} ${t.addr} id ${t.id}`;
        const text = `${who}: ${t.mode}, invalidations ${trackingRoute(t)}`;
        lines.push(wrapText(text, width, '      ', '    '));
      }
    }
  }
  return lines;
}

type KeyColumn = 'host' | 'name' | 'lib-name';

// Columns given up, in this order, when a table is wider than the report: the rarest first.
const DROP_ORDER = ['pub/sub', 'blocking cmd', 'blocked', 'age max', 'age p50', 'p90'];

function groupTable(
  title: string,
  groups: readonly ClientGroup[],
  keys: readonly KeyColumn[],
  libNameReported: boolean,
  style: Style,
  width: number,
): string[] {
  const columns: [string, (g: ClientGroup) => string][] = [
    ['conns', (g) => formatCount(g.count)],
    ['idle p50', (g) => formatSeconds(g.idle.p50)],
    ['p90', (g) => formatSeconds(g.idle.p90)],
    ['max', (g) => formatSeconds(g.idle.max)],
    ['age p50', (g) => formatSeconds(g.age.p50)],
    ['age max', (g) => formatSeconds(g.age.max)],
    ['blocked', (g) => formatCount(g.blocked)],
    ['blocking cmd', (g) => formatCount(g.blockingCommand)],
    ['pub/sub', (g) => formatCount(g.pubsub)],
  ];
  const lines = [`  ${style.bold(title)}`];
  if (groups.length === 0) {
    lines.push('    (no connections besides the doctor)');
    return lines;
  }
  const shown = groups.slice(0, MAX_GROUP_ROWS);
  const keyCells = shown.map((g) =>
    keys.map((k) =>
      k === 'host'
        ? (g.key.host ?? '')
        : k === 'name'
          ? nameCell(g.key.name)
          : libNameCell(g.key.libName, libNameReported),
    ),
  );
  const hidden: string[] = [];
  let table: string[];
  for (;;) {
    const header = [...keys, ...columns.map(([name]) => name)];
    const rows = shown.map((g, i) => [
      ...(keyCells[i] ?? []),
      ...columns.map(([, cell]) => cell(g)),
    ]);
    const align = header.map((_, i) => (i < keys.length ? 'left' : 'right') as 'left' | 'right');
    table = formatTable([header, ...rows], { indent: '    ', header: true, align }).split('\n');
    const widest = table.reduce((m, line) => Math.max(m, line.length), 0);
    const drop = DROP_ORDER.find((name) => columns.some(([c]) => c === name));
    if (widest <= width || drop === undefined) break;
    columns.splice(
      columns.findIndex(([c]) => c === drop),
      1,
    );
    hidden.push(drop);
  }
  lines.push(style.dim(table[0] ?? ''), ...table.slice(1));
  if (groups.length > MAX_GROUP_ROWS) {
    lines.push(`    … and ${groups.length - MAX_GROUP_ROWS} more (all of them in --json)`);
  }
  if (hidden.length > 0) {
    const note = `(${hidden.join(', ')} left out to fit ${width} columns; --json has them)`;
    lines.push(style.dim(wrapText(note, width, '     ', '    ')));
  }
  return lines;
}

function renderHost(host: HostReport, style: Style, width: number): string[] {
  const lines = [style.bold('This host: sockets towards the audited nodes')];
  if (host.status === 'unavailable') {
    lines.push(`  not available: ${host.reason}`);
    return lines;
  }
  if (host.endpoints.length === 0) {
    lines.push('  no TCP node was audited');
  } else {
    const rows = host.endpoints.map((e) => [
      e.matchedByPortOnly ? `${e.address} (any address, port ${e.port})` : e.address,
      formatCount(e.established),
      formatCount(e.timeWait),
      formatCount(e.closeWait),
    ]);
    const table = formatTable([['towards', 'ESTABLISHED', 'TIME_WAIT', 'CLOSE_WAIT'], ...rows], {
      indent: '  ',
      header: true,
    }).split('\n');
    lines.push(style.dim(table[0] ?? ''), ...table.slice(1));
  }
  const range = host.ephemeralPorts;
  const ports =
    range === null
      ? 'ephemeral ports unknown'
      : `ephemeral ports ${range.low}-${range.high} (${formatCount(range.high - range.low + 1)})`;
  const reuse =
    host.tcpTwReuse === null
      ? 'tcp_tw_reuse unknown'
      : `tcp_tw_reuse ${host.tcpTwReuse}${host.tcpTwReuse === 2 ? ' (loopback only)' : ''}`;
  lines.push(wrapText(`${ports} · ${reuse}`, width, '    ', '  '));
  return lines;
}

function renderFindings(findings: readonly Finding[], style: Style, width: number): string[] {
  const lines = [style.bold('Findings')];
  if (findings.length === 0) {
    lines.push(style.good('  none: nothing here needs attention'));
    return lines;
  }
  for (const [i, f] of findings.entries()) {
    if (i > 0) lines.push('');
    const where = [f.check, f.node ?? 'this host', f.group === null ? '' : groupLabel(f.group)]
      .filter((part) => part !== '')
      .join(' · ');
    const head = wrapText(where, width, '         ', '         ').trimStart();
    lines.push(`  ${style.severity(f.severity, SEVERITY_LABELS[f.severity])}  ${style.dim(head)}`);
    lines.push(wrapText(f.message, width, '         '));
    for (const a of f.actions) {
      lines.push(
        wrapText(a.command === null ? a.text : `${a.text}:`, width, '           ', '         → '),
      );
      // A command on a line of its own, never wrapped, so it can be copied as is.
      if (a.command !== null) lines.push(`             ${style.bold(a.command)}`);
    }
  }
  return lines;
}
