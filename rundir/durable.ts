/**
 * Durable writes: whole files replaced atomically, whole lines appended, files cut back to a
 * committed size. Writers append whole lines with one `write` each and fsync at commit points;
 * every multi-line file a reader opens may end in a torn line after `kill -9`, so readers drop an
 * unterminated last line, and resume truncates files back to the sizes last made durable.
 */
import fs from 'node:fs';
import path from 'node:path';

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Opens `file`, hands its descriptor to `use`, and closes it whatever happens. */
function withFd<T>(file: string, flags: string, use: (fd: number) => T): T {
  const fd = fs.openSync(file, flags);
  try {
    return use(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Make a file's content durable (fsync). */
export function fsyncFile(file: string): void {
  withFd(file, 'r', (fd) => fs.fsyncSync(fd));
}

/** Write a whole file so that readers see either the old or the new content, never a mix. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  withFd(tmp, 'w', (fd) => {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  });
  fs.renameSync(tmp, file);
  fsyncDir(dir);
}

/** Rename a finished directory into place and make the rename durable. */
export function renameDurable(from: string, to: string): void {
  fs.renameSync(from, to);
  fsyncDir(path.dirname(to));
}

/**
 * Appends whole lines to a file: each `append` is one `write` of complete, newline-terminated
 * lines, so a crash leaves at most one torn line at the end, which readers drop.
 */
export class LineAppender {
  private fd: number;
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }
  append(lines: string | readonly string[]): void {
    const list = typeof lines === 'string' ? [lines] : lines;
    if (list.length === 0) return;
    for (const l of list) if (l.includes('\n')) throw new Error(`LineAppender: a line may not contain a newline (${this.file})`);
    fs.writeSync(this.fd, list.join('\n') + '\n');
  }
  sync(): void {
    fs.fsyncSync(this.fd);
  }
  /** Bytes in the file now (what a checkpoint records, to truncate back to on resume). */
  size(): number {
    return fs.fstatSync(this.fd).size;
  }
  /** Cut the file back to `size` bytes, durably; the next append lands at the new end. */
  truncate(size: number): void {
    fs.ftruncateSync(this.fd, size);
    fs.fsyncSync(this.fd);
  }
  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

export function appendLines(file: string, lines: readonly string[], sync = false): void {
  const a = new LineAppender(file);
  try {
    a.append(lines);
    if (sync) a.sync();
  } finally {
    a.close();
  }
}

/**
 * Complete lines of a file; an unterminated last line (a torn write) is dropped. Missing file: [].
 * With `limit`, only the first `limit` bytes are read (the committed prefix of a shared file).
 */
export function readLines(file: string, limit?: number): string[] {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const text = (limit !== undefined && limit < buf.length ? buf.subarray(0, limit) : buf).toString('utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  return text.slice(0, end).split('\n');
}

/** Truncate a file to `size` bytes (resume drops rows appended after the last journalled commit). */
export function truncateTo(file: string, size: number): void {
  withFd(file, 'r+', (fd) => {
    fs.ftruncateSync(fd, size);
    fs.fsyncSync(fd);
  });
}

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

/** Cut a file back to its last complete line, so the next append starts on a fresh line. */
export function trimTornTail(file: string): void {
  if (!fs.existsSync(file)) return;
  const buf = fs.readFileSync(file);
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end < buf.length) truncateTo(file, end);
}
