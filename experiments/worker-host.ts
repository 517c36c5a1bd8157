/**
 * The message protocol between the sweep (parent) and its worker processes, and the worker's loop.
 *
 * A worker is a forked Node process with its own tfjs instance. It selects the backend named in
 * its first argument, says `ready`, then runs the jobs it is sent one at a time. It ignores SIGINT
 * (the parent decides how to stop) and exits when the parent goes away.
 */
import type { Behaviour } from '../analysis/index.js';
import { type JobDone, type SweepJob } from '../rundir/index.js';
import { runJob, type JobProgress, type JobSettings, type JobTrainer } from './job.js';

export type ToWorker = { type: 'job'; job: SweepJob; settings: JobSettings } | { type: 'exit' };

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'progress'; key: string; progress: JobProgress }
  | { type: 'done'; key: string; done: JobDone }
  | { type: 'error'; key: string | null; message: string };

function send(m: FromWorker): void {
  if (process.connected) process.send!(m);
}

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!;
}

/** Serve jobs until told to exit or disconnected. Call once from a worker entry module. */
export function serveWorker<P>(trainer: JobTrainer<P>, behaviours: readonly Behaviour[], tracePriority: readonly Behaviour[]): void {
  if (!process.send) throw new Error('serveWorker: not started with child_process.fork');
  const abort = new AbortController();
  process.on('SIGINT', () => {});
  process.on('disconnect', () => {
    abort.abort();
    process.exit(0);
  });
  let backend: string | null = null;
  let queue: Promise<void> = Promise.resolve();
  process.on('message', (m: ToWorker) => {
    if (m.type === 'exit') {
      process.disconnect();
      return;
    }
    queue = queue.then(async () => {
      try {
        const done = await runJob(m.job, m.settings, trainer, {
          backend,
          behaviours,
          tracePriority,
          signal: abort.signal,
          onProgress: (progress) => send({ type: 'progress', key: m.job.key, progress }),
          // An orphan (its sweep was killed) must not commit: a resumed sweep owns the job now.
          canCommit: () => process.connected,
        });
        send({ type: 'done', key: m.job.key, done });
      } catch (e) {
        send({ type: 'error', key: m.job.key, message: oneLine(e) });
      }
    });
  });
  trainer.selectBackend(process.argv[2] ?? 'auto').then(
    (b) => {
      backend = b;
      send({ type: 'ready', backend: b });
    },
    (e) => send({ type: 'error', key: null, message: oneLine(e) }),
  );
}
