/**
 * A worker thread running a TypeScript entry module. A worker does not inherit tsx's loader hooks
 * for its entry module, so the thread registers them first and then imports the entry.
 */
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function tsxWorker(entry: string, opts: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); });`;
  return new Worker(boot, { ...opts, eval: true });
}
