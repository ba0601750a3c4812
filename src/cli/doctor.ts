/**
 * `respool doctor [url]`: audit who holds a Redis server's connections and how long they have
 * been idle, this host's TIME_WAIT/CLOSE_WAIT sockets towards it, and the settings that decide
 * both; print findings with recommendations; exit non-zero on an error-level finding so a deploy
 * can gate on it.
 */
import { accessSync, constants, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseRedisUrl } from '../client/options.js';
import { describeError } from '../doctor/describe-error.js';
import { DEFAULT_DOCTOR_OPTIONS, runDoctor } from '../doctor/doctor.js';
import { renderHtml } from '../doctor/render-html.js';
import { renderJson } from '../doctor/render-json.js';
import { REPORT_WIDTH, renderText, reportWidth } from '../doctor/render-text.js';
import { renderWatchScreen } from '../doctor/render-watch.js';
import type { DoctorReport } from '../doctor/report-model.js';
import { colourEnabled, createStyle, type Style } from '../doctor/style.js';
import { DOCTOR_EXIT_CODES } from '../doctor/summary.js';
import {
  CHURN_MIN_ACCEPTED_PER_SECOND,
  IDLE_POOL_MIN_CONNECTIONS,
  IDLE_POOL_P50_SECONDS,
  MAXCLIENTS_ERROR_RATIO,
  MAXCLIENTS_WARNING_RATIO,
  OVERSIZED_POOL_FACTOR,
  OVERSIZED_POOL_MIN_CONNECTIONS,
  RECOMMENDED_TIMEOUT_SECONDS,
  TIME_WAIT_ERROR_RATIO,
  TIME_WAIT_WARNING_RATIO,
} from '../doctor/thresholds.js';
import { watchDoctor } from '../doctor/watch.js';
import { isRespoolError } from '../errors.js';
import { formatTable } from '../util/format-table.js';
import { CliError, UsageError } from './cli-error.js';
import type { CliCommand, CliIo } from './command.js';

const DEFAULT_URL = 'redis://127.0.0.1:6379';
// Home the cursor and clear the screen: each watch report replaces the previous one.
const CLEAR_SCREEN = '\x1b[H\x1b[2J';
const MAX_WATCH_SECONDS = 86_400;

