/**
 * A stacked bar chart as inline SVG, drawn here at render time: the HTML report needs no chart
 * library and no script at all, prints sharp at any size, and a reader without CSS or images
 * still has the data table under each chart.
 *
 * Deliberately small: one chart type (vertical bars stacked by series), integer counts, a y axis
 * with round ticks, a legend. Every segment carries a `<title>` (the browser's tooltip) and
 * `data-*` attributes naming its series, label and value, so a test can read the picture back.
 */
import { formatCount } from '../../util/format-table.js';
import type { ChartSpec } from './chart-data.js';
import { escapeHtml } from './escape.js';

// The drawing's own coordinates; the SVG scales to its box (viewBox), text with it.
const WIDTH = 640;
const PLOT_TOP = 16;
const PLOT_LEFT = 56;
const PLOT_RIGHT = 16;
const PLOT_HEIGHT = 200;
const X_LABEL_BAND = 44;
const LEGEND_ROW = 18;
const LEGEND_COLUMN = 200;
const FONT_SIZE = 11;
const MAX_BAR_WIDTH = 80;
/** Characters of an x label before it is cut (the full label is in the table and tooltip). */
const MAX_X_LABEL = 18;
const AXIS = '#57606a';
const GRID = '#d0d7de';

/** A bucket to draw with an outline: the one a finding's threshold falls in. */
export interface ChartMark {
  readonly labelIndex: number;
  /** Shown as the outline's tooltip. */
  readonly note: string;
}

/** `spec` as one `<svg>` element (a string of markup; every text is escaped). */
export function svgBarChart(
  spec: ChartSpec,
  title: string,
  marks: readonly ChartMark[] = [],
): string {
  const legendRows = Math.ceil(
    spec.datasets.length / Math.floor((WIDTH - PLOT_LEFT) / LEGEND_COLUMN),
  );
  const height = PLOT_TOP + PLOT_HEIGHT + X_LABEL_BAND + legendRows * LEGEND_ROW + 8;
  const plotWidth = WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const max = Math.max(1, ...spec.totals);
  const ticks = niceTicks(max);
  const top = ticks.at(-1) ?? max;
  const y = (value: number): number => PLOT_TOP + PLOT_HEIGHT - (value / top) * PLOT_HEIGHT;
  const slot = plotWidth / Math.max(1, spec.labels.length);
  const barWidth = Math.min(MAX_BAR_WIDTH, slot * 0.7);

  const parts: string[] = [
    `<svg class="chart-svg" id="${escapeHtml(spec.canvasId)}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(`${title}: bar chart; the data table below has the numbers`)}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="${FONT_SIZE}">`,
    `<title>${escapeHtml(title)}</title>`,
  ];
  for (const tick of ticks) {
    const ty = round(y(tick));
    parts.push(
      `<line x1="${PLOT_LEFT}" x2="${WIDTH - PLOT_RIGHT}" y1="${ty}" y2="${ty}" stroke="${GRID}" stroke-width="1"/>`,
      `<text x="${PLOT_LEFT - 6}" y="${ty + 4}" text-anchor="end" fill="${AXIS}">${formatCount(tick)}</text>`,
    );
  }
  parts.push(
    `<text transform="translate(14 ${PLOT_TOP + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle" fill="${AXIS}">${escapeHtml(spec.yTitle)}</text>`,
  );
  spec.labels.forEach((label, x) => {
    const left = PLOT_LEFT + x * slot + (slot - barWidth) / 2;
    let stacked = 0;
    for (const dataset of spec.datasets) {
      const value = dataset.data[x] ?? 0;
      if (value <= 0) continue;
      const y0 = y(stacked);
      stacked += value;
      const y1 = y(stacked);
      parts.push(
        `<rect x="${round(left)}" y="${round(y1)}" width="${round(barWidth)}" height="${round(Math.max(1, y0 - y1))}" fill="${dataset.color}" data-series="${escapeHtml(dataset.label)}" data-label="${escapeHtml(label)}" data-value="${value}"><title>${escapeHtml(`${label} · ${dataset.label}: ${formatCount(value)}`)}</title></rect>`,
      );
    }
    const total = spec.totals[x] ?? 0;
    const centre = round(left + barWidth / 2);
    if (total > 0) {
      parts.push(
        `<text x="${centre}" y="${round(y(total)) - 4}" text-anchor="middle" fill="${AXIS}">${formatCount(total)}</text>`,
      );
    }
    parts.push(
      `<text x="${centre}" y="${PLOT_TOP + PLOT_HEIGHT + 16}" text-anchor="middle" fill="#1b1f24" data-axis-label="${escapeHtml(label)}">${escapeHtml(cut(label))}<title>${escapeHtml(label)}</title></text>`,
    );
  });
  for (const mark of marks) {
    const left = PLOT_LEFT + mark.labelIndex * slot + 2;
    parts.push(
      `<rect class="chart-mark" x="${round(left)}" y="${PLOT_TOP}" width="${round(slot - 4)}" height="${PLOT_HEIGHT}" fill="none" stroke="#b42318" stroke-width="2" stroke-dasharray="6 4" data-mark="${escapeHtml(spec.labels[mark.labelIndex] ?? '')}"><title>${escapeHtml(mark.note)}</title></rect>`,
    );
  }
  parts.push(
    `<line x1="${PLOT_LEFT}" x2="${WIDTH - PLOT_RIGHT}" y1="${PLOT_TOP + PLOT_HEIGHT}" y2="${PLOT_TOP + PLOT_HEIGHT}" stroke="${AXIS}" stroke-width="1"/>`,
    `<text x="${PLOT_LEFT + plotWidth / 2}" y="${PLOT_TOP + PLOT_HEIGHT + 34}" text-anchor="middle" fill="${AXIS}">${escapeHtml(spec.xTitle)}</text>`,
  );
  const perRow = Math.floor((WIDTH - PLOT_LEFT) / LEGEND_COLUMN);
  spec.datasets.forEach((dataset, i) => {
    const lx = PLOT_LEFT + (i % perRow) * LEGEND_COLUMN;
    const ly = PLOT_TOP + PLOT_HEIGHT + X_LABEL_BAND + Math.floor(i / perRow) * LEGEND_ROW;
    parts.push(
      `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${dataset.color}"/>`,
      `<text x="${lx + 17}" y="${ly + 10}" fill="#1b1f24">${escapeHtml(cut(dataset.label, 28))}<title>${escapeHtml(dataset.label)}</title></text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Round tick values from 0 to at least `max`: steps of 1, 2 or 5 × 10ⁿ, at most ~5 of them. */
export function niceTicks(max: number): number[] {
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(Math.max(1, rough)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? magnitude * 10;
  const whole = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let t = 0; t < max + whole; t += whole) {
    ticks.push(t);
    if (t >= max) break;
  }
  return ticks;
}

function cut(text: string, max = MAX_X_LABEL): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
