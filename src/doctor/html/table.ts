/**
 * Accessible data tables for the HTML report: a caption, column headers with `scope`, and the
 * first cell of each row as its row header. Every cell is text and is escaped here, so callers
 * cannot forget to.
 */
import { formatCount } from '../../util/format-table.js';
import { escapeHtml } from './escape.js';

/** A cell: plain text, or text with a right-aligned number style and a tooltip. */
export type Cell =
  | string
  | { readonly text: string; readonly numeric?: boolean; readonly title?: string };

/** What {@link htmlTable} renders. */
export interface TableSpec {
  readonly caption: string;
  /** Hide the caption visually (it still names the table for screen readers). */
  readonly captionHidden?: boolean;
  readonly head: readonly Cell[];
  readonly rows: readonly (readonly Cell[])[];
  /** Extra class on the `<table>`. */
  readonly className?: string;
}

/** `spec` as a `<table>` wrapped for horizontal scrolling on narrow screens. */
export function htmlTable(spec: TableSpec): string {
  const caption = `<caption${spec.captionHidden === true ? ' class="visually-hidden"' : ''}>${escapeHtml(spec.caption)}</caption>`;
  const head = `<thead><tr>${spec.head.map((c) => cell('th', c, ' scope="col"')).join('')}</tr></thead>`;
  const body = spec.rows
    .map(
      (row) =>
        `<tr>${row.map((c, i) => (i === 0 ? cell('th', c, ' scope="row"') : cell('td', c, ''))).join('')}</tr>`,
    )
    .join('\n');
  const cls = spec.className === undefined ? '' : ` class="${escapeHtml(spec.className)}"`;
  return `<div class="table-wrap"><table${cls}>${caption}${head}<tbody>\n${body}\n</tbody></table></div>`;
}

/** A right-aligned count. */
export function num(value: number | null, title?: string): Cell {
  const text = value === null ? '?' : formatCount(value);
  return title === undefined ? { text, numeric: true } : { text, numeric: true, title };
}

function cell(tag: 'th' | 'td', c: Cell, attrs: string): string {
  if (typeof c === 'string') return `<${tag}${attrs} class="key">${escapeHtml(c)}</${tag}>`;
  const cls = c.numeric === true ? 'num' : 'key';
  const title = c.title === undefined ? '' : ` title="${escapeHtml(c.title)}"`;
  return `<${tag}${attrs} class="${cls}"${title}>${escapeHtml(c.text)}</${tag}>`;
}
