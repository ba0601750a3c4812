/**
 * `respool doctor --html` in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core; `.ci/run` installs it). A private redis-server holds 50 idle connections of
 * one naive pool, a respool client, and one connection whose name is markup; the doctor's report
 * is rendered to a file and opened from disk. Checked: no console or page errors, no request but
 * the file itself, both SVG charts drawn with the model's numbers, the findings, the escaping, a
 * screenshot whose chart areas are not blank, the page without JavaScript, the CLI flag, and a
 * cluster seed (one section and two charts per node).
 *
 * Without /usr/bin/chromium the suite is one skipped test saying what to install; with
 * RESPOOL_CI=1 (.ci/run) a missing browser fails it (test/helpers/browser.ts).
 *
 * The screenshots stay in a temp dir named in the test's diagnostics, for a person to look at.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { createClient, type RespoolClient } from '../../src/client/client.js';
import { runDoctor } from '../../src/doctor/doctor.js';
import { REPORT_DATA_ID, renderHtml } from '../../src/doctor/render-html.js';
import type { DoctorReport, NodeReport } from '../../src/doctor/report-model.js';
import { IDLE_POOL_P50_SECONDS } from '../../src/doctor/thresholds.js';
import { expectClientCount } from '../helpers/baseline.js';
import { browserSuite, CHROMIUM } from '../helpers/browser.js';
import { namedConnection as openNamed } from '../helpers/named-connection.js';
import { countColour, decodePng, distinctColours, pngSize } from '../helpers/png.js';
import { startCluster } from '../helpers/redis-cluster.js';
import { type RedisServer, startRedis } from '../helpers/redis-server.js';

// Headless on a machine without network: without the background-networking flags Chromium
// keeps trying to reach Google's services and logs refused connections.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const NAIVE_CONNECTIONS = 50;
// CLIENT SETNAME refuses spaces, not markup: a name that would end the JSON script element and
// open a comment and an element if the report did not escape it.
const HOSTILE_NAME = '</script><!--<b>pwned</b>';
// The first (largest) name's colour in chart-data.ts's palette: the naive pool's bars.
const NAIVE_POOL_COLOUR = '#0072b2';
const VIEWPORT = { width: 1280, height: 900 };
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

let server: RedisServer;
let app: RespoolClient;
const sockets: Socket[] = [];
let browser: Browser;
let outDir: string;
let report: DoctorReport;
let reportUrl: string;
let startMs: number;

/** A raw connection that set `name` and answered PING. */
function namedConnection(name: string): Promise<Socket> {
  return openNamed(server.port, server.host, name);
}

function onlyNode(r: DoctorReport): NodeReport {
  assert.equal(r.nodes.length, 1);
  const node = r.nodes[0];
  assert.ok(node !== undefined);
  return node;
}

/** What a page did besides rendering: errors, warnings from the console, and requests. */
interface PageWatch {
  readonly errors: string[];
  readonly requests: string[];
}

