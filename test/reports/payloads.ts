/**
 * Script-injection payloads for the report's safety tests, and a helper that plants them in an
 * existing run directory's traces and firewall log (keeping the journal consistent).
 */
import fs from 'node:fs';
import path from 'node:path';
import { FILES, fileSize, readLines, writeFileAtomic, type JournalEntry } from '../../rundir/index.js';

/** Each sets window.__pwned if it ever runs. */
export const PAYLOADS = {
  script: '<script>window.__pwned=1</script>',
  img: '<img src=x onerror="window.__pwned=2">',
  closeScript: '</script><svg onload=window.__pwned=3>',
  iframe: '"><iframe srcdoc="<script>parent.__pwned=4</script>">',
} as const;

/** A shaping name that is itself a payload. */
export const PAYLOAD_SHAPING = 'o<img src=x onerror=window.__pwned=5>';

/**
 * Every trace's first tick gets payloads in its command, output and a hidden event; every firewall
 * alert gets one in its command, and every third alert a payload as its alert kind. The journal's
 * last entry is updated to the files' new sizes so the data still reads as committed.
 */
export function plantPayloads(dir: string): void {
  const traceDir = path.join(dir, FILES.traces);
  for (const f of fs.readdirSync(traceDir).filter((x) => x.endsWith('.jsonl'))) {
    const lines = readLines(path.join(traceDir, f)).map((l) => JSON.parse(l) as Record<string, unknown>);
    const first = lines[0]!;
    first.command = `${PAYLOADS.img} ${String(first.command)}`;
    first.output = `${PAYLOADS.script}\n${String(first.output)}`;
    first.events = [...(first.events as unknown[]), { tick: first.tick, kind: PAYLOADS.iframe, note: PAYLOADS.closeScript }];
    writeFileAtomic(path.join(traceDir, f), lines.map((l) => JSON.stringify(l) + '\n').join(''));
  }
  const fwFile = path.join(dir, FILES.firewall);
  let n = 0;
  const fw = readLines(fwFile).map((l) => {
    // A file is untrusted input: its fields may hold anything, whatever FirewallLine says.
    const f = JSON.parse(l) as Record<string, unknown>;
    if (f['kind'] === 'alert') {
      f['command'] = `${PAYLOADS.closeScript} ${String(f['command'])}`;
      if (n++ % 3 === 0) f['alert'] = PAYLOADS.iframe;
    }
    return JSON.stringify(f);
  });
  writeFileAtomic(fwFile, fw.map((l) => l + '\n').join(''));
  const journalFile = path.join(dir, FILES.journal);
  const journal = readLines(journalFile).map((l) => JSON.parse(l) as JournalEntry);
  const last = journal[journal.length - 1];
  if (last) {
    last.sizes = { ...last.sizes, episodes: fileSize(path.join(dir, FILES.episodes)), eval: fileSize(path.join(dir, FILES.eval)), firewall: fileSize(fwFile) };
    writeFileAtomic(journalFile, journal.map((j) => JSON.stringify(j) + '\n').join(''));
  }
}
