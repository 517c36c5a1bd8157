/**
 * A single-node Slurm cluster on localhost, for tests: munged, slurmctld and slurmd run from a
 * slurm.conf generated into a scratch directory, and `stop()` ends them and every job they ran.
 *
 * Why it is built this way:
 * - Everything lives in the scratch directory (munge key and socket, state, spool, logs, pid files)
 *   and the ports are free ones picked at start, so it never touches /etc/slurm, /etc/munge or a
 *   Slurm the machine already runs, and two of them can run side by side.
 * - The node is `localhost` at 127.0.0.1 (slurmctld accepts `localhost` as its own name), so it works
 *   whatever the machine's hostname is and whether or not that name resolves. Nothing listens
 *   beyond the loopback interface's addresses that Slurm is told about.
 * - `proctrack/linuxproc`, `task/none`, no accounting database: no cgroups, no systemd, no slurmdbd.
 *   `SlurmdParameters=config_overrides` makes the node exactly the configured CPUs whatever the
 *   hardware, so the test node is the same on every machine.
 * - Job outcomes come from `scontrol show job` (finished jobs are kept for an hour, MinJobAge) and
 *   every attempt of a job, requeued ones included, from the jobcomp/filetxt log.
 * - The daemons run in the foreground as our children (their pids are ours to signal), and
 *   each gets a marker variable in its environment that slurmstepd and the jobs inherit, so `stop()`
 *   can find and end exactly the processes this cluster started, also when a job outlives slurmd.
 * - Every wait is bounded and a daemon that exits or never becomes ready is reported with the
 *   tail of its log, so a broken setup fails in seconds with the reason instead of hanging.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export class SlurmSetupError extends Error {}

/** Commands the cluster needs: Debian's `slurm-wlm` (22.05) and `munge` packages provide them. */
const TOOLS = ['munged', 'munge', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'] as const;
const PATH = [...(process.env.PATH ?? '').split(':').filter((p) => p !== ''), '/usr/sbin', '/sbin', '/usr/bin', '/bin'].join(':');
/** Environment variable that marks this cluster's daemons, their slurmstepds and their jobs. */
const MARKER = 'ROME_GYM_LOCAL_SLURM';
const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'SPECIAL_EXIT']);

function which(cmd: string): string | null {
  for (const dir of PATH.split(':')) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

function tail(file: string, lines = 15): string {
  try {
    const all = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return `(no ${path.basename(file)})`;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * This process's environment as a user's shell would have it: without what `npm run` and node's
 * test runner add (npm_* settings, NODE_TEST_CONTEXT, which would make a nested node think it is a
 * test runner's child).
 */
export function shellEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && k !== 'NODE_TEST_CONTEXT' && k !== 'INIT_CWD'));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Install `slurm-wlm` and `munge` with apt-get when a command is missing (as root; `apt-get update`
 * first, since a fresh machine has no package lists). Throws SlurmSetupError saying what to do.
 */
export function ensureSlurmInstalled(log: (line: string) => void = () => {}): void {
  const missing = () => TOOLS.filter((t) => which(t) === null);
  const before = missing();
  if (before.length === 0) return;
  if (process.getuid?.() !== 0) throw new SlurmSetupError(`local Slurm: ${before.join(', ')} not found and not root to install them; run: sudo apt-get install slurm-wlm munge`);
  const env = { ...process.env, PATH, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'slurm-wlm', 'munge']]) {
    log(`local Slurm: ${before.join(', ')} not found; apt-get ${args.join(' ')}`);
    const t0 = Date.now();
    const r = spawnSync('apt-get', args, { env, encoding: 'utf8', timeout: 600_000 });
    log(`local Slurm: apt-get ${args[0]}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (r.status !== 0) {
      const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd().split('\n').slice(-8).join('\n');
      throw new SlurmSetupError(`local Slurm: apt-get ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`}):\n${out}`);
    }
  }
  const after = missing();
  if (after.length > 0) throw new SlurmSetupError(`local Slurm: ${after.join(', ')} still missing after installing slurm-wlm and munge`);
}

/** Two distinct free TCP ports on 127.0.0.1 (the OS picks them; closed again before Slurm binds them). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

export interface LocalSlurmOptions {
  /** Scratch directory for everything the cluster writes; created, must not exist or be empty. */
  dir: string;
  /** CPUs of the one node (default 2). */
  cpus?: number;
  /** slurm.conf settings that replace or add to the generated ones (a test's broken config). */
  config?: Record<string, string>;
  /** How long each daemon may take to become ready (default 30 s). */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

