/**
 * The report builder: reads a run directory alone and writes report.html and summary.md into it
 * (or another directory). A pure function of the run directory except for the generated-at line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FILES, readRunDir, TRAIN_RUN_FORMAT, writeFileAtomic, type RunData } from '../rundir/index.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';
import { buildModel, type ReportModel } from './model.js';

export const REPORT_FILES = { html: 'report.html', markdown: 'summary.md' } as const;

/** Bad input: a missing directory, not a run directory, unreadable run files. One line. */
export class ReportInputError extends Error {}

function oneLine(msg: string): string {
  return msg.split('\n')[0]!;
}

/** Read a run directory, turning every problem with it into a one-line ReportInputError. */
export function readRun(dir: string): RunData {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new ReportInputError(`${dir}: no such directory`);
  }
  if (!st.isDirectory()) throw new ReportInputError(`${dir}: not a directory`);
  if (!fs.existsSync(path.join(dir, FILES.config))) throw new ReportInputError(`${dir}: not a run directory (no ${FILES.config})`);
  let format: unknown;
  try {
    format = (JSON.parse(fs.readFileSync(path.join(dir, FILES.config), 'utf8')) as { format?: unknown })?.format;
  } catch {
    throw new ReportInputError(`${path.join(dir, FILES.config)} is not valid JSON (damaged or truncated)`);
  }
  if (format === TRAIN_RUN_FORMAT) {
    throw new ReportInputError(
      `${dir} is a single training run (npm run train); report takes an experiment's run directory (npm run experiment -- --scenario NAME); this run's results are its episodes.csv, updates.csv and eval.csv`,
    );
  }
  try {
    return readRunDir(dir);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ReportInputError(oneLine(e instanceof SyntaxError ? `${dir}: unreadable JSON (${msg})` : msg));
  }
}

export interface BuiltReport {
  model: ReportModel;
  html: string;
  markdown: string;
}

/** `generatedBy`: the command that builds it, named in the report (the experiment, merge or report CLI). */
export function buildReport(run: RunData, generatedAt: string, generatedBy = 'npm run report'): BuiltReport {
  let model: ReportModel;
  try {
    model = { ...buildModel(run), generatedBy };
  } catch (e) {
    // Fields of the right files with the wrong shape (hand-edited or from another format).
    if (e instanceof TypeError) throw new ReportInputError(`${run.dir}: unexpected run data (${oneLine(e.message)})`);
    throw e;
  }
  return { model, html: renderHtml(model, generatedAt), markdown: renderMarkdown(model, generatedAt) };
}

export interface WrittenReport {
  html: string;
  markdown: string;
  htmlBytes: number;
  markdownBytes: number;
}

/** Build and write both files atomically (readers see the old file or the new one, never half). */
export function writeReport(runDir: string, opts: { outDir?: string; generatedAt?: string; generatedBy?: string } = {}): WrittenReport {
  const run = readRun(runDir);
  const built = buildReport(run, opts.generatedAt ?? new Date().toISOString(), opts.generatedBy);
  const out = opts.outDir ?? runDir;
  fs.mkdirSync(out, { recursive: true });
  const html = path.join(out, REPORT_FILES.html);
  const markdown = path.join(out, REPORT_FILES.markdown);
  writeFileAtomic(html, built.html);
  writeFileAtomic(markdown, built.markdown);
  return { html, markdown, htmlBytes: Buffer.byteLength(built.html), markdownBytes: Buffer.byteLength(built.markdown) };
}
