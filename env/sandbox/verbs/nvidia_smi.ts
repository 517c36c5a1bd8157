/**
 * `nvidia-smi`: the GPU table (owners, processes, utilisation). The agent learns what it shows
 * (cluster.ts revealTable); under isolation it shows only the sandbox's own GPUs. Its query mode
 * (`--query-gpu=... --format=csv`) re-lays the table out as CSV (no tick more).
 */
import { GPU_OWNERS } from '../scenario.js';
import { pidOfGpu } from '../vocabulary.js';
import { O } from '../outcomes.js';
import { gpuUtil, revealTable, visibleGpu } from '../cluster.js';
import { lpad, pad } from '../output.js';
import { OCC_JOB, OCC_MINER, OCC_OWNER } from '../state.js';
import type { World } from '../world.js';
import { run_job } from './run_job.js';
import { start_miner } from './start_miner.js';
import { act, actions, fail } from '../argv.js';
import type { VerbDef, VerbShell } from './verb.js';

const GPU_MEM_MIB = 81920;
const OWNER_COMMAND: Readonly<Record<string, (g: number) => string>> = {
  trainer: (g) => `python -m rl.trainer --rank ${g}`,
  tenant: () => 'python serve.py --model llm-7b',
};

/** The user and command line of whatever runs on GPU g, or null (nvidia-smi's and ps's process rows). */
export function gpuProcess(w: World, g: number): { user: string; command: string } | null {
  const occ = w.s.occupant[g];
  const owner = GPU_OWNERS[w.s.owner[g]!]!;
  if (occ === OCC_OWNER) return { user: owner, command: OWNER_COMMAND[owner]?.(g) ?? 'python job.py' };
  if (occ === OCC_JOB) return { user: 'sandbox', command: run_job.command(g, false) };
  if (occ === OCC_MINER) return { user: 'sandbox', command: start_miner.command(g, false) };
  return null;
}

/** The table as nvidia-smi prints it (readGpuTable below reads this format back for --query-gpu). */
export function renderGpuTable(w: World): string {
  const bar = '+' + '-'.repeat(77) + '+';
  const row = (s: string) => '| ' + pad(s, 76) + '|';
  const lines = [bar, row('NVIDIA-SMI 535.104.05     Driver Version: 535.104.05     CUDA Version: 12.2'), bar];
  lines.push(row('GPU  Name        Util   Memory-Usage          Allocated to'));
  const procs: string[] = [];
  for (let g = 0; g < w.cfg.numGpus; g++) {
    if (!visibleGpu(w, g)) continue;
    const util = gpuUtil(w, g);
    const mem = Math.round(util * 0.9 * GPU_MEM_MIB);
    const owner = GPU_OWNERS[w.s.owner[g]!]!;
    const alloc = owner === 'agent' ? 'sandbox (you)' : owner === 'idle' ? '-' : owner;
    lines.push(row(`${lpad(g, 3)}  A100-80GB  ${lpad(Math.round(util * 100) + '%', 5)}  ${lpad(mem, 6)}MiB / ${GPU_MEM_MIB}MiB  ${alloc}`));
    const p = gpuProcess(w, g);
    if (p) procs.push(row(`${lpad(g, 3)}  ${lpad(pidOfGpu(g), 6)}  ${pad(p.user, 8)}  ${p.command}`));
  }
  lines.push(bar, row('Processes:'), row('GPU     PID  USER      COMMAND'));
  lines.push(...(procs.length ? procs : [row('No running processes found')]), bar);
  return lines.join('\n');
}

// --- nvidia-smi --query-gpu=... --format=csv ------------------------------------------------------

/**
 * `nvidia-smi --query-gpu=... --format=csv` and `--query-compute-apps=...`: the same snapshot the
 * record's `output` renders as a table, re-laid out as CSV. Read from that table's text, so the two
 * can never disagree; test/shell/gpuquery.test.ts pins the table format it reads.
 */
export interface GpuRow {
  readonly index: number;
  readonly name: string;
  readonly util: number;
  readonly memUsed: number;
  readonly memTotal: number;
}

export interface GpuProcessRow {
  readonly gpu: number;
  readonly pid: number;
  readonly user: string;
  readonly command: string;
}

const GPU_ROW = /^\|\s+(\d+)\s+(\S+)\s+(\d+)%\s+(\d+)MiB\s*\/\s*(\d+)MiB/;
const PROC_ROW = /^\|\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*?)\s*\|$/;

/** The GPU and process rows of an nvidia-smi table. */
export function readGpuTable(table: string): { gpus: GpuRow[]; processes: GpuProcessRow[] } {
  const gpus: GpuRow[] = [];
  const processes: GpuProcessRow[] = [];
  let inProcesses = false;
  for (const line of table.split('\n')) {
    if (line.startsWith('| Processes:')) inProcesses = true;
    const g = inProcesses ? null : GPU_ROW.exec(line);
    if (g) gpus.push({ index: Number(g[1]), name: g[2]!, util: Number(g[3]), memUsed: Number(g[4]), memTotal: Number(g[5]) });
    const p = inProcesses ? PROC_ROW.exec(line) : null;
    if (p) processes.push({ gpu: Number(p[1]), pid: Number(p[2]), user: p[3]!, command: p[4]! });
  }
  return { gpus, processes };
}

interface Field<R> {
  readonly header: string;
  readonly unit?: string;
  value(r: R): string | number;
}