function usage(): string {
  const percent = (ratio: number): string => `${Math.round(ratio * 100)}%`;
  return [
    'Usage: respool doctor [url] [--json] [--html <file>] [--watch <seconds>] [--no-color]',
    '',
    'Audits the connections of a Redis server: who holds them (CLIENT LIST grouped by pool, host,',
    'name and lib-name, with idle and age percentiles), the limits and timeouts that apply',
    "(INFO, CONFIG GET timeout maxclients tcp-keepalive), and this host's sockets towards it",
    '(TIME_WAIT, CLOSE_WAIT; Linux). Findings come first, each with what to do and the command',
    'to run. Given a cluster node, it audits every node of the cluster (from CLUSTER NODES).',
    'An audit takes about a second: it watches the server for 1 s (CLIENT LIST every 100 ms,',
    'INFO commandstats at both ends) to see which pool runs how many commands on how many',
    'connections, and which one opens and closes connections instead of reusing them.',
    '',
    `The doctor opens one connection per node, named respool-doctor, and leaves it out of the`,
    `groups. Connect timeout ${DEFAULT_DOCTOR_OPTIONS.connectTimeoutMs} ms, command timeout ${DEFAULT_DOCTOR_OPTIONS.commandTimeoutMs} ms.`,
    'What the server does not let it read (an ACL without CLIENT LIST or CONFIG, a renamed',
    'command) is named in the report; the rest still renders. Passwords are never printed.',
    '',
    'Arguments:',
    formatTable(
      [
        ['url', 'redis://[[user]:password@]host[:port][/db], rediss://… or unix:///path'],
        ['', `default: $REDIS_URL, else ${DEFAULT_URL}`],
      ],
      { indent: '  ', align: ['left', 'left'] },
    ),
    '',
    'Options:',
    formatTable(
      [
        ['--json', 'print the report as JSON (schema: src/doctor/report-model.ts); with'],
        ['', '--watch, one report per line'],
        ['--html <file>', 'also write the report as one self-contained HTML page (charts of'],
        ['', 'connections per host and idle times; opens offline); with --watch,'],
        ['', 'rewritten after every report'],
        ['--watch <seconds>', 'audit again every <seconds> and redraw, with the change of'],
        ['', 'connections, accepted and rejected connections per interval; until Ctrl-C'],
        ['--watch-count <n>', 'with --watch: stop after n reports (for scripts)'],
        ['--no-color', 'no colour (also without a terminal, or with NO_COLOR set)'],
        ['-h, --help', 'show this help'],
      ],
      { indent: '  ', align: ['left', 'left'] },
    ),
    '',
    'Exit codes:',
    formatTable(
      [
        [`${DOCTOR_EXIT_CODES.ok}`, 'no error-level finding'],
        [`${DOCTOR_EXIT_CODES.errorFinding}`, 'at least one error-level finding'],
        [`${DOCTOR_EXIT_CODES.usage}`, 'usage error'],
        [
          `${DOCTOR_EXIT_CODES.unreachable}`,
          'a node could not be reached or refused the credentials (audit incomplete)',
        ],
      ],
      { indent: '  ', align: ['right', 'left'] },
    ),
    'With --watch, the exit code is that of the last report; Ctrl-C exits with 130.',
    '',
    'Main thresholds (src/doctor/thresholds.ts):',
    formatTable(
      [
        [
          'maxclients',
          `warning from ${percent(MAXCLIENTS_WARNING_RATIO)} of maxclients in use, error from ${percent(MAXCLIENTS_ERROR_RATIO)}`,
        ],
        [
          'idle pool',
          `warning for a pool of ${IDLE_POOL_MIN_CONNECTIONS}+ connections with p50 idle ≥ ${IDLE_POOL_P50_SECONDS} s`,
        ],
        ['timeout', `recommends timeout ${RECOMMENDED_TIMEOUT_SECONDS} where it is 0`],
        [
          'oversized pool',
          `warning for ${OVERSIZED_POOL_MIN_CONNECTIONS}+ warm connections, ${OVERSIZED_POOL_FACTOR}× what the pool's command rate needs`,
        ],
        [
          'churn',
          `warning from ${CHURN_MIN_ACCEPTED_PER_SECOND} accepted connections/s with connected clients flat`,
        ],
        [
          'TIME_WAIT',
          `warning from ${percent(TIME_WAIT_WARNING_RATIO)} of the ephemeral port range, error from ${percent(TIME_WAIT_ERROR_RATIO)}`,
        ],
      ],
      { indent: '  ', align: ['left', 'left'] },
    ),
    '',
    'Environment:',
    '  REDIS_URL   the server to audit when no url is given',
    '  NO_COLOR    any non-empty value turns colour off',
  ].join('\n');
}

/** The `doctor` subcommand. */
export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: "audit who holds a server's connections, idle times, limits and TIME_WAIT",
  get usage(): string {
    return usage();
  },
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        json: { type: 'boolean' },
        html: { type: 'string' },
        watch: { type: 'string' },
        'watch-count': { type: 'string' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help === true) {
      io.out(usage());
      return 0;
    }
    if (positionals.length > 1) {
      throw new UsageError(
        `expected at most one url, got ${positionals.length} arguments`,
        usage(),
      );
    }
    const url = positionals[0] ?? nonEmpty(io.env['REDIS_URL']) ?? DEFAULT_URL;
    validateUrl(url);
    const watchSeconds = parseWatchSeconds(values.watch);
    const watchCount = parseWatchCount(values['watch-count']);
    if (watchCount !== undefined && watchSeconds === undefined) {
      throw new UsageError('--watch-count needs --watch <seconds>', usage());
    }
    const json = values.json === true;
    const html = values.html === undefined ? undefined : htmlOutput(values.html);
    const isTty = process.stdout.isTTY === true;
    const style = createStyle(
      !json && colourEnabled({ isTty, env: io.env, noColorFlag: values['no-color'] === true }),
    );

    const width = reportWidth(isTty ? process.stdout.columns : undefined);
    if (watchSeconds === undefined) {
      const report = await runDoctor({ url });
      io.out(json ? renderJson(report) : renderText(report, style, width));
      if (html !== undefined) {
        writeHtml(html, report);
        io.err(`respool: HTML report written to ${html.path}`);
      }
      explainUnreachable(report, io);
      return report.summary.exitCode;
    }
    let printed = 0;
    const last = await watchDoctor({
      url,
      intervalSeconds: watchSeconds,
      ...(watchCount === undefined ? {} : { maxIterations: watchCount }),
      onReport: (report) => {
        io.out(
          watchFrame(report, {
            json,
            isTty,
            style,
            width,
            intervalSeconds: watchSeconds,
            first: printed === 0,
          }),
        );
        if (html !== undefined) writeHtml(html, report);
        printed++;
      },
    });
    if (last === undefined) return 0;
    if (html !== undefined) io.err(`respool: HTML report written to ${html.path}`);
    explainUnreachable(last, io);
    return last.summary.exitCode;
  },
};

