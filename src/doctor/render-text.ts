/**
 * The terminal report: per node a header (connections, counters, config), the connections
 * grouped by pool, host, name and lib-name; then this host's sockets; then the findings with
 * their recommendations and the exit code. Plain text laid out by `formatTable`; colour (when
 * the style has it) is added to whole lines afterwards so alignment never breaks.
 */
import { formatCount, formatTable, wrapText } from '../util/format-table.js';
import { formatSeconds } from './format-duration.js';
import { groupLabel, LIB_NAME_NOT_REPORTED, libNameCell, nameCell } from './group-label.js';
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

/** Columns the report is wrapped to. */
export const REPORT_WIDTH = 100;

/** Most rows per group table; the JSON report has them all. */
export const MAX_GROUP_ROWS = 15;

const SEVERITY_LABELS: Readonly<Record<Severity, string>> = {
  error: 'ERROR',
  warning: 'WARN ',
  info: 'INFO ',
};

/** Render `report` for a terminal. */
export function renderText(report: DoctorReport, style: Style = createStyle(false)): string {
  const lines: string[] = [];
  const watch = report.iteration === null ? '' : ` · report ${report.iteration}`;
  lines.push(
    style.bold(`respool doctor · ${report.target} · ${report.mode}${watch}`),
    style.dim(`generated ${report.generatedAt}`),
  );
  for (const node of report.nodes) lines.push('', ...renderNode(node, report, style));
  lines.push('', ...renderHost(report.host, style));
  lines.push('', ...renderFindings(report.findings, style));
  lines.push('', renderSummary(report, style));
  return lines.join('\n');
}

function renderNode(node: NodeReport, report: DoctorReport, style: Style): string[] {
  const head = [`Node ${node.address}`];
  if (node.server?.version != null) head.push(`Redis ${node.server.version}`);
  if (node.role !== null) head.push(node.role);
  if (node.clusterNodeId !== null) head.push(`id ${node.clusterNodeId.slice(0, 8)}`);
  if (node.server?.uptimeSeconds != null)
    head.push(`up ${formatSeconds(node.server.uptimeSeconds)}`);
  const lines = [style.bold(head.join(' · '))];
  if (node.error !== null) {
    lines.push(style.severity('error', `  not audited: ${node.error}`));
    return lines;
  }
  const facts = nodeFacts(node, report.doctorClientName);
  lines.push(formatTable(facts, { indent: '  ', align: ['left', 'left'] }));
  if (node.clients.status === 'ok') {
    const { groups, libNameReported } = node.clients;
    lines.push(
      '',
      ...groupTable(
        `Pools (same host, name${libNameReported ? ' and lib-name' : ''})`,
        groups.byPool,
        libNameReported ? ['host', 'name', 'lib-name'] : ['host', 'name'],
        libNameReported,
        style,
      ),
    );
    lines.push('', ...groupTable('By host', groups.byHost, ['host'], libNameReported, style));
    lines.push('', ...groupTable('By name', groups.byName, ['name'], libNameReported, style));
    if (libNameReported) {
      lines.push('', ...groupTable('By lib-name', groups.byLibName, ['lib-name'], true, style));
    } else {
      lines.push(
        '',
        `  ${style.bold('By lib-name')}: ${LIB_NAME_NOT_REPORTED} (CLIENT LIST has lib-name from Redis 7.2)`,
      );
    }
  }
  return lines;
}

type KeyColumn = 'host' | 'name' | 'lib-name';

function groupTable(
  title: string,
  groups: readonly ClientGroup[],
  keys: readonly KeyColumn[],
  libNameReported: boolean,
  style: Style,
): string[] {
  const header = [
    ...keys,
    'conns',
    'idle p50',
    'p90',
    'max',
    'age p50',
    'max',
    'blocked',
    'blocking cmd',
    'pub/sub',
  ];
  const rows = groups
    .slice(0, MAX_GROUP_ROWS)
    .map((g) => [
      ...keys.map((k) =>
        k === 'host'
          ? (g.key.host ?? '')
          : k === 'name'
            ? nameCell(g.key.name)
            : libNameCell(g.key.libName, libNameReported),
      ),
      formatCount(g.count),
      formatSeconds(g.idle.p50),
      formatSeconds(g.idle.p90),
      formatSeconds(g.idle.max),
      formatSeconds(g.age.p50),
      formatSeconds(g.age.max),
      formatCount(g.blocked),
      formatCount(g.blockingCommand),
      formatCount(g.pubsub),
    ]);
  const lines = [`  ${style.bold(title)}`];
  if (rows.length === 0) {
    lines.push('    (no connections besides the doctor)');
    return lines;
  }
  const align = header.map((_, i) => (i < keys.length ? 'left' : 'right') as 'left' | 'right');
  const table = formatTable([header, ...rows], { indent: '    ', header: true, align }).split('\n');
  lines.push(style.dim(table[0] ?? ''), ...table.slice(1));
  if (groups.length > MAX_GROUP_ROWS) {
    lines.push(`    … and ${groups.length - MAX_GROUP_ROWS} more (all of them in --json)`);
  }
  return lines;
}

function renderHost(host: HostReport, style: Style): string[] {
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
  lines.push(`  ${ports} · ${reuse}`);
  return lines;
}

function renderFindings(findings: readonly Finding[], style: Style): string[] {
  const lines = [style.bold('Findings')];
  if (findings.length === 0) {
    lines.push(style.good('  none: nothing here needs attention'));
    return lines;
  }
  for (const f of findings) {
    const where = [f.check, f.node ?? 'this host', f.group === null ? '' : groupLabel(f.group)]
      .filter((part) => part !== '')
      .join(' · ');
    lines.push(`  ${style.severity(f.severity, SEVERITY_LABELS[f.severity])}  ${style.dim(where)}`);
    lines.push(wrapText(f.message, REPORT_WIDTH, '         '));
    lines.push(wrapText(f.recommendation, REPORT_WIDTH, '           ', '         → '));
  }
  return lines;
}

function renderSummary(report: DoctorReport, style: Style): string {
  const s = report.summary;
  const text = `${s.errors} error(s) · ${s.warnings} warning(s) · ${s.infos} info · exit code ${s.exitCode}`;
  if (s.exitCode === 0) return style.good(text);
  return style.severity('error', text);
}