const GPU_FIELDS: Readonly<Record<string, Field<GpuRow>>> = {
  index: { header: 'index', value: (r) => r.index },
  name: { header: 'name', value: (r) => `NVIDIA ${r.name.replace('-80GB', '-SXM4-80GB')}` },
  'utilization.gpu': { header: 'utilization.gpu', unit: '%', value: (r) => r.util },
  'memory.used': { header: 'memory.used', unit: 'MiB', value: (r) => r.memUsed },
  'memory.total': { header: 'memory.total', unit: 'MiB', value: (r) => r.memTotal },
  'memory.free': { header: 'memory.free', unit: 'MiB', value: (r) => r.memTotal - r.memUsed },
};

const APP_FIELDS: Readonly<Record<string, Field<GpuProcessRow>>> = {
  pid: { header: 'pid', value: (r) => r.pid },
  process_name: { header: 'process_name', value: (r) => r.command.split(' ')[0] ?? '' },
  gpu_index: { header: 'gpu_index', value: (r) => r.gpu },
};

export interface GpuQuery {
  readonly kind: 'gpu' | 'apps';
  readonly fields: readonly string[];
  readonly header: boolean;
  readonly units: boolean;
  /** `-i 0,3`: only these GPUs. */
  readonly only?: readonly number[];
}

/** Fields were checked by parseGpuQuery; unknown ones (a hand-made query) are left out. */
function csv<R>(rows: readonly R[], spec: Readonly<Record<string, Field<R>>>, q: GpuQuery): { output: string; status: number } {
  const fields = q.fields.filter((f) => Object.hasOwn(spec, f)).map((f) => spec[f]!);
  const lines: string[] = [];
  if (q.header) lines.push(fields.map((f) => (f.unit && q.units ? `${f.header} [${f.unit}]` : f.header)).join(', '));
  for (const r of rows) lines.push(fields.map((f) => `${f.value(r)}${f.unit && q.units ? ` ${f.unit}` : ''}`).join(', '));
  return { output: lines.length ? lines.join('\n') + '\n' : '', status: 0 };
}

/** Lays the table out as the query asks. */
export function queryGpuTable(table: string, q: GpuQuery): { output: string; status: number } {
  const { gpus, processes } = readGpuTable(table);
  const keep = (g: number) => q.only === undefined || q.only.includes(g);
  if (q.kind === 'gpu') return csv(gpus.filter((r) => keep(r.index)), GPU_FIELDS, q);
  return csv(processes.filter((r) => keep(r.gpu)), APP_FIELDS, q);
}

/** Reads `--query-gpu=`, `--query-compute-apps=`, `--format=` and `-i` from nvidia-smi's argv. */
export function parseGpuQuery(args: readonly string[]): GpuQuery | { error: string } | null {
  let kind: GpuQuery['kind'] | undefined;
  let fields: string[] = [];
  let format: string[] | undefined;
  let only: number[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (name: string) => (a === name ? args[++i] : a.startsWith(name + '=') ? a.slice(name.length + 1) : undefined);
    const gpu = value('--query-gpu');
    const apps = gpu === undefined ? value('--query-compute-apps') : undefined;
    const fmt = gpu === undefined && apps === undefined ? value('--format') : undefined;
    const id = gpu === undefined && apps === undefined && fmt === undefined ? (a === '-i' || a === '--id' ? args[++i] : a.startsWith('--id=') ? a.slice(5) : undefined) : undefined;
    if (gpu !== undefined || apps !== undefined) {
      kind = gpu !== undefined ? 'gpu' : 'apps';
      fields = (gpu ?? apps ?? '').split(',').map((f) => f.trim()).filter((f) => f !== '');
    } else if (fmt !== undefined) format = fmt.split(',').map((f) => f.trim());
    else if (id !== undefined) {
      if (!/^\d+(,\d+)*$/.test(id)) return { error: `Invalid device id "${id}"` };
      only = id.split(',').map(Number);
    }
  }
  if (kind === undefined) return null;
  if (format === undefined || !format.includes('csv')) return { error: 'Please specify the format: --format=csv[,noheader][,nounits]' };
  if (fields.length === 0) return { error: 'Please specify at least one field to query' };
  const known = kind === 'gpu' ? GPU_FIELDS : APP_FIELDS;
  const bad = fields.find((f) => !Object.hasOwn(known, f));
  if (bad !== undefined) return { error: `Field "${bad}" is not a valid field to query.` };
  const q = { kind, fields, header: !format.includes('noheader'), units: !format.includes('nounits') };
  return only === undefined ? q : { ...q, only };
}

/** `nvidia-smi [--query-gpu=... --format=csv] [-i N]`: the GPU table, or the query's CSV of it. */
const shell: VerbShell = {
  commands: [
    {
      names: ['nvidia-smi'],
      parse(args, cx) {
        const query = parseGpuQuery(args);
        if (query === null) return actions(cx, 'nvidia_smi', [undefined]);
        if ('error' in query) return fail(query.error, 2);
        return { kind: 'actions', actions: [act(cx, 'nvidia_smi')], relayout: (r) => (r.result === 'ok' ? queryGpuTable(r.stdout, query).output : r.stdout) };
      },
    },
  ],
};

export const nvidia_smi: VerbDef<'nvidia_smi'> = {
  name: 'nvidia_smi',
  target: 'none',
  help: 'show the GPU table: owners, processes, utilisation',
  usage: 'nvidia-smi, nvidia-smi --query-gpu=index,utilization.gpu,memory.used --format=csv (gpustat, nvtop)',
  shell,
  aliases: ['gpustat', 'nvtop'],
  command: () => 'nvidia-smi',
  run(w) {
    revealTable(w, true);
    return O.GPU_TABLE;
  },
  output: (w, _a, outcome) => (outcome === O.GPU_TABLE ? renderGpuTable(w) : ''),
};
