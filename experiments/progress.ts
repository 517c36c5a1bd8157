/**
 * One progress display for a whole sweep: jobs done, env steps per second, ETA. On a TTY it is a
 * bar redrawn in place; otherwise a plain line when a job finishes and at most every 10 seconds.
 */
export interface ProgressState {
  jobsDone: number;
  jobsTotal: number;
  /** Env steps (training + evaluation) done in this session, finished and in-flight jobs. */
  stepsDone: number;
  /** Steps this session still has to do (an estimate: evaluation episodes may end early). */
  stepsLeft: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function rate(x: number): string {
  return x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0);
}

export class SweepProgress {
  private readonly started = performance.now();
  private lastDraw = 0;
  private lastJobs = -1;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}

  line(s: ProgressState): string {
    const elapsed = (performance.now() - this.started) / 1000;
    const perSec = elapsed > 0 ? s.stepsDone / elapsed : 0;
    const eta = s.jobsDone === s.jobsTotal ? 0 : perSec > 0 ? s.stepsLeft / perSec : NaN;
    return `${s.jobsDone}/${s.jobsTotal} jobs  ${rate(perSec)} env steps/s  elapsed ${formatDuration(elapsed)}  ETA ${formatDuration(eta)}`;
  }

  update(s: ProgressState): void {
    const now = performance.now();
    const jobChanged = s.jobsDone !== this.lastJobs;
    if (this.tty) {
      if (!jobChanged && now - this.lastDraw < 200) return;
      const width = 24;
      const filled = s.jobsTotal === 0 ? width : Math.round((width * s.jobsDone) / s.jobsTotal);
      this.stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.line(s)}\x1b[K`);
      this.drawn = true;
    } else {
      if (!jobChanged && now - this.lastDraw < 10_000) return;
      this.stream.write(`progress: ${this.line(s)}\n`);
    }
    this.lastDraw = now;
    this.lastJobs = s.jobsDone;
  }

  /** End the in-place line so later output starts on a fresh line. */
  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
