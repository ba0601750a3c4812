/**
 * The two charts of a node, derived from its report: connections per client host and the
 * idle-time histogram, both stacked by connection name so one pool reads as one colour across
 * both. Computed here, once, and used twice: drawn as inline SVG (svg-bar-chart.ts) and
 * rendered as the data table under it, so the picture and the table cannot disagree.
 */
import { nameCell } from '../group-label.js';
import type { ClientGroup, IdleBuckets, NodeReport } from '../report-model.js';

/** Most hosts drawn as their own bar; the rest share one "other hosts" bar. */
export const MAX_CHART_HOSTS = 20;
/** Most names drawn as their own colour; the rest share "other names". */
export const MAX_CHART_NAMES = 8;

// Okabe–Ito: distinguishable with the common colour-vision deficiencies. Grey is kept for the
// "other names" series so it never looks like a real pool.
const PALETTE = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#000000',
] as const;
const OTHER_COLOUR = '#999999';

/**
 * The histogram's bars in order: a count from the model's buckets (cumulative `under1m` less
 * `under5s` for 5 s–1 min), and which checks' thresholds the bar stands for, so the bar that
 * explains a finding can be marked. The bounds are the checks' own: 5 s the idle-pool median,
 * 10 min stale, 1 h the idle-timeout check.
 */
export const IDLE_BUCKETS: readonly {
  readonly label: string;
  readonly count: (b: IdleBuckets) => number;
  /** Checks whose finding this bar shows the connections of. */
  readonly explains: readonly string[];
}[] = [
  { label: '< 5 s', count: (b) => b.under5s, explains: ['oversized-pool'] },
  { label: '5 s–1 min', count: (b) => b.under1m - b.under5s, explains: ['idle-pool'] },
  { label: '1–10 min', count: (b) => b.under10m, explains: ['idle-pool'] },
  { label: '10 min–1 h', count: (b) => b.under1h, explains: ['idle-pool', 'stale-pool'] },
  {
    label: '1 h–1 day',
    count: (b) => b.under1d,
    explains: ['idle-pool', 'stale-pool', 'idle-timeout'],
  },
  {
    label: '≥ 1 day',
    count: (b) => b.atLeast1d,
    explains: ['idle-pool', 'stale-pool', 'idle-timeout'],
  },
];

/** One stacked series: the connections of one name (or of the folded rest). */
export interface ChartDataset {
  readonly label: string;
  readonly color: string;
  /** One count per {@link ChartSpec.labels} entry. */
  readonly data: readonly number[];
}

/** One chart: its bars, stacked by series. */
export interface ChartSpec {
  /** The `id` of the chart's `<svg>` element (its data table is `<id>-data`). */
  readonly canvasId: string;
  readonly xTitle: string;
  readonly yTitle: string;
  readonly labels: readonly string[];
  readonly datasets: readonly ChartDataset[];
  /** Per label, the sum over all datasets. */
  readonly totals: readonly number[];
}

/** Both charts of one node. */
export interface NodeCharts {
  readonly hosts: ChartSpec;
  readonly idle: ChartSpec;
  /** Hosts folded into the "other hosts" bar (0 when every host has its own). */
  readonly hostsFolded: number;
  /**
   * Connections missing from the histogram: the model buckets only those the server's `timeout`
   * applies to (not blocked, pub/sub or replication links).
   */
  readonly notInHistogram: number;
}

/** The charts of `node` (`index` in the report makes the canvas ids); `null` without CLIENT LIST. */
export function nodeCharts(node: NodeReport, index: number): NodeCharts | null {
  if (node.clients.status !== 'ok') return null;
  const { byPool, byHost, byName } = node.clients.groups;

  const names = byName.slice(0, MAX_CHART_NAMES).map((g) => g.key.name ?? '');
  const nameIndex = new Map(names.map((name, i) => [name, i]));
  const seriesLabels = names.map((name) => nameCell(name));
  if (byName.length > names.length)
    seriesLabels.push(`other names (${byName.length - names.length})`);
  const seriesOf = (group: ClientGroup): number =>
    nameIndex.get(group.key.name ?? '') ?? names.length;

  const hosts = byHost.slice(0, MAX_CHART_HOSTS).map((g) => g.key.host ?? '');
  const hostIndex = new Map(hosts.map((host, i) => [host, i]));
  const hostsFolded = byHost.length - hosts.length;
  const hostLabels = hostsFolded > 0 ? [...hosts, `other hosts (${hostsFolded})`] : hosts;

  const perHost = seriesLabels.map(() => new Array<number>(hostLabels.length).fill(0));
  const perBucket = seriesLabels.map(() => new Array<number>(IDLE_BUCKETS.length).fill(0));
  let subjectToTimeout = 0;
  for (const group of byPool) {
    const series = seriesOf(group);
    const hostRow = perHost[series];
    const bucketRow = perBucket[series];
    if (hostRow === undefined || bucketRow === undefined) continue;
    const host = hostIndex.get(group.key.host ?? '') ?? hosts.length;
    hostRow[host] = (hostRow[host] ?? 0) + group.count;
    IDLE_BUCKETS.forEach((bucket, i) => {
      bucketRow[i] = (bucketRow[i] ?? 0) + bucket.count(group.idleBuckets);
    });
    subjectToTimeout += group.subjectToTimeout;
  }
  const total = byPool.reduce((sum, g) => sum + g.count, 0);

  return {
    hosts: spec(`chart-hosts-${index}`, 'client host', hostLabels, seriesLabels, perHost),
    idle: spec(
      `chart-idle-${index}`,
      'idle since last command',
      IDLE_BUCKETS.map((b) => b.label),
      seriesLabels,
      perBucket,
    ),
    hostsFolded,
    notInHistogram: total - subjectToTimeout,
  };
}

function spec(
  canvasId: string,
  xTitle: string,
  labels: readonly string[],
  seriesLabels: readonly string[],
  rows: readonly (readonly number[])[],
): ChartSpec {
  const datasets = seriesLabels.map((label, i) => ({
    label,
    color: i < MAX_CHART_NAMES ? (PALETTE[i] ?? OTHER_COLOUR) : OTHER_COLOUR,
    data: rows[i] ?? [],
  }));
  const totals = labels.map((_, x) => datasets.reduce((sum, d) => sum + (d.data[x] ?? 0), 0));
  return { canvasId, xTitle, yTitle: 'connections', labels, datasets, totals };
}
