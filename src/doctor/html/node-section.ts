/**
 * One audited node in the HTML report: what the server said about itself, its two charts with
 * their fallback tables, and the connections grouped by pool, host, name and lib-name.
 */
import { formatCount } from '../../util/format-table.js';
import { formatSeconds } from '../format-duration.js';
import { groupLabel, LIB_NAME_NOT_REPORTED, libNameCell, nameCell } from '../group-label.js';
import { sameGrouping } from '../groups.js';
import { nodeFacts } from '../node-facts.js';
import type { ClientGroup, Finding, NodeReport } from '../report-model.js';
import { trackingRoute, trackingSummary } from '../tracking.js';
import { type ChartSpec, IDLE_BUCKETS, type NodeCharts } from './chart-data.js';
import { escapeHtml } from './escape.js';
import { type ChartMark, svgBarChart } from './svg-bar-chart.js';
import { type Cell, htmlTable, num } from './table.js';

/** Most rows per group table; the embedded JSON (and `--json`) has them all. */
export const MAX_HTML_GROUP_ROWS = 200;

type KeyColumn = 'host' | 'name' | 'lib-name';

/** The `<section>` of `node`; `charts` from `nodeCharts(node, index)`. */
export function nodeSection(
  node: NodeReport,
  index: number,
  charts: NodeCharts | null,
  doctorClientName: string,
  findings: readonly Finding[] = [],
): string {
  const id = `node-${index}`;
  const parts = [
    `<section class="node" id="${id}" aria-labelledby="${id}-title">`,
    `<h2 id="${id}-title">Node <code>${escapeHtml(node.address)}</code></h2>`,
  ];
  const meta = nodeMeta(node);
  if (meta !== '') parts.push(`<p class="muted">${escapeHtml(meta)}</p>`);
  if (node.error !== null) {
    parts.push(`<p class="not-audited">Not audited: ${escapeHtml(node.error)}</p>`, '</section>');
    return parts.join('\n');
  }
  parts.push(facts(node, doctorClientName));
  if (node.clients.status === 'ok') {
    if (charts !== null) parts.push(chartsBlock(charts, idleMarks(charts, findings)));
    const { groups, libNameReported } = node.clients;
    const poolKeys: KeyColumn[] = libNameReported ? ['host', 'name', 'lib-name'] : ['host', 'name'];
    // Groupings that split the connections exactly as the pools do add nothing: one table.
    const tables: (readonly [string, string, readonly ClientGroup[], KeyColumn])[] = [
      ['By host', 'Connections by client host', groups.byHost, 'host'],
      ['By name', 'Connections by name', groups.byName, 'name'],
      ...(libNameReported
        ? [['By lib-name', 'Connections by lib-name', groups.byLibName, 'lib-name'] as const]
        : []),
    ];
    const same = tables.filter(([, , list]) => sameGrouping(list, groups.byPool));
    const sameNote =
      same.length === 0
        ? ''
        : `; ${same.map(([title]) => title.toLowerCase()).join(', ')}: the same groups`;
    parts.push(
      `<h3>Pools (same host, name${libNameReported ? ' and lib-name' : ''})${escapeHtml(sameNote)}</h3>`,
      groupTable('Connections by pool', groups.byPool, poolKeys, libNameReported),
    );
    for (const [title, caption, list, key] of tables) {
      if (same.some(([t]) => t === title)) continue;
      parts.push(`<h3>${title}</h3>`, groupTable(caption, list, [key], libNameReported));
    }
    if (!libNameReported) {
      parts.push(
        '<h3>By lib-name</h3>',
        `<p>${escapeHtml(LIB_NAME_NOT_REPORTED)} (CLIENT LIST has lib-name from Redis 7.2)</p>`,
      );
    }
    const tracking = node.clients.tracking;
    if (tracking.length > 0) {
      parts.push(
        '<h3>Tracking (client-side caching)</h3>',
        `<p>${escapeHtml(trackingSummary(tracking))}</p>`,
        htmlTable({
          caption: 'Connections with CLIENT TRACKING on',
          captionHidden: true,
          head: ['id', 'address', 'name', 'mode', 'invalidations'],
          rows: tracking.map((t) => [String(t.id), t.addr, t.name, t.mode, trackingRoute(t)]),
        }),
      );
    }
  }
  parts.push('</section>');
  return parts.join('\n');
}

function nodeMeta(node: NodeReport): string {
  const parts: string[] = [];
  if (node.server?.version != null) parts.push(`Redis ${node.server.version}`);
  if (node.role !== null) parts.push(node.role);
  if (node.clusterNodeId !== null) parts.push(`cluster node id ${node.clusterNodeId}`);
  if (node.server?.uptimeSeconds != null) {
    parts.push(`up ${formatSeconds(node.server.uptimeSeconds)}`);
  }
  return parts.join(' · ');
}

