/**
 * Plain text for terminal reports: an aligned table, counts with separators, wrapped prose.
 * Deliberately tiny: no borders, no colour, so the output reads the same in a terminal, a CI log
 * and a pasted issue.
 */

/** How a column's cells line up. Numbers read best right-aligned. */
export type Align = 'left' | 'right';

/** Options for {@link formatTable}. */
export interface TableOptions {
  /** One entry per column. @default 'left' for the first column, 'right' for the rest */
  readonly align?: readonly Align[];
  /** Prefix of every line. @default '' */
  readonly indent?: string;
  /** Spaces between columns. @default 3 */
  readonly gap?: number;
}

/**
 * Render `rows` (the first is the header when `header` is true) as aligned lines joined by `\n`.
 * Rows may be ragged; missing cells render empty. Widths count UTF-16 units, which is right for
 * the ASCII this CLI prints.
 */
export function formatTable(
  rows: readonly (readonly string[])[],
  options: TableOptions & { readonly header?: boolean } = {},
): string {
  const columns = rows.reduce((n, row) => Math.max(n, row.length), 0);
  const widths = new Array<number>(columns).fill(0);
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  const gap = ' '.repeat(options.gap ?? 3);
  const indent = options.indent ?? '';
  const lines: string[] = [];
  rows.forEach((row, r) => {
    const cells: string[] = [];
    for (let i = 0; i < columns; i++) {
      const cell = row[i] ?? '';
      const width = widths[i] ?? 0;
      const align = options.align?.[i] ?? (i === 0 ? 'left' : 'right');
      cells.push(align === 'left' ? cell.padEnd(width) : cell.padStart(width));
    }
    lines.push(`${indent}${cells.join(gap)}`.trimEnd());
    if (r === 0 && options.header === true) {
      const rule = widths.map((w) => '-'.repeat(w)).join(gap);
      lines.push(`${indent}${rule}`);
    }
  });
  return lines.join('\n');
}

/** `12345.6` → `12,346`: integers with thousands separators, fixed locale for stable output. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/**
 * Break `text` into lines of at most `width` columns at spaces, each prefixed with `indent`
 * (the first with `firstIndent` when given: list bullets). A word longer than the width keeps
 * its own line rather than being cut.
 */
export function wrapText(text: string, width: number, indent = '', firstIndent = indent): string {
  const lines: string[] = [];
  let line = '';
  let prefix = firstIndent;
  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    if (line !== '' && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
      prefix = indent;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(prefix + line);
  return lines.join('\n');
}
