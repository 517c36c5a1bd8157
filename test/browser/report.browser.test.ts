/**
 * `npm run test:browser`: the report of a real smoke run (on shared-cluster, where grabbing transcripts occur within a smoke budget), opened in Debian's Chromium (driven by
 * playwright-core; no browser is ever downloaded). Asserts no console errors, no network requests
 * beyond the file itself, every chart canvas drawn (coloured pixels read back), the seed pickers
 * redraw the charts, and that a run directory carrying script payloads executes nothing. Writes
 * screenshots to test/browser/output/ for people to look at.
 *
 * Where no Chromium exists (CHROMIUM_PATH, default /usr/bin/chromium) the test says so and skips.
 * REPORT_RUN_DIR=<dir> reuses an existing run directory instead of running the smoke experiment.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { BEHAVIOURS } from '../../analysis/index.js';
import { FILES } from '../../rundir/index.js';
import { writeSummary } from '../../experiments/sweep.js';
import { PAYLOADS, plantPayloads } from '../reports/payloads.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = path.join('test', 'browser', 'output');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

type Playwright = typeof import('playwright-core');
type Context = Awaited<ReturnType<Playwright['chromium']['launchPersistentContext']>>;

interface Opened {
  page: Awaited<ReturnType<Context['newPage']>>;
  errors: string[];
  requests: string[];
  blocked: string[];
  dialogs: string[];
}

function npm(args: string[]): void {
  const r = spawnSync('npm', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `npm ${args.join(' ')} failed:\n${r.stderr}\n${r.stdout.slice(-2000)}`);
}

if (!fs.existsSync(CHROMIUM)) {
  console.log(`report browser test: skipped, no Chromium at ${CHROMIUM} (install it with: apt-get install -y chromium)`);
  test('report.html in Chromium', { skip: `no Chromium at ${CHROMIUM}` }, () => {});
} else {
  let tmp: string | undefined;
  let runDir: string;
  let context: Context | undefined;
  let userDataDir: string | undefined;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'report-browser-'));
    runDir = process.env.REPORT_RUN_DIR ?? path.join(tmp, 'shared-cluster-smoke');
    if (process.env.REPORT_RUN_DIR === undefined) npm(['run', '--silent', 'experiment', '--', '--scenario', 'shared-cluster', '--profile', 'smoke', '--out', runDir]);
    npm(['run', '--silent', 'report', '--', runDir, '--out', OUT]);
    const { chromium } = (await import('playwright-core')) as Playwright;
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });

  after(async () => {
    await context?.close();
    for (const d of [userDataDir, tmp]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  async function open(file: string): Promise<Opened> {
    const url = pathToFileURL(path.resolve(file)).href;
    const page = await context!.newPage();
    const o: Opened = { page, errors: [], requests: [], blocked: [], dialogs: [] };
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') o.errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => o.errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => o.requests.push(r.url()));
    page.on('dialog', (d) => {
      o.dialogs.push(d.message());
      void d.dismiss();
    });
    // Anything that is not the file itself is recorded and refused.
    await page.route(
      (u) => u.href !== url,
      (route) => {
        o.blocked.push(route.request().url());
        void route.abort();
      },
    );
    await page.goto(url);
    await page.waitForSelector('body[data-charts-drawn]', { timeout: 30_000 });
    return o;
  }

  /** Per chart: canvas size, drawn pixels, and pixels in colour (series; axes and grid are grey). */
  function canvasStats(o: Opened) {
    return o.page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('.chart[data-chart]')).map((el) => {
        const canvas = el.querySelector('canvas');
        if (!canvas) return { id: el.dataset.chart!, width: 0, height: 0, drawn: 0, coloured: 0, hash: 0 };
        // Read a copy, so the chart's own canvas is never read back (Chromium warns about that).
        const copy = document.createElement('canvas');
        copy.width = canvas.width;
        copy.height = canvas.height;
        const ctx = copy.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(canvas, 0, 0);
        const data = ctx.getImageData(0, 0, copy.width, copy.height).data;
        let drawn = 0;
        let coloured = 0;
        let hash = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] === 0) continue;
          drawn++;
          const r = data[i]!;
          const g = data[i + 1]!;
          const b = data[i + 2]!;
          if (Math.max(r, g, b) - Math.min(r, g, b) > 40) coloured++;
          hash = (hash * 31 + r * 7 + g * 13 + b * 17 + i) % 1_000_000_007;
        }
        return { id: el.dataset.chart!, width: canvas.width, height: canvas.height, drawn, coloured, hash };
      }),
    );
  }

  test('the smoke run\'s report: no console errors, no network, every chart drawn, seeds selectable', async () => {
    const file = path.join(OUT, 'report.html');
    const o = await open(file);
    const charts = await o.page.locator('.chart[data-chart]').count();
    assert.ok(charts >= 10, `charts: ${charts}`);
    assert.equal(await o.page.getAttribute('body', 'data-charts-drawn'), String(charts));
    const stats = await canvasStats(o);
    for (const s of stats) {
      assert.ok(s.width > 100 && s.height > 100, `${s.id}: canvas ${s.width}x${s.height}`);
      assert.ok(s.coloured > 30, `${s.id}: only ${s.coloured} coloured pixels (${s.drawn} drawn)`);
    }
    await o.page.screenshot({ path: path.join(OUT, 'report.png'), fullPage: true });
    await o.page.screenshot({ path: path.join(OUT, 'report-top.png') });
    // Seed picker: ticking seed 1 of the first shaping redraws its charts; unticking restores them.
    const box = o.page.locator('input.seed-toggle[data-group="g0"][data-seed="0"]');
    await box.check();
    const withSeed = await canvasStats(o);
    await box.uncheck();
    const without = await canvasStats(o);
    const g0 = (list: typeof stats) => list.filter((s) => s.id.startsWith('curve-0-'));
    g0(withSeed).forEach((s, i) => assert.notEqual(s.hash, g0(stats)[i]!.hash, `${s.id} redrawn with the seed line`));
    assert.deepEqual(g0(without).map((s) => s.hash), g0(stats).map((s) => s.hash));

    for (const cell of ['setup', 'headline', 'curves', 'incident', 'detection', 'transcripts', 'reproduce']) assert.ok(await o.page.locator(`#${cell} p.narrative`).first().isVisible(), cell);
    assert.deepEqual(o.errors, []);
    assert.deepEqual(o.blocked, []);
    assert.deepEqual(o.requests, [pathToFileURL(path.resolve(file)).href]);
    console.log(`report browser test: ${charts} charts drawn; screenshots in ${OUT}/report.png and report-top.png`);
    await o.page.close();
  });

  test('a run directory carrying script payloads executes nothing in the page', async () => {
    const dir = path.join(tmp!, 'payload-run');
    fs.cpSync(runDir, dir, { recursive: true });
    const configFile = path.join(dir, FILES.config);
    const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
    config.scenario.resolved.description = `${PAYLOADS.script} ${PAYLOADS.img}`;
    config.scenario.resolved.shapings[config.shapings[0]].description = PAYLOADS.iframe;
    config.argv = [...config.argv, '--out', PAYLOADS.closeScript];
    fs.writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
    plantPayloads(dir);
    writeSummary(dir, BEHAVIOURS);
    const out = path.join(tmp!, 'payload-report');
    npm(['run', '--silent', 'report', '--', dir, '--out', out]);
    const o = await open(path.join(out, 'report.html'));
    assert.equal(await o.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    // The report draws its own per-seed dot plots as inline svg.dots (reports/html.ts); nothing else embeds.
    assert.equal(await o.page.locator('img, iframe, object, embed, svg:not(.dots), svg.dots foreignObject, svg.dots script').count(), 0);
    const text = await o.page.evaluate(() => document.body.innerText);
    for (const p of [PAYLOADS.script, PAYLOADS.img]) assert.ok(text.includes(p), `shown as text: ${p}`);
    await o.page.locator('#transcripts details.transcript').first().evaluate((d) => ((d as HTMLDetailsElement).open = true));
    assert.ok((await o.page.locator('#transcripts').innerText()).includes(PAYLOADS.iframe), 'event payload shown as text');
    assert.deepEqual(o.dialogs, []);
    assert.deepEqual(o.errors, []);
    assert.deepEqual(o.blocked, []);
    await o.page.screenshot({ path: path.join(OUT, 'payload-top.png') });
    await o.page.close();
  });
}