interface WatchFrame {
  readonly json: boolean;
  readonly isTty: boolean;
  readonly style: Style;
  readonly width: number;
  readonly intervalSeconds: number;
  readonly first: boolean;
}

/**
 * One watch report. On a terminal, a screen that fits it (header, deltas, findings, how to
 * stop) replaces the previous one; in a pipe or a log, the full report each time, separated.
 */
function watchFrame(report: DoctorReport, frame: WatchFrame): string {
  if (frame.json) return renderJson(report, true);
  if (frame.isTty) {
    const screen = { columns: frame.width, rows: process.stdout.rows ?? 24 };
    return `${CLEAR_SCREEN}${renderWatchScreen(report, frame.style, screen, frame.intervalSeconds)}`;
  }
  const text = renderText(report, frame.style, frame.width);
  return frame.first ? text : `${'='.repeat(REPORT_WIDTH)}\n${text}`;
}

interface HtmlOutput {
  readonly path: string;
}

/**
 * Check `--html <file>` before auditing, so a typo in the path fails fast as a usage error
 * instead of after the audit.
 */
function htmlOutput(file: string): HtmlOutput {
  if (file.trim() === '') throw new UsageError('--html expects a file name', usage());
  const path = resolve(file);
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory() === true) {
      throw new Error('it is a directory');
    }
    accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    throw new UsageError(`--html: cannot write ${path}: ${describeError(error)}`, usage());
  }
  return { path };
}

/**
 * Write through a temporary file and rename, so a browser reloading the page during --watch
 * never reads half a report. Synchronous: watch's onReport is, and the page is small.
 */
function writeHtml(output: HtmlOutput, report: DoctorReport): void {
  const temporary = join(dirname(output.path), `.${basename(output.path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temporary, renderHtml(report));
    renameSync(temporary, output.path);
  } catch (error) {
    throw new CliError(`--html: cannot write ${output.path}: ${describeError(error)}`, {
      cause: error,
    });
  }
}

/** Exit code 3 also gets one line on stderr, for logs that only keep stderr. */
function explainUnreachable(report: DoctorReport, io: CliIo): void {
  for (const node of report.nodes) {
    if (node.error !== null) io.err(`respool: could not audit ${node.address}: ${node.error}`);
  }
}

function validateUrl(url: string): void {
  try {
    parseRedisUrl(url);
  } catch (error) {
    if (isRespoolError(error)) throw new UsageError(error.message, usage());
    throw error;
  }
}

function parseWatchSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0 || n > MAX_WATCH_SECONDS) {
    throw new UsageError(
      `--watch expects seconds above 0 and at most ${MAX_WATCH_SECONDS}, got ${JSON.stringify(value)}`,
      usage(),
    );
  }
  return n;
}

function parseWatchCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) {
    throw new UsageError(
      `--watch-count expects a whole number of at least 1, got ${JSON.stringify(value)}`,
      usage(),
    );
  }
  return n;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
