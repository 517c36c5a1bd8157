/**
 * The git checkout the code runs from, as the run configurations record it (commit, dirty tree).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `git ARGS` in the repository root: its trimmed output, or null when git fails (no git, not a checkout). */
export function git(args: readonly string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}
