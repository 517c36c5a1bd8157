/**
 * One process per run directory. Two processes appending to the same run directory double every
 * row (and a resume would truncate the files of a live run), so every writer takes the directory's
 * lock first: `DIR/.lock`, a small JSON file naming the holder's pid, host and command.
 *
 * The lock file is created with link(2) from a private temp file, which is atomic and fails if the
 * lock exists, so two processes starting at the same instant cannot both win, and a reader never
 * sees a half-written lock. A holder killed with `kill -9` leaves its lock behind; it is stale
 * when its pid is no longer alive on this host, and the next taker removes it. A lock taken on
 * another host (a shared filesystem) cannot be checked from here: it is refused, naming the host,
 * and the message says how to clear it.
 *
 * Locks are reentrant within a process (the experiment CLI takes the lock before its own checks,
 * and the sweep it starts takes it again), and are released when the process exits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILE = '.lock';

/** The directory is locked by another live process: bad input, one line, exit 2. */
export class RunDirLockedError extends Error {}

/** The directory cannot be created or written (a file in the way, no permission): bad input. */
export class RunDirError extends Error {}

/**
 * A one-line reason for a filesystem error on run directory `dir`, without the errno jargon or the
 * internal file it happened on (the user named the directory, not our temp files).
 */
export function describeDirError(dir: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOTDIR':
      return `${dir}: a part of this path is a file, not a directory`;
    case 'EEXIST':
      return `${dir} exists and is not a directory`;
    case 'EACCES':
    case 'EPERM':
      return `${dir} cannot be written (permission denied)`;
    case 'EROFS':
      return `${dir} is on a read-only filesystem`;
    case 'ENOSPC':
      return `${dir}: no space left on the device`;
    case 'ENAMETOOLONG':
      return `${dir}: the path is too long`;
    default:
      return `${dir} cannot be used as a run directory (${code ?? (e as Error)?.message ?? String(e)})`;
  }
}

interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
}

export interface RunDirLock {
  readonly dir: string;
  readonly file: string;
  /** Drop this hold; the lock file goes when the last hold in this process is released. */
  release(): void;
}

interface Held {
  file: string;
  dir: string;
  /** Directories that did not exist before the lock, deepest first: removed on release if still empty. */
  created: string[];
  count: number;
}

const held = new Map<string, Held>();
let exitHook = false;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return typeof v.pid === 'number' && typeof v.host === 'string' ? (v as LockInfo) : null;
  } catch {
    return null;
  }
}

function removeIfEmpty(dirs: readonly string[]): void {
  for (const d of dirs) {
    try {
      fs.rmdirSync(d); // only succeeds when nothing else was written
    } catch {
      return; // not empty: the run's files (or another process's lock) stay
    }
  }
}

function dropHold(h: Held): void {
  const info = readLock(h.file);
  if (info && info.pid === process.pid && info.host === os.hostname()) fs.rmSync(h.file, { force: true });
  removeIfEmpty(h.created);
}

function releaseAll(): void {
  for (const h of held.values()) dropHold(h);
  held.clear();
}

/**
 * Take the lock of run directory `dir`, creating the directory (and its parents) when missing.
 * Throws RunDirLockedError when another live process holds it.
 */
export function lockRunDir(dir: string): RunDirLock {
  const key = path.resolve(dir);
  const file = path.join(key, LOCK_FILE);
  const mine = held.get(key);
  if (mine) {
    mine.count++;
    return handle(dir, mine);
  }
  const created: string[] = [];
  for (let d = key; !fs.existsSync(d) && path.dirname(d) !== d; d = path.dirname(d)) created.push(d);
  try {
    fs.mkdirSync(key, { recursive: true });
    if (!fs.statSync(key).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'EEXIST' });
  } catch (e) {
    throw new RunDirError(describeDirError(dir, e));
  }
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command: [path.basename(process.argv[1] ?? 'node'), ...process.argv.slice(2)].join(' '),
  };
  const tmp = path.join(key, `.lock.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, JSON.stringify(info) + '\n');
  } catch (e) {
    removeIfEmpty(created);
    throw new RunDirError(describeDirError(dir, e));
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        fs.linkSync(tmp, file);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const other = readLock(file);
      const stale = other !== null && other.host === info.host && !alive(other.pid);
      if ((stale || other === null) && attempt < 3) {
        // Stale (the holder died) or unreadable (not written by lockRunDir): take it over.
        fs.rmSync(file, { force: true });
        continue;
      }
      if (other === null) throw new RunDirLockedError(`${dir} is locked (${file} cannot be read); delete it if no other process uses the directory`);
      const where = other.host === info.host ? '' : ` on host ${other.host}`;
      const hint = other.host === info.host ? '' : `; if that process is gone, delete ${file}`;
      throw new RunDirLockedError(`${dir} is in use by pid ${other.pid}${where} (since ${other.started}); wait for it to finish or stop it${hint}`);
    }
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    removeIfEmpty(created);
    if (e instanceof RunDirLockedError) throw e;
    throw new RunDirError(describeDirError(dir, e));
  }
  fs.rmSync(tmp, { force: true });
  const h: Held = { file, dir: key, created, count: 1 };
  held.set(key, h);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', releaseAll);
  }
  return handle(dir, h);
}

function handle(dir: string, h: Held): RunDirLock {
  let done = false;
  return {
    dir,
    file: h.file,
    release() {
      if (done) return;
      done = true;
      if (--h.count > 0) return;
      held.delete(h.dir);
      dropHold(h);
    },
  };
}

/** The entries of a run directory other than its lock (an empty list: a fresh directory). */
export function entriesBesidesLock(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f !== LOCK_FILE && !/^\.lock\.\d+\.tmp$/.test(f));
}
