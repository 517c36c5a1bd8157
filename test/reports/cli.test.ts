import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FILES, RUN_FORMAT } from '../../rundir/index.js';
import { buildReport, readRun } from '../../reports/build.js';
import { makeRunDir, tempDir } from './fixture.js';

let tmp: { dir: string; cleanup: () => void };
let runDir: string;

before(() => {
  tmp = tempDir('report-cli');
  runDir = path.join(tmp.dir, 'mining-cli');
  makeRunDir(runDir, { shapings: ['outcome', 'utilization'], seeds: [1, 2], steps: 600, evalEpisodes: 6 });
});

after(() => tmp.cleanup());

function report(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/report.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withoutGeneratedAt(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.includes('Generated at'))
    .join('\n');
}

test('writes report.html and summary.md into the run directory; a rebuild differs only in the generated-at line', async () => {
  const first = report(runDir);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stderr, '');
  const html1 = fs.readFileSync(path.join(runDir, 'report.html'), 'utf8');
  const md1 = fs.readFileSync(path.join(runDir, FILES.summaryMd), 'utf8');
  assert.match(first.stdout, /report\.html \(\d+\.\d kB\)/);
  await new Promise((r) => setTimeout(r, 5));
  const second = report(runDir);
  assert.equal(second.code, 0, second.stderr);
  const html2 = fs.readFileSync(path.join(runDir, 'report.html'), 'utf8');
  const md2 = fs.readFileSync(path.join(runDir, FILES.summaryMd), 'utf8');
  assert.notEqual(html1, html2, 'the generated-at line changed');
  assert.equal(withoutGeneratedAt(html2), withoutGeneratedAt(html1));
  assert.equal(withoutGeneratedAt(md2), withoutGeneratedAt(md1));
  assert.equal(html1.split('\n').filter((l) => l.includes('Generated at')).length, 1);
  assert.ok(!fs.readdirSync(runDir).some((f) => f.endsWith('.tmp')), 'no temp files left');
});

test('--out writes elsewhere and leaves the run directory as it was', () => {
  const out = path.join(tmp.dir, 'elsewhere');
  const before = fs.readdirSync(runDir).sort();
  const r = report(runDir, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(out).sort(), ['report.html', 'summary.md']);
  assert.deepEqual(fs.readdirSync(runDir).sort(), before);
});

test('bad input: one line on stderr naming the problem, exit 2, no files written', () => {
  const empty = path.join(tmp.dir, 'empty');
  fs.mkdirSync(empty);
  const file = path.join(tmp.dir, 'a-file');
  fs.writeFileSync(file, 'x');
  const badFormat = path.join(tmp.dir, 'bad-format');
  fs.mkdirSync(badFormat);
  fs.writeFileSync(path.join(badFormat, FILES.config), JSON.stringify({ format: 'something-else/9' }));
  const badJson = path.join(tmp.dir, 'bad-json');
  fs.mkdirSync(badJson);
  fs.writeFileSync(path.join(badJson, FILES.config), '{"format": ');
  const trainDir = path.join(tmp.dir, 'train-run');
  fs.mkdirSync(trainDir);
  fs.writeFileSync(path.join(trainDir, FILES.config), JSON.stringify({ format: 'rome-gym-train/1' }));
  const badCsv = path.join(tmp.dir, 'bad-csv');
  fs.cpSync(runDir, badCsv, { recursive: true });
  fs.rmSync(path.join(badCsv, FILES.journal));
  fs.appendFileSync(path.join(badCsv, FILES.episodes), 'outcome,1,2\n');
  const cases: [string[], RegExp][] = [
    [[path.join(tmp.dir, 'missing')], /missing: no such directory/],
    [[empty], /empty: not a run directory \(no config\.json\)/],
    [[file], /a-file: not a directory/],
    [[badFormat], new RegExp(`format is 'something-else/9', expected '${RUN_FORMAT}'`)],
    [[badJson], /bad-json\/config\.json is not valid JSON \(damaged or truncated\)$/],
    [[trainDir], /train-run is a single training run \(npm run train\); report takes an experiment's run directory \(npm run experiment -- --scenario NAME\)/],
    [[badCsv], /episodes\.csv:\d+: expected \d+ fields, got 3/],
    [[], /^report: give the run directory of an experiment: npm run report -- RUN_DIR \(e\.g\. runs\/mining-<utc>\)$/],
    [[runDir, '--bogus'], /Unknown argument: bogus/],
  ];
  for (const [args, message] of cases) {
    const r = report(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0]!, /^report: /);
    assert.match(lines[0]!, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  for (const d of [empty, badFormat, badJson, trainDir]) assert.ok(!fs.existsSync(path.join(d, 'report.html')));
});

test('--help describes the command with examples', () => {
  const r = report('--help');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /npm run report -- RUN_DIR/);
  assert.match(r.stdout, /Examples:/);
  assert.match(r.stdout, /--out/);
});

test('the reproducibility section names the run directory as reachable from the cwd, and the command that built the report', () => {
  const rel = path.relative(process.cwd(), runDir);
  const r = report(runDir);
  assert.equal(r.code, 0, r.stderr);
  const md = fs.readFileSync(path.join(runDir, FILES.summaryMd), 'utf8');
  const expected = rel.startsWith('..') ? runDir : rel;
  assert.ok(md.includes(`npm run report -- ${expected}`), md);
  assert.match(md, /^_Generated at .* by npm run report;/m);
  // Built from inside the run's parent, the path is relative to there.
  const r2 = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.resolve('cli/report.ts'), 'mining-cli'], { cwd: tmp.dir, encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stderr);
  assert.ok(fs.readFileSync(path.join(runDir, FILES.summaryMd), 'utf8').includes('npm run report -- mining-cli'));
  assert.ok(fs.readFileSync(path.join(runDir, 'report.html'), 'utf8').includes('npm run report -- mining-cli'));
});

test('a report written at the end of an experiment says the experiment generated it', () => {
  const { html, markdown } = buildReport(readRun(runDir), '2025-01-01T00:00:00.000Z', 'npm run experiment');
  assert.match(markdown, /^_Generated at 2025-01-01T00:00:00\.000Z by npm run experiment;/m);
  assert.match(html, /Generated at 2025-01-01T00:00:00\.000Z by npm run experiment\./);
  assert.doesNotMatch(markdown, /by npm run report/);
});