function facts(node: NodeReport, doctorClientName: string): string {
  // The text report's facts, with labels capitalised for a page.
  const items = nodeFacts(node, doctorClientName).map(
    ([k, v]) =>
      `<dt>${escapeHtml(k.charAt(0).toUpperCase() + k.slice(1))}</dt><dd>${escapeHtml(v)}</dd>`,
  );
  return `<dl class="facts">${items.join('')}</dl>`;
}

/**
 * The histogram bars that explain this node's findings (an idle-pool finding: the bars of 5 s
 * and more), each with the findings it explains as its tooltip.
 */
export function idleMarks(charts: NodeCharts, findings: readonly Finding[]): ChartMark[] {
  const marks: ChartMark[] = [];
  IDLE_BUCKETS.forEach((bucket, labelIndex) => {
    if ((charts.idle.totals[labelIndex] ?? 0) === 0) return;
    const explained = findings.filter((f) => bucket.explains.includes(f.check));
    if (explained.length === 0) return;
    const note = explained
      .map((f) => `${f.check}${f.group === null ? '' : `: ${groupLabel(f.group)}`}`)
      .join('; ');
    marks.push({ labelIndex, note: `${bucket.label}: behind ${note}` });
  });
  return marks;
}

function chartsBlock(charts: NodeCharts, marks: readonly ChartMark[]): string {
  const hostNote =
    charts.hostsFolded > 0
      ? `The ${formatCount(charts.hostsFolded)} smallest hosts share the last bar.`
      : '';
  const idleNote =
    charts.notInHistogram > 0
      ? `${formatCount(charts.notInHistogram)} connection(s) the server's timeout does not apply to (blocked, pub/sub, replication) are not counted.`
      : '';
  return [
    '<h3>Charts</h3>',
    '<div class="charts">',
    figure(charts.hosts, 'Connections per client host, by name', hostNote),
    figure(
      charts.idle,
      'Idle time since the last command, by name',
      [
        idleNote,
        marks.length === 0
          ? ''
          : `Dashed outline: the bars behind a finding (${marks.map((m) => m.note).join(' · ')}).`,
      ]
        .filter((n) => n !== '')
        .join(' '),
      marks,
    ),
    '</div>',
  ].join('\n');
}

function figure(
  spec: ChartSpec,
  title: string,
  note: string,
  marks: readonly ChartMark[] = [],
): string {
  const id = escapeHtml(spec.canvasId);
  const head: Cell[] = [spec.xTitle, 'total', ...spec.datasets.map((d) => d.label)];
  const rows = spec.labels.map((label, x): Cell[] => [
    label,
    num(spec.totals[x] ?? 0),
    ...spec.datasets.map((d) => num(d.data[x] ?? 0)),
  ]);
  return [
    `<figure class="chart" aria-labelledby="${id}-caption">`,
    `<figcaption id="${id}-caption">${escapeHtml(title)}</figcaption>`,
    `<div class="chart-box">${svgBarChart(spec, title, marks)}</div>`,
    note === '' ? '' : `<p class="muted">${escapeHtml(note)}</p>`,
    `<details id="${id}-data" class="chart-data"><summary>Data table: ${escapeHtml(title.toLowerCase())}</summary>`,
    htmlTable({ caption: title, captionHidden: true, head, rows }),
    '</details>',
    '</figure>',
  ].join('\n');
}

function groupTable(
  caption: string,
  groups: readonly ClientGroup[],
  keys: readonly KeyColumn[],
  libNameReported: boolean,
): string {
  if (groups.length === 0) return '<p>No connections besides the doctor.</p>';
  const head: Cell[] = [
    ...keys,
    ...[
      'conns',
      'idle p50',
      'idle p90',
      'idle max',
      'age p50',
      'age max',
      'blocked',
      'blocking cmd',
      'pub/sub',
    ].map((text) => ({ text, numeric: true })),
  ];
  const rows = groups
    .slice(0, MAX_HTML_GROUP_ROWS)
    .map((g): Cell[] => [
      ...keys.map((k) =>
        k === 'host'
          ? (g.key.host ?? '')
          : k === 'name'
            ? nameCell(g.key.name)
            : libNameCell(g.key.libName, libNameReported),
      ),
      num(g.count),
      seconds(g.idle.p50),
      seconds(g.idle.p90),
      seconds(g.idle.max),
      seconds(g.age.p50),
      seconds(g.age.max),
      num(g.blocked),
      num(g.blockingCommand),
      num(g.pubsub),
    ]);
  const more =
    groups.length > MAX_HTML_GROUP_ROWS
      ? `<p class="muted">… and ${formatCount(groups.length - MAX_HTML_GROUP_ROWS)} more (all of them in the embedded JSON and in --json).</p>`
      : '';
  return htmlTable({ caption, captionHidden: true, head, rows }) + more;
}

function seconds(value: number): Cell {
  return { text: formatSeconds(value), numeric: true, title: `${formatCount(value)} s` };
}
