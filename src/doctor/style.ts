/**
 * Terminal colour for the text report, through Node's own `util.styleText` (Node ≥ 20.12; on
 * older versions the report is plain). Whether to colour is decided once, by the caller: only
 * for a TTY, never with NO_COLOR set to a non-empty value (https://no-color.org) or with
 * `--no-color`. Colour is applied after tables are laid out, so it never shifts columns.
 */
import * as util from 'node:util';
import type { Severity } from './report-model.js';

type Format = Parameters<typeof util.styleText>[0];

/** The few styles the report uses; identity functions when colour is off. */
export interface Style {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly severity: (severity: Severity, text: string) => string;
  readonly good: (text: string) => string;
}

const SEVERITY_FORMATS: Readonly<Record<Severity, Format>> = {
  error: ['bold', 'red'],
  warning: ['bold', 'yellow'],
  info: 'cyan',
};

/** Inputs of the colour decision. */
export interface ColourContext {
  readonly isTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--no-color` was given. */
  readonly noColorFlag: boolean;
}

/** True when the report may be coloured. */
export function colourEnabled({ isTty, env, noColorFlag }: ColourContext): boolean {
  const noColor = env['NO_COLOR'];
  return isTty && !noColorFlag && (noColor === undefined || noColor === '');
}

/** A style that colours when `enabled` and this Node has `util.styleText`. */
export function createStyle(enabled: boolean): Style {
  // Namespace access, not a named import: importing a missing named export of a builtin fails
  // at link time on Node < 20.12, before any check could run.
  const styleText: unknown = util.styleText;
  if (!enabled || typeof styleText !== 'function') {
    const plain = (text: string): string => text;
    return { bold: plain, dim: plain, severity: (_s, text) => text, good: plain };
  }
  // The caller already decided colour is wanted; newer Nodes would otherwise re-check the
  // stream and env themselves and could disagree with --no-color handling.
  const apply = (format: Format, text: string): string =>
    util.styleText(format, text, { validateStream: false });
  return {
    bold: (text) => apply('bold', text),
    dim: (text) => apply('dim', text),
    severity: (severity, text) => apply(SEVERITY_FORMATS[severity], text),
    good: (text) => apply('green', text),
  };
}
