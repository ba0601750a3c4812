/**
 * `docs/images/doctor-report.png`: the HTML report of a realistic sample, rendered in headless
 * Chromium (Debian's /usr/bin/chromium through playwright-core). A private redis-server holds
 * three clients from three loopback "hosts": `orders-api` (respool, a handful of connections),
 * `legacy-worker` (60 connections left idle by a pool that never shrinks) and `billing-jobs`
 * (24 connections kept warm by a FIFO pool running 40 commands/s). The picture shows the
 * findings and the charts that explain them.
 *
 * Run: node --import tsx scripts/doctor-screenshot.ts [out.png] [--text]
 * (`--text` also prints the same audit's text report, for docs/doctor.md's sample.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { createClient } from '../src/client/client.js';
import { startPrivateServer } from '../src/demo/private-server.js';
import { runDoctor } from '../src/doctor/doctor.js';
import { renderHtml } from '../src/doctor/render-html.js';
import { renderText } from '../src/doctor/render-text.js';
import { encodeCommand, namedConnection } from '../test/helpers/named-connection.js';

const OUT = process.argv[2] ?? 'docs/images/doctor-report.png';
const IDLE_SECONDS = 8;
const FIFO_RATE = 40;

const server = await startPrivateServer();
const sockets: Socket[] = [];
const app = createClient({ url: server.url, name: 'orders-api' });
let stop = false;
try {
  const open = (name: string, from: string, n: number): Promise<Socket[]> =>
    Promise.all(
      Array.from({ length: n }, () => namedConnection(server.port, server.host, name, from)),
    );
  // Clients from 127.0.0.2 and .3 are not "loopback" to protected mode; this server is private.
  await app.call('CONFIG', 'SET', 'protected-mode', 'no');
  const legacy = await open('legacy-worker', '127.0.0.2', 60);
  const billing = await open('billing-jobs', '127.0.0.3', 24);
  sockets.push(...legacy, ...billing);
  const fifo = (async () => {
    for (let i = 0; !stop; i++) {
      billing[i % billing.length]?.write(encodeCommand('INCR', 'billing:invoices'));
      await delay(1000 / FIFO_RATE);
    }
  })();
  const orders = (async () => {
    while (!stop) {
      await Promise.all([app.incr('orders:count'), app.get('orders:last')]);
      await delay(20);
    }
  })();
  await delay(IDLE_SECONDS * 1000);
  const report = await runDoctor({ url: server.url });
  stop = true;
  await Promise.all([fifo, orders]);
  const dir = await mkdtemp(join(tmpdir(), 'respool-screenshot-'));
  const file = join(dir, 'report.html');
  await writeFile(file, renderHtml(report));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pathToFileURL(file).href);
    // Down to the end of the first node's charts: the findings and what explains them.
    const charts = await page.locator('#node-0 .charts').boundingBox();
    const height = Math.ceil((charts?.y ?? 1400) + (charts?.height ?? 0) + 16);
    await page.screenshot({ path: OUT, fullPage: true, clip: { x: 0, y: 0, width: 1200, height } });
    process.stdout.write(
      `${OUT}: 1200x${height}, findings: ${report.findings.map((f) => f.check).join(', ')}\n`,
    );
    if (process.argv.includes('--text')) process.stdout.write(`${renderText(report)}\n`);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true });
  }
} finally {
  stop = true;
  for (const socket of sockets) socket.destroy();
  await app.close();
  await server.stop();
}
