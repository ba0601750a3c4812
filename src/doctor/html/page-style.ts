/**
 * The report's stylesheet, inlined in `<style>`: system fonts only (nothing to fetch), colours
 * that keep severity readable in print and for colour-blind readers (each badge also says its
 * severity in words), and print rules that keep a finding or a chart on one page.
 */
export const PAGE_STYLE = `
:root {
  color-scheme: light;
  --fg: #1b1f24;
  --muted: #57606a;
  --line: #d0d7de;
  --panel: #f6f8fa;
  --error: #b42318;
  --error-bg: #fef3f2;
  --warning: #9a6700;
  --warning-bg: #fff8c5;
  --info: #0550ae;
  --info-bg: #ddf4ff;
  --good: #1a7f37;
}
* { box-sizing: border-box; }
body {
  margin: 0 auto;
  max-width: 1200px;
  padding: 1.5rem 2rem 3rem;
  font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  color: var(--fg);
  background: #fff;
}
h1 { font-size: 1.6rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.3rem; margin: 2.5rem 0 0.5rem; padding-bottom: 0.25rem; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.5rem 0 0.5rem; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; }
.muted { color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; list-style: none; padding: 0; margin: 0.5rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1.25rem; margin: 0.5rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.summary { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.75rem 0; }
.pill { border-radius: 999px; padding: 0.1rem 0.75rem; border: 1px solid var(--line); background: var(--panel); font-weight: 600; }
.pill.error { color: var(--error); background: var(--error-bg); border-color: var(--error); }
.pill.warning { color: var(--warning); background: var(--warning-bg); border-color: var(--warning); }
.pill.info { color: var(--info); background: var(--info-bg); border-color: var(--info); }
.pill.good { color: var(--good); border-color: var(--good); }
.finding { border: 1px solid var(--line); border-left: 6px solid var(--info); border-radius: 6px; padding: 0.6rem 1rem; margin: 0.75rem 0; background: #fff; }
.finding.error { border-left-color: var(--error); background: var(--error-bg); }
.finding.warning { border-left-color: var(--warning); background: var(--warning-bg); }
.finding.info { border-left-color: var(--info); background: var(--info-bg); }
.finding h3 { margin: 0 0 0.3rem; font-size: 1rem; display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: baseline; }
.finding p { margin: 0.3rem 0; }
.finding .actions { margin: 0.4rem 0 0.2rem; padding-left: 1.2rem; }
.finding .actions li { margin: 0.25rem 0; }
.finding pre { margin: 0.25rem 0; padding: 0.3rem 0.6rem; background: #fff; border: 1px solid var(--line); border-radius: 4px; overflow-x: auto; }
.badge { font-size: 0.75rem; font-weight: 700; letter-spacing: 0.05em; text-transform: uppercase; padding: 0.05rem 0.5rem; border-radius: 4px; color: #fff; }
.badge.error { background: var(--error); }
.badge.warning { background: var(--warning); }
.badge.info { background: var(--info); }
.not-audited { color: var(--error); font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1.5rem; margin: 1rem 0; }
figure { margin: 0; padding: 0.75rem; border: 1px solid var(--line); border-radius: 6px; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 0.5rem; }
.chart-box svg { display: block; width: 100%; height: auto; }
details { margin-top: 0.5rem; }
summary { cursor: pointer; color: var(--muted); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.25rem; }
th, td { padding: 0.25rem 0.6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--panel); border-bottom: 2px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.key { overflow-wrap: anywhere; max-width: 28rem; }
footer { margin-top: 3rem; font-size: 0.85rem; color: var(--muted); border-top: 1px solid var(--line); padding-top: 0.75rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-before: auto; break-after: avoid; }
  h3 { break-after: avoid; }
  .finding, figure, tr { break-inside: avoid; }
  .finding, .finding.error, .finding.warning, .finding.info { background: #fff; }
  .charts { grid-template-columns: 1fr; }
  summary { color: var(--fg); }
  nav { display: none; }
  .table-wrap { overflow: visible; }
}
`;
