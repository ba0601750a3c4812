/**
 * Rendering: the text report (groups, unavailable sections, lib-name on old servers, findings,
 * no colour codes unless asked), the colour decision (TTY, NO_COLOR, --no-color), and JSON that
 * round-trips the model.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import { analyzeNode } from '../../src/doctor/analyze.js';
import { runChecks } from '../../src/doctor/checks/run-checks.js';
import type { RawNode } from '../../src/doctor/collect.js';
import { renderJson } from '../../src/doctor/render-json.js';
import { renderText } from '../../src/doctor/render-text.js';
import { renderWatchScreen } from '../../src/doctor/render-watch.js';
import type { DoctorReport, HostReport, NodeReport } from '../../src/doctor/report-model.js';
import { colourEnabled, createStyle } from '../../src/doctor/style.js';
import { summarise } from '../../src/doctor/summary.js';

const ok = <T>(value: T) => ({ ok: true as const, value });

function naivePoolList(): string {
  const lines = ['id=1 addr=127.0.0.1:1 name=respool-doctor age=1 idle=0 flags=N cmd=client|list'];
  for (let i = 0; i < 300; i++) {
    lines.push(
      `id=${i + 10} addr=127.0.0.1:${2000 + i} name=naive-pool age=20 idle=${6 + (i % 5)} flags=N cmd=ping`,
    );
  }
  lines.push('id=999 addr=10.0.0.7:5000 name= age=3 idle=1 flags=N cmd=get');
  return lines.join('\n');
}

function raw(overrides: Partial<RawNode> = {}): RawNode {
  return {
    target: { address: '127.0.0.1:6379', host: '127.0.0.1', port: 6379, clusterNodeId: null },
    error: null,
    info: new Map([
      ['server', ok('redis_version:7.0.15\r\nuptime_in_seconds:7200\r\n')],
      ['clients', ok('connected_clients:302\r\nmaxclients:10000\r\nblocked_clients:0\r\n')],
      ['stats', ok('total_connections_received:400\r\nrejected_connections:0\r\n')],
      ['replication', ok('role:master\r\n')],
    ]),
    config: ok(['timeout', '0', 'maxclients', '10000', 'tcp-keepalive', '300']),
    clientList: ok(naivePoolList()),
    commandStats: null,
    doctorCommands: new Map(),
    ...overrides,
  };
}

const HOST: HostReport = {
  status: 'ok',
  endpoints: [
    {
      address: '127.0.0.1:6379',
      port: 6379,
      matchedByPortOnly: false,
      established: 302,
      timeWait: 50,
      closeWait: 0,
    },
  ],
  ephemeralPorts: { low: 32768, high: 60999 },
  tcpTwReuse: 2,
  localAddresses: ['127.0.0.1'],
};

function report(nodes: NodeReport[], host: HostReport = HOST): DoctorReport {
  const findings = runChecks({ nodes, host, discoveryError: null });
  return {
    schemaVersion: 1,
    generatedAt: '2025-01-01T00:00:00.000Z',
    target: 'redis://default:***@127.0.0.1:6379',
    mode: 'standalone',
    discoveryError: null,
    doctorClientName: 'respool-doctor',
    iteration: null,
    nodes,
    host,
    findings,
    summary: summarise(findings, nodes),
  };
}

test('text report: node facts, groups, lib-name not reported, host view, findings', () => {
  const text = renderText(report([analyzeNode(raw(), 'respool-doctor')]));
  assert.equal(text.includes('\u001b'), false, 'no colour codes by default');
  assert.match(text, /Node 127\.0\.0\.1:6379 · Redis 7\.0\.15 · master · up 2h00m/);
  assert.match(text, /302 of maxclients 10,000 \(3%\)/);
  assert.match(text, /timeout 0 \(idle clients never closed\)/);
  assert.match(text, /1 named respool-doctor \(this doctor\) left out of the groups/);
  assert.match(text, /127\.0\.0\.1\s+naive-pool\s+300\s+8s\s+10s\s+10s\s+20s\s+20s\s+0\n/);
  assert.match(text, /\(pub\/sub, blocking cmd left out to fit 100 columns; --json has them\)/);
  assert.match(text, /10\.0\.0\.7\s+\(no name\)\s+1/);
  // Each host has one pool and each name one host: one table, not three identical ones.
  assert.match(text, /Pools \(same host, name\); by host, by name: the same groups/);
  assert.doesNotMatch(text, /By host|By name\n/);
  // The verdict comes first: summary, then findings, then the evidence.
  assert.ok(text.indexOf('Findings') < text.indexOf('Node 127.0.0.1:6379'));
  assert.match(text.split('\n')[1] ?? '', /^0 errors · 1 warning · 0 info · exit code 0/);
  assert.match(text, /By lib-name: \(not reported by this server\)/);
  assert.match(text, /127\.0\.0\.1:6379\s+302\s+50\s+0/);
  assert.match(text, /tcp_tw_reuse 2 \(loopback only\)/);
  assert.match(text, /WARN {3}idle-pool · 127\.0\.0\.1:6379 · pool "naive-pool" on 127\.0\.0\.1/);
  assert.match(text, /→ Bound pool "naive-pool"/);
  // Prose is wrapped: compare it with the line breaks folded.
  assert.match(text.replace(/\s+/g, ' '), /CONFIG SET timeout 300/);
  assert.match(text, / {13}CONFIG SET timeout 300\n/, 'the command on a line of its own');
  const narrow = renderText(report([analyzeNode(raw(), 'respool-doctor')]), undefined, 60);
  const widest = Math.max(...narrow.split('\n').map((line) => line.length));
  assert.ok(widest <= 66, `fitted to 60 columns (tables may keep their keys): ${widest}`);
  assert.doesNotMatch(text, /secret/);
});

test('text report names what could not be read and still renders the rest', () => {
  const limited = analyzeNode(
    raw({
      config: {
        ok: false,
        error: "NOPERM this user has no permissions to run the 'config|get' command",
      },
      clientList: {
        ok: false,
        error: "NOPERM this user has no permissions to run the 'client|list' command",
      },
    }),
    'respool-doctor',
  );
  const down = analyzeNode(
    raw({
      target: { address: '127.0.0.1:1', host: '127.0.0.1', port: 1, clusterNodeId: null },
      error:
        'Could not connect to 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1 (ERR_CONNECTION_CLOSED)',
      info: new Map(),
      config: null,
      clientList: null,
    }),
    'respool-doctor',
  );
  const text = renderText(
    report([limited, down], {
      status: 'unavailable',
      reason: '/proc/net/tcp cannot be read: the host view needs Linux',
    }),
  );
  assert.match(text, /config\s+not available: NOPERM .*config\|get/);
  assert.match(text, /CLIENT LIST\s+not available: NOPERM .*client\|list/);
  assert.match(text, /302 of maxclients 10,000/, 'INFO still shown');
  assert.match(text, /Node 127\.0\.0\.1:1\n {2}not audited: Could not connect/);
  assert.match(
    text,
    /This host: sockets towards the audited nodes\n {2}not available: .*needs Linux/,
  );
  assert.match(text, /ERROR {2}node-unreachable/);
  assert.match(text, /exit code 3/);
});

test('colour: styleText codes only when enabled', () => {
  const r = report([analyzeNode(raw(), 'respool-doctor')]);
  const coloured = renderText(r, createStyle(true));
  assert.ok(coloured.includes('\u001b['), 'ANSI escape codes');
  assert.equal(stripVTControlCharacters(coloured), renderText(r, createStyle(false)));
});

test('colourEnabled: TTY only, NO_COLOR non-empty or --no-color turn it off', () => {
  assert.equal(colourEnabled({ isTty: true, env: {}, noColorFlag: false }), true);
  assert.equal(colourEnabled({ isTty: false, env: {}, noColorFlag: false }), false);
  assert.equal(colourEnabled({ isTty: true, env: { NO_COLOR: '1' }, noColorFlag: false }), false);
  assert.equal(colourEnabled({ isTty: true, env: { NO_COLOR: '' }, noColorFlag: false }), true);
  assert.equal(colourEnabled({ isTty: true, env: {}, noColorFlag: true }), false);
});

test('JSON round-trips the model; compact is one line', () => {
  const r = report([analyzeNode(raw(), 'respool-doctor')]);
  assert.deepEqual(JSON.parse(renderJson(r)), r);
  const compact = renderJson(r, true);
  assert.equal(compact.includes('\n'), false);
  assert.deepEqual(JSON.parse(compact), r);
});

test('watch screen: header, ±0 deltas, summary, findings and the Ctrl-C hint fit 80x24', () => {
  const before = analyzeNode(raw(), 'respool-doctor');
  const node = analyzeNode(raw(), 'respool-doctor', { node: before, intervalSeconds: 5 });
  const many: NodeReport[] = Array.from({ length: 20 }, (_, i) => ({
    ...node,
    address: `10.0.0.${i}:6379`,
  }));
  const watched = { ...report(many), iteration: 7 };
  assert.ok(watched.findings.length > 12, 'more findings than fit');
  const screen = renderWatchScreen(watched, createStyle(false), { columns: 80, rows: 24 }, 5);
  const lines = screen.split('\n');
  assert.ok(lines.length <= 23, `${lines.length} lines`);
  for (const line of lines) assert.ok(line.length <= 80, `too wide: ${line}`);
  assert.match(lines[0] ?? '', /^respool doctor · .* · report 7 · every 5 s/);
  assert.match(
    lines[1] ?? '',
    /^10\.0\.0\.0:6379: 302 conns · last 5\.0 s: ±0 · 0 accepted · 0 rejected$/,
  );
  assert.ok(
    lines.some((l) => /^0 errors · \d+ warnings/.test(l)),
    'the summary line',
  );
  assert.ok(
    lines.some((l) => l.startsWith('WARN  idle-pool')),
    'findings',
  );
  assert.match(screen, /more findings: run without --watch for the full report/);
  assert.match(lines.at(-1) ?? '', /Ctrl-C to stop · next report in 5 s/);
});