async function openReport(
  url: string,
  options: { readonly javaScriptEnabled?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({
    viewport: VIEWPORT,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  const page = await context.newPage();
  const watch: PageWatch = { errors: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => watch.errors.push(`page error: ${error.message}`));
  page.on('request', (request) => watch.requests.push(request.url()));
  await page.goto(url, { waitUntil: 'load' });
  return { context, page, watch };
}

/** What the SVG chart with `id` shows, read back from its bars; null when there is none. */
interface DrawnChart {
  readonly labels: string[];
  readonly datasets: { label: string; data: number[] }[];
  readonly width: number;
  readonly height: number;
}

function drawnChart(page: Page, id: string): Promise<DrawnChart | null> {
  return page.evaluate((svgId) => {
    // Only the DOM calls this test reads, typed as far as it reads them.
    interface Element {
      getAttribute(name: string): string | null;
      querySelectorAll(selector: string): Iterable<Element>;
      getBoundingClientRect(): { width: number; height: number };
      readonly tagName: string;
    }
    const g = globalThis as unknown as {
      document: { getElementById(id: string): Element | null };
    };
    const svg = g.document.getElementById(svgId);
    if (svg === null || svg.tagName.toLowerCase() !== 'svg') return null;
    const labels = [...svg.querySelectorAll('[data-axis-label]')].map(
      (text) => text.getAttribute('data-axis-label') ?? '',
    );
    const series = new Map<string, Map<string, number>>();
    for (const rect of svg.querySelectorAll('rect[data-series]')) {
      const label = rect.getAttribute('data-label') ?? '';
      const name = rect.getAttribute('data-series') ?? '';
      const row = series.get(name) ?? new Map<string, number>();
      row.set(label, Number(rect.getAttribute('data-value')));
      series.set(name, row);
    }
    const box = svg.getBoundingClientRect();
    return {
      labels,
      datasets: [...series].map(([label, row]) => ({
        label,
        data: labels.map((l) => row.get(l) ?? 0),
      })),
      width: box.width,
      height: box.height,
    };
  }, id);
}

function stackTotal(chart: DrawnChart, index: number): number {
  return chart.datasets.reduce((sum, d) => sum + (d.data[index] ?? 0), 0);
}

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCliProcess(args: readonly string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

browserSuite('doctor --html in headless Chromium', () => {
  before(async () => {
    const started = performance.now();
    try {
      await stat(CHROMIUM);
    } catch {
      // Only with RESPOOL_CI=1 (browserSuite skips otherwise): CI must run these.
      throw new Error(
        `${CHROMIUM} not found, and RESPOOL_CI=1 makes browser tests required: install Debian's chromium package (apt-get install chromium)`,
      );
    }
    [server, browser, outDir] = await Promise.all([
      startRedis(),
      chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
      mkdtemp(join(tmpdir(), 'respool-doctor-html-')),
    ]);
    startMs = performance.now() - started;
    sockets.push(
      ...(await Promise.all(
        Array.from({ length: NAIVE_CONNECTIONS }, () => namedConnection('naive-pool')),
      )),
      await namedConnection(HOSTILE_NAME),
    );
    app = createClient({ url: server.url, name: 'orders-api' });
    await app.set('doctor:html', '1');
    // The idle-pool finding needs the pool's median idle time at its threshold.
    await delay((IDLE_POOL_P50_SECONDS + 1) * 1000);
    report = await runDoctor({ url: server.url });
    const file = join(outDir, 'report.html');
    await writeFile(file, renderHtml(report));
    reportUrl = pathToFileURL(file).href;
  });

  after(async () => {
    await browser?.close();
    for (const socket of sockets) socket.destroy();
    await app?.close();
    if (server !== undefined) {
      await expectClientCount(server, 0);
      await server.stop();
    }
  });

  test('the report opens in Chromium: no errors, no requests, both charts drawn from the model', async (t) => {
    // before() has no diagnostic channel.
    t.diagnostic(`chromium launch (alongside redis-server start): ${startMs.toFixed(0)} ms`);
    const node = onlyNode(report);
    assert.ok(node.clients.status === 'ok');
    const { page, context, watch } = await openReport(reportUrl);
    try {
      assert.deepEqual(watch.errors, []);
      assert.deepEqual(watch.requests, [reportUrl], 'the page fetches nothing but itself');
      assert.equal(await page.locator('script:not([type="application/json"])').count(), 0);

      for (const id of ['chart-hosts-0', 'chart-idle-0']) {
        const box = await page.locator(`#${id}`).boundingBox();
        assert.ok(box !== null && box.width > 100 && box.height > 100, `${id} box ${box}`);
      }
      const hosts = await drawnChart(page, 'chart-hosts-0');
      assert.ok(hosts !== null, 'an SVG chart of hosts');
      assert.ok(hosts.width > 0 && hosts.height > 0);
      const local = hosts.labels.indexOf('127.0.0.1');
      assert.ok(local >= 0, `labels ${hosts.labels}`);
      const byHost = node.clients.groups.byHost.find((g) => g.key.host === '127.0.0.1');
      assert.equal(stackTotal(hosts, local), byHost?.count);
      assert.ok(stackTotal(hosts, local) >= NAIVE_CONNECTIONS + 2, 'naive pool, app, hostile');
      const naiveSeries = hosts.datasets.find((d) => d.label === 'naive-pool');
      assert.equal(naiveSeries?.data[local], NAIVE_CONNECTIONS);

      const idle = await drawnChart(page, 'chart-idle-0');
      assert.ok(idle !== null, 'an SVG idle histogram');
      assert.deepEqual(idle.labels, [
        '< 5 s',
        '5 s–1 min',
        '1–10 min',
        '10 min–1 h',
        '1 h–1 day',
        '≥ 1 day',
      ]);
      // The idle-pool finding's connections (idle 6 s) sit in the bar it marks.
      const naiveIdle = idle.datasets.find((d) => d.label === 'naive-pool');
      assert.equal(naiveIdle?.data[1], NAIVE_CONNECTIONS);
      const marked = await page
        .locator('#chart-idle-0 rect.chart-mark')
        .evaluateAll((rects) =>
          rects.map((r) =>
            (r as unknown as { getAttribute(n: string): string | null }).getAttribute('data-mark'),
          ),
        );
      assert.deepEqual(marked, ['5 s–1 min']);
      // Exit code 0 next to a warning is not shown as good.
      assert.equal(await page.locator('.summary .pill.good').count(), 0);
      assert.match(
        (await page.locator('.summary .pill.warning').last().textContent()) ?? '',
        /exit code 0 \(warnings only\)/,
      );
      assert.equal(
        await page.locator('#findings pre code', { hasText: 'CONFIG SET timeout 300' }).count(),
        1,
      );
      const histogram = idle.labels.reduce((sum, _, i) => sum + stackTotal(idle, i), 0);
      // Nothing here is blocked or subscribed, so every listed connection but the doctor's own
      // is subject to the timeout and counted.
      assert.equal(histogram, node.clients.listed - node.clients.excluded);
      assert.equal(
        histogram,
        node.clients.groups.byPool.reduce((sum, g) => sum + g.subjectToTimeout, 0),
      );

      const findings = (await page.locator('#findings').textContent()) ?? '';
      assert.match(findings, /naive-pool/);
      assert.match(findings, /CONFIG SET timeout 300/);
      assert.equal((await page.locator('#findings .finding.warning').count()) >= 1, true);

      // The hostile name shows as text, in the tables and legends, and never became markup.
      assert.equal(await page.locator('b').count(), 0);
      assert.match(
        (await page.locator('#node-0').textContent()) ?? '',
        /<\/script><!--<b>pwned<\/b>/,
      );
      assert.ok(hosts.datasets.some((d) => d.label === HOSTILE_NAME));
      // One host: by name splits the connections as the pools do, so that table is not repeated.
      const headings = await page.locator('#node-0 h3').allTextContents();
      assert.ok(
        headings.includes('Pools (same host, name); by name: the same groups'),
        `${headings}`,
      );
      assert.ok(headings.includes('By host') && !headings.includes('By name'), `${headings}`);
      // The embedded model round-trips exactly, hostile name included.
      const embedded = await page.locator(`#${REPORT_DATA_ID}`).textContent();
      assert.deepEqual(JSON.parse(embedded ?? ''), JSON.parse(JSON.stringify(report)));
      // The chart shows; its data table is folded under it.
      assert.equal(await page.locator('#chart-hosts-0-data').getAttribute('open'), null);
    } finally {
      await context.close();
    }
  });

  test('screenshot: a full-page PNG, and the chart areas are not blank', async (t) => {
    const { page, context, watch } = await openReport(reportUrl);
    try {
      const fullPath = join(outDir, 'report-full.png');
      const full = await page.screenshot({ path: fullPath, fullPage: true });
      t.diagnostic(`screenshot: ${fullPath}`);
      const size = pngSize(full);
      assert.ok(size.width >= 800, `width ${size.width}`);
      assert.ok(size.height >= VIEWPORT.height, `height ${size.height}`);
      assert.ok(full.length > 50_000, `${full.length} bytes`);
      assert.ok(distinctColours(decodePng(full)) > 50);

      // What a chart that drew nothing would show: an empty box is one colour.
      await page.evaluate(() => {
        const g = globalThis as unknown as {
          document: {
            createElement(tag: string): { id: string; style: { cssText: string } };
            body: { append(node: unknown): void };
          };
        };
        const box = g.document.createElement('div');
        box.id = 'blank-box';
        box.style.cssText = 'width: 400px; height: 300px';
        g.document.body.append(box);
      });
      const blankShot = decodePng(await page.locator('#blank-box').screenshot());
      assert.equal(distinctColours(blankShot), 1, 'an empty box is one colour');

      for (const id of ['chart-hosts-0', 'chart-idle-0']) {
        const path = join(outDir, `${id}.png`);
        const shot = decodePng(await page.locator(`#${id}`).screenshot({ path }));
        t.diagnostic(`screenshot: ${path}`);
        assert.ok(shot.width > 100 && shot.height > 100, `${id} ${shot.width}x${shot.height}`);
        assert.ok(distinctColours(shot) > 20, `${id}: ${distinctColours(shot)} colours`);
        // The naive pool's bar is a solid block of its colour.
        const bar = countColour(shot, NAIVE_POOL_COLOUR);
        assert.ok(bar > 1_000, `${id}: ${bar} pixels of ${NAIVE_POOL_COLOUR}`);
      }
      assert.deepEqual(watch.errors, []);
    } finally {
      await context.close();
    }
  });

  test('without JavaScript: the same page (it has no script), charts and data tables included', async () => {
    const { page, context, watch } = await openReport(reportUrl, { javaScriptEnabled: false });
    try {
      assert.deepEqual(watch.errors, []);
      assert.deepEqual(watch.requests, [reportUrl]);
      assert.equal(await page.locator('#findings').isVisible(), true);
      assert.match((await page.locator('#findings').textContent()) ?? '', /naive-pool/);
      assert.equal(await page.locator('#chart-hosts-0').isVisible(), true, 'the SVG chart shows');
      for (const id of ['chart-hosts-0-data', 'chart-idle-0-data']) {
        await page.locator(`#${id} summary`).click();
        assert.equal(await page.locator(`#${id} table`).isVisible(), true, `${id} table shown`);
      }
      const head = await page.locator('#chart-hosts-0-data thead th').allTextContents();
      const hostRow = page.locator('#chart-hosts-0-data tbody tr', { hasText: '127.0.0.1' });
      const cells = await hostRow.locator('th, td').allTextContents();
      assert.equal(
        cells[head.indexOf('naive-pool')],
        String(NAIVE_CONNECTIONS),
        `${head} / ${cells}`,
      );
      const idleFirst =
        (await page.locator('#chart-idle-0-data tbody tr').first().textContent()) ?? '';
      assert.match(idleFirst, /< 5 s/);
    } finally {
      await context.close();
    }
  });

  test('the CLI: --html writes the page, stdout keeps the report, exit codes unchanged', async () => {
    const file = join(outDir, 'cli.html');
    const text = await runCliProcess(['doctor', server.url, '--html', file]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^respool doctor · /);
    assert.match(text.stdout, /Findings/);
    assert.match(text.stderr, /HTML report written to/);
    const html = await readFile(file, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<svg class="chart-svg" id="chart-hosts-0"/, 'charts drawn as inline SVG');
    assert.doesNotMatch(html, /<script>/, 'no script at all');
    assert.doesNotMatch(html, /\s(?:src|href)=["']?(?:https?:)?\/\//, 'no external resource');

    const json = await runCliProcess(['doctor', server.url, '--json', '--html', file]);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as DoctorReport).schemaVersion, 1);

    const missingDir = join(outDir, 'no-such-dir', 'r.html');
    const bad = await runCliProcess(['doctor', server.url, '--html', missingDir]);
    assert.equal(bad.code, 2, 'a path that cannot be written is a usage error');
    assert.match(bad.stderr, /--html: cannot write/);
    await rm(file);
  });

  test('a cluster seed: one section and two drawn charts per node', async () => {
    const cluster = await startCluster();
    try {
      const seed = cluster.seeds[0];
      assert.ok(seed !== undefined);
      const clusterReport = await runDoctor({ url: seed });
      assert.equal(clusterReport.mode, 'cluster');
      const file = join(outDir, 'cluster.html');
      await writeFile(file, renderHtml(clusterReport));
      const url = pathToFileURL(file).href;
      const { page, context, watch } = await openReport(url);
      try {
        assert.deepEqual(watch.errors, []);
        assert.deepEqual(watch.requests, [url]);
        assert.equal(await page.locator('section.node').count(), cluster.nodes.length);
        for (const [i, node] of clusterReport.nodes.entries()) {
          assert.ok(
            ((await page.locator(`#node-${i}-title`).textContent()) ?? '').includes(node.address),
          );
          for (const kind of ['hosts', 'idle']) {
            const chart = await drawnChart(page, `chart-${kind}-${i}`);
            assert.ok(chart !== null, `chart-${kind}-${i} drawn`);
          }
        }
      } finally {
        await context.close();
      }
    } finally {
      await cluster.stop();
    }
  });
});
