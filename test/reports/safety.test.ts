/**
 * Nothing executable from a run directory reaches the page: payloads planted in a scenario
 * description, a shaping's name and description, traces (command, output, events), the firewall log
 * and the command line must come out as text. (The browser test opens such a page in Chromium.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BEHAVIOURS } from '../../analysis/index.js';
import { FILES } from '../../rundir/index.js';
import { writeSummary } from '../../experiments/sweep.js';
import { buildReport, readRun } from '../../reports/build.js';
import { makeRunDir, tempDir } from './fixture.js';
import { plantPayloads, PAYLOADS, PAYLOAD_SHAPING } from './payloads.js';

let tmp: { dir: string; cleanup: () => void };
let html: string;
let markdown: string;

before(() => {
  tmp = tempDir('report-safety');
  const dir = path.join(tmp.dir, 'run');
  makeRunDir(dir, {
    shapings: ['outcome', PAYLOAD_SHAPING],
    seeds: [1],
    steps: 800,
    evalEpisodes: 8,
    traceEpisodes: 2,
    editScenario: (s) => ({
      ...s,
      description: `${PAYLOADS.script} ${PAYLOADS.img}`,
      shapings: { ...s.shapings, [PAYLOAD_SHAPING]: { kind: 'utilization', description: PAYLOADS.img, proxy: true, weight: 0.05 } },
    }),
    summary: false,
    argv: ['--scenario', 'mining', '--out', PAYLOADS.closeScript],
  });
  plantPayloads(dir);
  writeSummary(dir, BEHAVIOURS);
  ({ html, markdown } = buildReport(readRun(dir), '2025-01-01T00:00:00.000Z'));
});

after(() => tmp.cleanup());

/** Elements the report's own markup uses; anything else would have come from a file. */
const ALLOWED_TAGS = new Set(
  'html head meta title style body main header h1 h2 h3 p span nav a section div table thead tbody tr th td b code pre details summary label input script br dl dt dd svg line text circle'.split(' '),
);

function markupOnly(page: string): string {
  return page.replace(/<(script|style)\b([^>]*)>[\s\S]*?<\/\1>/gi, '<$1$2></$1>');
}

test('the payloads really are in the run directory the report reads', () => {
  const run = readRun(path.join(tmp.dir, 'run'));
  assert.ok(JSON.stringify(run.config).includes(PAYLOADS.script));
  assert.ok(run.traces.some((t) => t.ticks.some((k) => k.command.includes(PAYLOADS.img) && k.output.includes(PAYLOADS.script))));
  assert.ok(run.firewall.some((f) => f.command.includes(PAYLOADS.closeScript)));
  assert.ok(run.config.shapings.includes(PAYLOAD_SHAPING));
});

test('only the report\'s own elements and no event-handler attributes reach report.html', () => {
  const markup = markupOnly(html);
  const tags = [...markup.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)];
  assert.ok(tags.length > 100);
  for (const [, name, attrs] of tags) {
    assert.ok(ALLOWED_TAGS.has(name!.toLowerCase()), `unexpected element <${name}>`);
    assert.doesNotMatch(attrs!, /(^|\s)on[a-z]+\s*=/i, `event handler in <${name}${attrs}>`);
    assert.doesNotMatch(attrs!, /javascript:/i);
  }
  assert.equal([...html.matchAll(/<script\b/gi)].length, 3, 'the data block, uPlot and the page script');
  assert.equal([...html.matchAll(/<\/script/gi)].length, 3);
});

test('the payloads appear as escaped text in every cell that shows them', () => {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
  for (const p of Object.values(PAYLOADS)) assert.ok(html.includes(esc(p)), `escaped: ${p}`);
  const cell = (id: string) => html.slice(html.indexOf(`id="${id}"`), html.indexOf('</section>', html.indexOf(`id="${id}"`)));
  assert.ok(cell('setup').includes(esc(PAYLOADS.script)), 'scenario description');
  assert.ok(cell('transcripts').includes(esc(PAYLOADS.img)), 'trace command');
  assert.ok(cell('transcripts').includes(esc(PAYLOADS.iframe)), 'trace event');
  assert.ok(cell('incident').includes(esc(PAYLOADS.closeScript)), 'firewall command');
  assert.ok(cell('headline').includes(esc(PAYLOAD_SHAPING)), 'shaping name');
});

test('the embedded chart data cannot end its script element and parses back to the payloads', () => {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m);
  assert.doesNotMatch(m[1]!, /[<>]/);
  const text = JSON.stringify(JSON.parse(m[1]!));
  assert.ok(text.includes(JSON.stringify(PAYLOAD_SHAPING).slice(1, -1)), 'shaping name as data (chart titles)');
  assert.ok(text.includes(JSON.stringify(PAYLOADS.iframe).slice(1, -1)), 'alert kind as data (series labels)');
});

test('summary.md carries no raw HTML outside code', () => {
  const prose = markdown.replace(/(`{3,})[^\n]*\n[\s\S]*?\n\1/g, '').replace(/(`+)[\s\S]*?\1/g, '');
  assert.doesNotMatch(prose, /<[a-zA-Z/!?]/);
  assert.ok(prose.includes('&lt;script&gt;'), 'the description is there, escaped');
});

test('a page built from the payload run is byte-identical on a rebuild (escaping is deterministic)', () => {
  const again = buildReport(readRun(path.join(tmp.dir, 'run')), '2025-01-01T00:00:00.000Z');
  assert.equal(again.html, html);
  assert.ok(fs.existsSync(path.join(tmp.dir, 'run', FILES.summaryJson)));
});
