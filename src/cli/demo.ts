/**
 * `respool demo`: replay a production incident against a real redis-server, once through the
 * connection strategy that caused it and once through respool, and print what the server saw.
 */
import { parseArgs } from 'node:util';
import { DemoError } from '../demo/demo-error.js';
import { runProxyDemo } from '../demo/incident-1-proxy.js';
import { recapLines } from '../demo/recap.js';
import type { IncidentReplay, ReplayOption, ReplayReport } from '../demo/replay.js';
import { findReplay, INCIDENT_REPLAYS, NOT_REPLAYED, runDemo } from '../demo/run-demo.js';
import { verdictLines } from '../demo/verdict-text.js';
import { formatTable, wrapText } from '../util/format-table.js';
import { CliError, UsageError } from './cli-error.js';
import type { CliCommand, CliIo } from './command.js';

const REPORT_WIDTH = 100;

// Every replay's options, merged: parseArgs needs them all up front, before it knows which
// incident was asked for. Options of another replay are rejected after parsing.
const REPLAY_OPTIONS: ReadonlyMap<string, ReplayOption> = new Map(
  INCIDENT_REPLAYS.flatMap((replay) => replay.options.map((o) => [o.name, o] as const)),
);

function usage(): string {
  const rows: string[][] = [
    ['--incident <n>', 'which incident to replay (default: all of them, in order)'],
  ];
  for (const replay of INCIDENT_REPLAYS) {
    for (const o of replay.options) {
      rows.push([
        `--${o.name} <n>`,
        `${o.description} (default ${o.default}; incident ${replay.incident})`,
      ]);
    }
  }
  rows.push([
    '--proxy',
    'incident 1 only: the same unbounded pool directly, then through respool proxy',
  ]);
  rows.push(['-h, --help', 'show this help']);
  const incidents = INCIDENT_REPLAYS.map((r) => [`${r.incident}`, r.title]);
  return [
    'Usage: respool demo [--incident <n>] [options]',
    '',
    'Replays a production incident against a real redis-server: the same traffic runs through the',
    'connection strategy that caused the incident and through respool, and the report shows what',
    'the server (and this host) saw: connections at peak, connections left behind, TIME_WAIT',
    'sockets, topology queries. It also checks that every reply was right, and ends each replay',
    "with the doctor's verdict on both sides, audited while their connections were open. Without",
    '--incident, every replay runs, in incident order; the single-server ones share one server.',
    '',
    'Incidents:',
    formatTable(incidents, { indent: '  ', align: ['right', 'left'] }),
    ...NOT_REPLAYED.map((n) => wrapText(n.why, 100, '     ', `  ${n.incident}  `)),
    '',
    'Options:',
    formatTable(rows, { indent: '  ', align: ['left', 'left'] }),
    '',
    'Environment:',
    '  REDIS_URL   run against this server instead of a private one. The demo writes and then',
    '              deletes keys under respool-demo:*; use a server you may write to.',
    '',
    'Without REDIS_URL it starts a private redis-server (on PATH; Redis 7) on a free port with no',
    'persistence, and stops it when done, also on Ctrl-C. Incident 5 always runs on a private',
    '6-node cluster of such servers (it sets their timeout), started for it and stopped likewise.',
  ].join('\n');
}

/** The `demo` subcommand. */
export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'replay a production incident: the pool that caused it vs respool, on a real server',
  get usage(): string {
    return usage();
  },
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
      incident: { type: 'string' },
      proxy: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    };
    for (const name of REPLAY_OPTIONS.keys()) options[name] = { type: 'string' };
    const { values } = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: false,
    });
    if (values['help'] === true) {
      io.out(usage());
      return 0;
    }
    const incident = parseInteger(values['incident'], 'incident', 1, 99);
    let replays: readonly IncidentReplay[] = INCIDENT_REPLAYS;
    if (incident !== undefined) {
      const replay = findReplay(incident);
      if (replay === undefined) {
        const known = INCIDENT_REPLAYS.map((r) => r.incident).join(', ');
        throw new UsageError(
          `no replay for incident ${incident} yet (available: ${known})`,
          usage(),
        );
      }
      replays = [replay];
    }
    const replayValues = new Map<string, number>();
    for (const [name, option] of REPLAY_OPTIONS) {
      const value = parseInteger(values[name], name, option.min, option.max);
      if (value === undefined) continue;
      // Running all of them, an option applies to the replay that declares it.
      if (!replays.some((replay) => replay.options.includes(option))) {
        throw new UsageError(`--${name} does not apply to incident ${incident}`, usage());
      }
      replayValues.set(name, value);
    }
    if (values['proxy'] === true) {
      if (incident !== 1)
        throw new UsageError('--proxy replays incident 1: give --incident 1', usage());
      try {
        const c = await runProxyDemo(
          {
            callers: replayValues.get('callers') ?? REPLAY_OPTIONS.get('callers')!.default,
            opsPerCaller:
              replayValues.get('ops-per-caller') ?? REPLAY_OPTIONS.get('ops-per-caller')!.default,
          },
          io.out,
          io.err,
        );
        return c.direct.errors + c.proxied.errors + c.proxied.wrongReplies === 0 ? 0 : 1;
      } catch (error) {
        if (error instanceof DemoError) throw new CliError(error.message, { cause: error });
        throw error;
      }
    }

    let result: Awaited<ReturnType<typeof runDemo>>;
    let failed = false;
    try {
      result = await runDemo({
        replays,
        values: replayValues,
        redisUrl: nonEmpty(io.env['REDIS_URL']),
        progress: io.err,
        // Each report as soon as its replay is done: the next one takes a while.
        onResult: ({ replay, target, report }) => {
          io.out(render(replay, target, report));
          if (report.failures.length === 0) return;
          failed = true;
          io.err('');
          io.err(`FAILED: the replay of incident ${replay.incident} did not verify its results:`);
          for (const failure of report.failures) {
            io.err(wrapText(failure, REPORT_WIDTH, '    ', '  - '));
          }
        },
      });
    } catch (error) {
      if (error instanceof DemoError) throw new CliError(error.message, { cause: error });
      throw error;
    }
    io.out(recapLines(result.results, NOT_REPLAYED, REPORT_WIDTH).join('\n'));
    return failed ? 1 : 0;
  },
};

function render(replay: IncidentReplay, target: string, report: ReplayReport): string {
  const lines = [
    '',
    `respool demo: incident ${replay.incident}, ${replay.title}`,
    `target: ${target}`,
    '',
    ...report.setup.map((line) => `  ${line}`),
    '',
    formatTable(report.table, { indent: '  ', header: true }),
    '',
    ...report.findings.map((f) => wrapText(f, REPORT_WIDTH, '    ', '  - ')),
  ];
  if (report.verdicts !== null) lines.push('', ...verdictLines(report.verdicts, REPORT_WIDTH));
  if (report.failures.length === 0) {
    lines.push('', wrapText(`Checks passed: ${report.checks}`, REPORT_WIDTH, '  '));
  }
  return lines.join('\n');
}

function parseInteger(
  value: string | boolean | undefined,
  name: string,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined || typeof value === 'boolean') return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(
      `--${name} expects an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
      usage(),
    );
  }
  return n;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
