/**
 * `--html <file>`: the report as one self-contained HTML page, from the same model as the text
 * and JSON reports. Findings, per node its facts, a chart of connections per client host and an
 * idle-time histogram (each with a data table as text fallback), the group tables, and this
 * host's sockets. The charts are inline SVG drawn at render time (no chart library, no script):
 * the stylesheet, the charts and the model (as JSON) are all inlined, the page opens from disk,
 * offline, and makes no request at all, which its Content-Security-Policy enforces.
 */
import { formatCount } from '../util/format-table.js';
import { LIBRARY_VERSION } from '../version.js';
import { groupLabel } from './group-label.js';
import { nodeCharts } from './html/chart-data.js';
import { escapeHtml, jsonForScript } from './html/escape.js';
import { nodeSection } from './html/node-section.js';
import { PAGE_STYLE } from './html/page-style.js';
import { htmlTable, num } from './html/table.js';
import type { DoctorReport, Finding, HostReport } from './report-model.js';

/** `id` of the `<script type="application/json">` holding the report model. */
export const REPORT_DATA_ID = 'respool-report';
/** Render `report` as a complete HTML document. */
export function renderHtml(report: DoctorReport): string {
  const charts = report.nodes.map((node, i) => nodeCharts(node, i));
  const title = `respool doctor · ${report.target}`;
  const body = [
    header(report),
    nav(report),
    findingsSection(report.findings),
    ...report.nodes.map((node, i) =>
      nodeSection(
        node,
        i,
        charts[i] ?? null,
        report.doctorClientName,
        report.findings.filter((f) => f.node === node.address),
      ),
    ),
    hostSection(report.host),
    footer(),
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CONTENT_SECURITY_POLICY)}">`,
    // An empty inline icon: otherwise the browser asks for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    ...body,
    `<script type="application/json" id="${REPORT_DATA_ID}">${jsonForScript(report)}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * Nothing may load from anywhere and no script may run: the page has none. A page that embeds
 * text from the audited server should not be able to run anything even if an escaping bug let
 * markup through. (The model's JSON block is data, which a policy does not block.)
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'none'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function header(report: DoctorReport): string {
  const audited = report.nodes.filter((n) => n.error === null).length;
  const unreachable = report.nodes.length - audited;
  const rows: [string, string][] = [
    ['Target', report.target],
    ['Mode', report.mode],
    [
      'Nodes audited',
      `${formatCount(audited)} of ${formatCount(report.nodes.length)}${unreachable > 0 ? ` (${unreachable} could not be audited)` : ''}`,
    ],
  ];
  if (report.discoveryError !== null) {
    rows.push(['Cluster discovery', `failed, only the seed audited: ${report.discoveryError}`]);
  }
  if (report.iteration !== null) rows.push(['Watch', `report ${report.iteration}`]);
  rows.push(['respool', LIBRARY_VERSION], ['Report schema', String(report.schemaVersion)]);
  const items = rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`);
  const generated = `<dt>Generated</dt><dd><time datetime="${escapeHtml(report.generatedAt)}">${escapeHtml(report.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</time></dd>`;
  const s = report.summary;
  const pills = [
    `<span class="pill${s.errors > 0 ? ' error' : ''}">${s.errors} error(s)</span>`,
    `<span class="pill${s.warnings > 0 ? ' warning' : ''}">${s.warnings} warning(s)</span>`,
    `<span class="pill${s.infos > 0 ? ' info' : ''}">${s.infos} info</span>`,
    // Green only when there is nothing to look at: exit 0 next to a warning is not "all good".
    `<span class="pill ${s.exitCode !== 0 ? 'error' : s.warnings > 0 ? 'warning' : 'good'}">exit code ${s.exitCode}${s.exitCode === 0 && s.warnings > 0 ? ' (warnings only)' : ''}</span>`,
  ];
  return [
    '<header>',
    '<h1>respool doctor report</h1>',
    `<dl class="facts">${items.join('')}${generated}</dl>`,
    `<div class="summary" aria-label="Summary">${pills.join('')}</div>`,
    '</header>',
  ].join('\n');
}

function nav(report: DoctorReport): string {
  const links: [id: string, text: string][] = [
    ['findings', `Findings (${report.findings.length})`],
    ...report.nodes.map((node, i): [string, string] => [`node-${i}`, `Node ${node.address}`]),
    ['host', 'This host'],
  ];
  const items = links.map(([id, text]) => `<li><a href="#${id}">${escapeHtml(text)}</a></li>`);
  return `<nav aria-label="Sections"><ul>${items.join('')}</ul></nav>`;
}

function findingsSection(findings: readonly Finding[]): string {
  const parts = [
    '<section id="findings" aria-labelledby="findings-title">',
    '<h2 id="findings-title">Findings</h2>',
  ];
  if (findings.length === 0) parts.push('<p>None: nothing here needs attention.</p>');
  for (const f of findings) {
    const where = [f.check, f.node ?? 'this host', f.group === null ? '' : groupLabel(f.group)]
      .filter((part) => part !== '')
      .join(' · ');
    parts.push(
      `<article class="finding ${f.severity}">`,
      `<h3><span class="badge ${f.severity}">${f.severity}</span> <span>${escapeHtml(where)}</span></h3>`,
      `<p class="message">${escapeHtml(f.message)}</p>`,
      '<ul class="actions">',
      ...f.actions.map(
        (a) =>
          `<li>${escapeHtml(a.text)}${a.command === null ? '' : `<pre><code>${escapeHtml(a.command)}</code></pre>`}</li>`,
      ),
      '</ul>',
      '</article>',
    );
  }
  parts.push('</section>');
  return parts.join('\n');
}

function hostSection(host: HostReport): string {
  const parts = [
    '<section id="host" aria-labelledby="host-title">',
    '<h2 id="host-title">This host: sockets towards the audited nodes</h2>',
  ];
  if (host.status === 'unavailable') {
    parts.push(`<p>Not available: ${escapeHtml(host.reason)}</p>`, '</section>');
    return parts.join('\n');
  }
  if (host.endpoints.length === 0) {
    parts.push('<p>No TCP node was audited.</p>');
  } else {
    parts.push(
      htmlTable({
        caption: 'TCP sockets of this host by state, per audited node',
        head: [
          'towards',
          { text: 'ESTABLISHED', numeric: true },
          { text: 'TIME_WAIT', numeric: true },
          { text: 'CLOSE_WAIT', numeric: true },
        ],
        rows: host.endpoints.map((e) => [
          e.matchedByPortOnly ? `${e.address} (any address, port ${e.port})` : e.address,
          num(e.established),
          num(e.timeWait),
          num(e.closeWait),
        ]),
      }),
    );
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
  parts.push(`<p>${escapeHtml(`${ports} · ${reuse}`)}</p>`, '</section>');
  return parts.join('\n');
}

function footer(): string {
  return [
    '<footer>',
    `<p>Generated by respool ${escapeHtml(LIBRARY_VERSION)} doctor. Self-contained: this page opens offline, runs no script and makes no network requests; the charts are SVG drawn when the report was written. The full report model is embedded as JSON in <code>#${REPORT_DATA_ID}</code>.</p>`,
    '</footer>',
  ].join('\n');
}