/** One job record of `scontrol show job -o` (an array task, or a still-pending range of tasks). */
export interface JobRecord {
  jobId: string;
  arrayJobId: string | null;
  arrayTaskId: string | null;
  state: string;
  reason: string;
  exitCode: string;
  restarts: number;
  stdout: string | null;
  raw: string;
}

/** One attempt of a job from the jobcomp log: written when a job ends, and when it is requeued. */
export interface JobAttempt {
  jobId: string;
  arrayJobId: string | null;
  arrayTaskId: string | null;
  state: string;
  exitCode: string;
  raw: string;
}

function field(line: string, key: string): string | null {
  const m = new RegExp(`(?:^|\\s)${key}=(\\S*)`).exec(line);
  return m ? m[1]! : null;
}

interface Daemon {
  name: string;
  child: ChildProcess;
  logs: string[];
}

export class LocalSlurm {
  readonly dir: string;
  readonly conf: string;
  /** The node's name in slurm.conf. */
  readonly node = 'localhost';
  /** Environment for Slurm's client commands. */
  readonly env: NodeJS.ProcessEnv;
  /** The node's RealMemory in MiB (90% of this machine's). */
  readonly memoryMb: number;
  private readonly daemons: Daemon[] = [];
  private reaper: ChildProcess | undefined;
  private stopped = false;
  private readonly onExit = () => this.stop();
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.stop();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };

  private constructor(dir: string, conf: string, env: NodeJS.ProcessEnv, memoryMb: number) {
    this.dir = dir;
    this.conf = conf;
    this.env = env;
    this.memoryMb = memoryMb;
    // A trap: whatever ends this process (a failed assertion, Ctrl-C, CI's SIGTERM), the daemons go too.
    process.once('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  /** Write slurm.conf, start munged, slurmctld and slurmd, and wait until the node takes jobs. */
  static async start(opts: LocalSlurmOptions): Promise<LocalSlurm> {
    const log = opts.log ?? (() => {});
    const readyMs = opts.readyTimeoutMs ?? 30_000;
    const dir = path.resolve(opts.dir);
    if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new SlurmSetupError(`local Slurm: ${dir} is not empty`);
    for (const d of ['munge', 'state', 'spool', 'log']) fs.mkdirSync(path.join(dir, d), { recursive: true });
    // munged refuses a socket whose directories are not searchable by everyone (0700 is what
    // mkdtemp gives), and a key readable by anyone but its owner.
    for (let d = dir; d !== path.dirname(d) && d.startsWith(os.tmpdir()) && d !== os.tmpdir(); d = path.dirname(d)) fs.chmodSync(d, 0o755);
    fs.chmodSync(path.join(dir, 'munge'), 0o755);
    const key = path.join(dir, 'munge', 'munge.key');
    if (which('mungekey')) execFileSync('mungekey', ['--create', `--keyfile=${key}`], { env: { ...process.env, PATH }, stdio: 'pipe' });
    else fs.writeFileSync(key, crypto.randomBytes(1024), { mode: 0o600 }); // what mungekey writes: random bytes
    fs.chmodSync(key, 0o600);
    const socket = path.join(dir, 'munge', 'munge.socket');
    const [ctldPort, slurmdPort] = await freePorts(2);
    const settings: Record<string, string> = {
      ClusterName: 'romegymtest',
      SlurmctldHost: 'localhost(127.0.0.1)',
      SlurmctldPort: String(ctldPort),
      SlurmdPort: String(slurmdPort),
      AuthType: 'auth/munge',
      CredType: 'cred/munge',
      AuthInfo: `socket=${socket}`,
      SlurmUser: 'root',
      SlurmdUser: 'root',
      StateSaveLocation: path.join(dir, 'state'),
      SlurmdSpoolDir: path.join(dir, 'spool', 'slurmd-%n'),
      SlurmctldPidFile: path.join(dir, 'slurmctld.pid'),
      SlurmdPidFile: path.join(dir, 'slurmd-%n.pid'),
      SlurmctldLogFile: path.join(dir, 'log', 'slurmctld.log'),
      SlurmdLogFile: path.join(dir, 'log', 'slurmd.log'),
      SlurmctldDebug: 'info',
      SlurmdDebug: 'info',
      ProctrackType: 'proctrack/linuxproc',
      TaskPlugin: 'task/none',
      JobAcctGatherType: 'jobacct_gather/none',
      AccountingStorageType: 'accounting_storage/none',
      JobCompType: 'jobcomp/filetxt',
      JobCompLoc: path.join(dir, 'log', 'jobcomp.log'),
      SchedulerType: 'sched/backfill',
      SelectType: 'select/cons_tres',
      // CPUs are the consumable resource; memory requests are checked against the node's size only.
      SelectTypeParameters: 'CR_CPU',
      SlurmdParameters: 'config_overrides',
      ReturnToService: '2',
      MinJobAge: '3600',
      KillWait: '5',
      MpiDefault: 'none',
      ...opts.config,
    };
    const memMb = Math.floor(os.totalmem() / 2 ** 20 * 0.9);
    const conf = path.join(dir, 'slurm.conf');
    fs.writeFileSync(
      conf,
      '# Generated by test/cluster/localslurm.ts: a one-node Slurm on localhost for tests.\n' +
        Object.entries(settings).map(([k, v]) => `${k}=${v}`).join('\n') +
        `\nNodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=${opts.cpus ?? 2} Sockets=1 CoresPerSocket=${opts.cpus ?? 2} ThreadsPerCore=1 RealMemory=${memMb} State=UNKNOWN\n` +
        'PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP\n',
    );
    const env: NodeJS.ProcessEnv = { ...shellEnv(), PATH, SLURM_CONF: conf, [MARKER]: dir };
    const slurm = new LocalSlurm(dir, conf, env, memMb);
    slurm.startReaper();
    try {
      log(`local Slurm: starting munged, slurmctld (port ${ctldPort}) and slurmd (port ${slurmdPort}) from ${conf}`);
      slurm.spawnDaemon('munged', ['-F', `--key-file=${key}`, `--socket=${socket}`, `--pid-file=${path.join(dir, 'munge', 'munged.pid')}`, `--log-file=${path.join(dir, 'log', 'munged.log')}`, `--seed-file=${path.join(dir, 'munge', 'munged.seed')}`], [path.join(dir, 'log', 'munged.log')]);
      await slurm.until('munged', readyMs, () => spawnSync('munge', ['-n', '-S', socket], { env, stdio: 'ignore', timeout: 5000 }).status === 0);
      slurm.spawnDaemon('slurmctld', ['-D', '-f', conf], [settings.SlurmctldLogFile!]);
      await slurm.until('slurmctld', readyMs, () => /is UP/.test(slurm.tryCmd('scontrol', ['ping']) ?? ''));
      slurm.spawnDaemon('slurmd', ['-D', '-N', slurm.node, '-f', conf], [settings.SlurmdLogFile!]);
      await slurm.until('slurmd', readyMs, () => {
        const state = (slurm.tryCmd('sinfo', ['-h', '-N', '-n', slurm.node, '-o', '%T']) ?? '').trim();
        // An invalid or drained node stays so: report it now rather than after the timeout.
        if (/inval|drain/.test(state)) {
          const reason = (slurm.tryCmd('sinfo', ['-h', '-N', '-n', slurm.node, '-o', '%E']) ?? '').trim();
          throw new SlurmSetupError(`local Slurm: node ${slurm.node} is ${state} (${reason || 'no reason given'}); slurmd's log:\n${tail(settings.SlurmdLogFile!)}`);
        }
        return state === 'idle';
      });
      log(`local Slurm: node ${slurm.node} idle with ${opts.cpus ?? 2} CPUs`);
      return slurm;
    } catch (e) {
      slurm.stop();
      throw e;
    }
  }

  /**
   * The trap that survives us: a detached shell that waits for this process to end and then kills
   * whatever still carries the marker. `stop()` normally does that first (and ends the reaper);
   * the reaper covers what `stop()` cannot: this process killed with SIGKILL, or a test runner
   * that kills its child on Ctrl-C.
   */
  private startReaper(): void {
    const script = [
      'parent=$1; mark="$2"',
      'while kill -0 "$parent" 2>/dev/null; do sleep 1; done',
      'for i in 1 2 3 4 5 6; do',
      '  pids=$(grep -l -z -x -F "$mark" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3)',
      '  [ -z "$pids" ] && break',
      '  kill -9 $pids 2>/dev/null; sleep 0.5',
      'done',
    ].join('\n');
    this.reaper = spawn('sh', ['-c', script, 'local-slurm-reaper', String(process.pid), `${MARKER}=${this.dir}`], { detached: true, stdio: 'ignore', env: { PATH } });
    this.reaper.on('error', () => {});
    this.reaper.unref();
  }

  private spawnDaemon(name: string, args: string[], logs: string[]): void {
    const out = path.join(this.dir, 'log', `${name}.out`);
    const fd = fs.openSync(out, 'a');
    const child = spawn(name, args, { env: this.env, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    child.on('error', () => {}); // a missing binary shows as an exit below
    child.unref();
    this.daemons.push({ name, child, logs: [...logs, out] });
  }

  private daemonReport(d: Daemon): string {
    return d.logs.map((f) => `--- ${path.relative(this.dir, f)}:\n${tail(f)}`).join('\n');
  }

  /** Poll `ready` until it holds; fail at once if a daemon died, or after `ms` with its log. */
  private async until(name: string, ms: number, ready: () => boolean): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      for (const d of this.daemons) {
        if (!alive(d.child.pid)) throw new SlurmSetupError(`local Slurm: ${d.name} exited (${await exitOf(d.child)}) ${d.name === name ? 'while starting' : `while ${name} was starting`}; its log:\n${this.daemonReport(d)}`);
      }
      if (ready()) return;
      if (Date.now() > deadline) {
        const d = this.daemons.find((x) => x.name === name)!;
        throw new SlurmSetupError(`local Slurm: ${name} was not ready after ${ms / 1000} s; its log:\n${this.daemonReport(d)}`);
      }
      await sleep(200);
    }
  }

  /** Run a Slurm client command; throws with its stderr on failure. */
  cmd(tool: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
    const r = spawnSync(tool, args, { cwd: opts.cwd, env: opts.env ?? this.env, encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new SlurmSetupError(`${tool} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? '').trim()}`);
    return r.stdout;
  }

  private tryCmd(tool: string, args: readonly string[], timeoutMs = 10_000): string | null {
    const r = spawnSync(tool, args, { env: this.env, encoding: 'utf8', timeout: timeoutMs });
    return r.status === 0 ? r.stdout : null;
  }

  /**
   * `sbatch --parsable ARGS` from `cwd`; returns the job id. `env` is the submitting shell's
   * environment (default: shellEnv()), which `--export=ALL` hands to the job.
   */
  sbatch(args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): string {
    const env = { ...(opts.env ?? shellEnv()), PATH: this.env.PATH, SLURM_CONF: this.conf, [MARKER]: this.dir };
    const out = this.cmd('sbatch', ['--parsable', ...args], { cwd: opts.cwd, env }).trim();
    const id = out.split(';')[0]!;
    if (!/^\d+$/.test(id)) throw new SlurmSetupError(`sbatch printed '${out}', not a job id`);
    return id;
  }

  /** The records of a job (an array job: one per task) as slurmctld has them now. */
  jobs(jobId: string): JobRecord[] {
    const out = this.tryCmd('scontrol', ['show', 'job', '-o', jobId]) ?? '';
    return out.split('\n').filter((l) => l.startsWith('JobId=')).map((raw) => ({
      jobId: field(raw, 'JobId')!,
      arrayJobId: field(raw, 'ArrayJobId'),
      arrayTaskId: field(raw, 'ArrayTaskId'),
      state: field(raw, 'JobState') ?? '?',
      reason: field(raw, 'Reason') ?? '',
      exitCode: field(raw, 'ExitCode') ?? '?',
      restarts: Number(field(raw, 'Restarts') ?? 0),
      stdout: field(raw, 'StdOut'),
      raw,
    }));
  }

  /** Every attempt the jobcomp log recorded for a job id or array job id, oldest first. */
  attempts(jobId: string): JobAttempt[] {
    let text = '';
    try {
      text = fs.readFileSync(path.join(this.dir, 'log', 'jobcomp.log'), 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').filter((l) => l.startsWith('JobId=')).map((raw) => ({
      jobId: field(raw, 'JobId')!,
      arrayJobId: field(raw, 'ArrayJobId'),
      arrayTaskId: field(raw, 'ArrayTaskId'),
      state: field(raw, 'JobState') ?? '?',
      exitCode: field(raw, 'ExitCode') ?? '?',
      raw,
    })).filter((a) => a.jobId === jobId || a.arrayJobId === jobId);
  }

  /**
   * Wait until every job (every task of an array) has ended. Fails with the jobs' states, the node's
   * state and the daemons' logs when a daemon dies, a job can never start (its dependency failed),
   * or `timeoutMs` passes.
   */
  async waitEnded(jobIds: readonly string[], timeoutMs: number): Promise<JobRecord[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const d of this.daemons) {
        if (!alive(d.child.pid)) throw new SlurmSetupError(`local Slurm: ${d.name} exited (${await exitOf(d.child)}) while jobs ${jobIds.join(', ')} were queued; its log:\n${this.daemonReport(d)}`);
      }
      const recs = jobIds.flatMap((id) => this.jobs(id));
      const never = recs.find((r) => r.state === 'PENDING' && r.reason === 'DependencyNeverSatisfied');
      if (never) throw new SlurmSetupError(`local Slurm: job ${never.jobId} can never start: ${field(never.raw, 'Dependency') ?? 'its dependency'} failed`);
      if (recs.length > 0 && recs.every((r) => TERMINAL.has(r.state))) return recs;
      if (Date.now() > deadline) {
        const states = recs.map((r) => `${r.arrayTaskId === null ? r.jobId : `${r.arrayJobId}_${r.arrayTaskId}`} ${r.state} (${r.reason})`).join('; ');
        const node = (this.tryCmd('sinfo', ['-h', '-N', '-o', '%N %T %E']) ?? '').trim();
        throw new SlurmSetupError(`local Slurm: jobs not finished after ${timeoutMs / 1000} s: ${states || 'no records'}; node: ${node}\n${this.daemons.map((d) => this.daemonReport(d)).join('\n')}`);
      }
      await sleep(250);
    }
  }

  /** The pids of a running job's batch step and all their descendants (as `kill -9` of the step would hit). */
  stepProcesses(jobId: string): number[] {
    const roots = (this.tryCmd('scontrol', ['listpids', jobId]) ?? '').split('\n').slice(1).map((l) => Number(l.trim().split(/\s+/)[0])).filter((p) => Number.isInteger(p) && p > 0);
    const children = new Map<number, number[]>();
    for (const p of listPids()) {
      const ppid = parentOf(p);
      if (ppid !== null) children.set(ppid, [...(children.get(ppid) ?? []), p]);
    }
    const out = new Set<number>();
    const visit = (p: number) => {
      if (out.has(p)) return;
      out.add(p);
      for (const c of children.get(p) ?? []) visit(c);
    };
    roots.forEach(visit);
    return [...out];
  }

  /**
   * End every job, then slurmd, slurmctld and munged (SIGTERM, then SIGKILL after 5 s), then any
   * process left that carries this cluster's marker. Synchronous so that it can run on `exit` and
   * signals; idempotent.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.onExit);
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    const ctld = this.daemons.find((d) => d.name === 'slurmctld');
    if (ctld && alive(ctld.child.pid)) {
      // Short timeouts: on Ctrl-C slurmctld got the signal too and may be going away.
      const ids = (this.tryCmd('squeue', ['-h', '-o', '%A'], 3000) ?? '').split('\n').map((s) => s.trim()).filter((s) => s !== '');
      if (ids.length > 0) {
        spawnSync('scancel', ids, { env: this.env, stdio: 'ignore', timeout: 3000 });
        for (let i = 0; i < 40 && (this.tryCmd('squeue', ['-h', '-o', '%A'], 3000) ?? '').trim() !== ''; i++) sleepSync(250);
      }
    }
    for (const d of [...this.daemons].reverse()) {
      const pid = d.child.pid;
      if (pid === undefined || !alive(pid)) continue;
      signal(pid, 'SIGTERM');
      for (let i = 0; i < 50 && alive(pid); i++) sleepSync(100);
      if (alive(pid)) signal(pid, 'SIGKILL');
    }
    // slurmstepd and job processes that outlived their daemons: exactly those with our marker.
    // Repeated, since a slurmstepd may still be forking a job while its slurmd goes.
    for (let i = 0; i < 20; i++) {
      const left = processesOf(this.dir);
      if (left.length === 0) break;
      for (const p of left) signal(p, 'SIGKILL');
      sleepSync(150);
    }
    if (this.reaper?.pid !== undefined) signal(this.reaper.pid, 'SIGKILL');
  }

  /** Pids of this cluster's daemons (for a test that checks they were stopped). */
  daemonPids(): { name: string; pid: number | undefined }[] {
    return this.daemons.map((d) => ({ name: d.name, pid: d.child.pid }));
  }
}

/** Processes that carry the marker of the cluster in `dir` (its daemons, slurmstepds and jobs). */
export function processesOf(dir: string): number[] {
  const mark = `${MARKER}=${path.resolve(dir)}\0`;
  return listPids().filter((p) => {
    if (p === process.pid) return false;
    try {
      return fs.readFileSync(`/proc/${p}/environ`, 'latin1').includes(mark);
    } catch {
      return false; // gone, or not ours to read
    }
  });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Running (a zombie that we have not reaped yet counts as ended). */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** How a child ended; waits briefly for its exit event, which can trail /proc showing it gone. */
async function exitOf(c: ChildProcess): Promise<string> {
  if (c.pid === undefined) return 'could not be started';
  if (c.exitCode === null && c.signalCode === null) await Promise.race([new Promise((r) => c.once('exit', r)), sleep(2000)]);
  if (c.exitCode !== null) return `exit code ${c.exitCode}`;
  if (c.signalCode !== null) return `signal ${c.signalCode}`;
  return 'ended';
}

function listPids(): number[] {
  return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}
