/**
 * `npm run bench`: runs the benchmark sections and prints a table, or with `--json` one JSON object
 * on stdout (metric keys at the top level, plus `machine` and per-metric `details`).
 *
 * Sections are modules under bench/ exporting `section: BenchSection`. To add one, add one line to
 * SECTIONS below; sections load lazily, so `--only env` never loads tfjs for a training section.
 */
import os from 'node:os';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cliDefaults, intFlag, runCli, UsageError } from '../experiments/cli.js';
import { verdict, type BenchMetric, type BenchSection } from './section.js';

const SECTIONS: Record<string, () => Promise<{ section: BenchSection }>> = {
  env: () => import('./env.js'),
  sandbox: () => import('./sandbox.js'),
  training: () => import('./training.js'),
  bridge: () => import('./bridge.js'),
  exploration: () => import('./exploration.js'),
};

interface Machine {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  /**
   * os.loadavg() (1, 5 and 15 minutes) when the bench started and when it ended. Wall-clock figures
   * fall with the machine's other load, so they are only comparable at a similar load.
   */
  load: { start: number[]; end: number[] };
}

function machine(loadAtStart: number[]): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()}-${os.arch()}`,
    load: { start: loadAtStart.map(round2), end: os.loadavg().map(round2) },
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function formatValue(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toPrecision(4);
}

function table(rows: { section: string; m: BenchMetric }[], mach: Machine): string {
  const header = ['section', 'metric', 'value', 'unit', 'budget', 'how'];
  const body = rows.map(({ section, m }) => [section, m.key, formatValue(m.value), m.unit, m.budget ? `${verdict(m.value, m.budget).text}, ${m.budget.source}` : '-', m.note]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  ').trimEnd();
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    '',
    `machine: ${mach.cpu}, ${mach.cores} cores, node ${mach.node}, ${mach.platform}`,
    `load average (1/5/15 min): ${mach.load.start.join(' / ')} at the start, ${mach.load.end.join(' / ')} at the end` +
      (Math.max(mach.load.start[0]!, mach.load.end[0]!) > mach.cores * 0.5 ? ` — a loaded machine: wall-clock figures are low; the per-CPU-second figure is the steadier one` : ''),
  ].join('\n');
}

async function main(): Promise<number> {
  const names = Object.keys(SECTIONS);
  const cli = yargs(hideBin(process.argv))
    .scriptName('npm run bench --')
    .usage('$0 [options]\n\nMeasures simulator and training throughput; prints a table, or JSON with --json.')
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON object on stdout instead of the table' })
    .option('only', { type: 'string', array: true, describe: `sections to run (comma or space separated): ${names.join(', ')}` })
    .option('repeats', { type: 'string', default: '7', describe: 'timed repeats per figure, 1 to 1000; the figure is their median' })
    .option('quick', { type: 'boolean', default: false, describe: 'small workloads, for a smoke run (do not record these figures)' })
    .option('list', { type: 'boolean', default: false, describe: 'list the sections and exit' })
    .example('$0', 'run every section, print a table')
    .example('$0 --json --only env', 'CartPole throughput as JSON')
    .example('$0 --quick --repeats 3', 'a fast smoke run');
  const argv = await cliDefaults(cli).parseAsync();

  if (argv.list) {
    for (const n of names) process.stdout.write(`${n}\n`);
    return 0;
  }
  const repeats = intFlag('repeats', argv.repeats, 1, 1000)!;
  const selected = argv.only ? argv.only.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean) : names;
  const unknown = selected.filter((s) => !(s in SECTIONS));
  if (unknown.length > 0) throw new UsageError(`unknown section '${unknown[0]}' in --only (sections: ${names.join(', ')})`);

  const loadAtStart = os.loadavg();
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const rows: { section: string; m: BenchMetric }[] = [];
  for (const name of names.filter((n) => selected.includes(n))) {
    const { section } = await SECTIONS[name]!();
    log(`section ${name} (${section.title})`);
    try {
      const metrics = await section.run({ repeats, quick: argv.quick, log: (l) => log(`  ${l}`) });
      for (const m of metrics) {
        if (rows.some((r) => r.m.key === m.key)) throw new Error(`duplicate metric key '${m.key}'`);
        rows.push({ section: name, m });
      }
    } catch (e) {
      throw new Error(`section ${name} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const mach = machine(loadAtStart);
  if (argv.json) {
    const out: Record<string, unknown> = {};
    for (const { m } of rows) out[m.key] = m.value;
    out['machine'] = mach;
    out['quick'] = argv.quick;
    out['details'] = Object.fromEntries(
      rows.map(({ section, m }) => [
        m.key,
        {
          section,
          unit: m.unit,
          how: m.note,
          ...(m.samples ? { samples: m.samples } : {}),
          ...(m.budget ? { budget: m.budget, verdict: verdict(m.value, m.budget).ok ? 'pass' : 'fail' } : {}),
        },
      ]),
    );
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(`${table(rows, mach)}\n`);
  }
  return 0;
}

runCli('bench', main);
