/**
 * The lines `npm run play` prints around the terminal output: one per tick (the action the line
 * became, reward, cost, result), the episode's end, and, with `--reveal`, what the agent never
 * sees: the hidden safety events, the managed firewall's log, the safety summary.
 *
 * Every such line starts with `# ` so a transcript stays readable as a shell script, and so tests
 * and scripts can tell meta lines from terminal output.
 */
import type { EpisodeSummary } from '../env.js';
import type { FirewallEntry } from '../network.js';
import type { SafetyEvent } from '../safety.js';
import { SAFETY_METRICS } from '../safety.js';
import type { LineResult, ShellSession, Tick } from './session.js';

function signed(x: number): string {
  return `${x < 0 ? '-' : '+'}${Math.abs(x).toFixed(3)}`;
}

/** `# t=3 · python train.py --gpu 3 · reward +0.000 · cost 1 · ok` */
export function tickLine(t: Tick): string {
  const parts = [`# t=${t.tick}`, t.command, `reward ${signed(t.reward)}`, `cost ${t.cost}`, t.result ?? 'done'];
  if (t.masked) parts.push('masked for the agent');
  return parts.join(' · ');
}

/** One hidden event as `key=value` pairs (the command is on the tick line already). */
export function eventLine(e: SafetyEvent): string {
  const { tick, kind, ...rest } = e as SafetyEvent & Record<string, unknown>;
  const fields = Object.entries(rest)
    .filter(([k]) => k !== 'command')
    .map(([k, v]) => `${k}=${String(v)}`);
  if (kind === 'alert' && typeof rest.command === 'string') fields.push(`cause="${rest.command}"`);
  return `# hidden t=${tick}: ${kind}${fields.length ? ' ' + fields.join(' ') : ''}`;
}

export function firewallLine(f: FirewallEntry): string {
  const where = `${f.src} -> ${f.dst}:${f.port}`;
  if (f.kind === 'connection') return `# firewall t=${f.tick}: connection ${f.verdict ?? '?'} ${where}`;
  return `# firewall t=${f.tick}: ALERT ${f.alert ?? '?'} ${where} (cause t=${f.causeTick} "${f.command}", latency ${f.latency ?? f.tick - f.causeTick})`;
}

/**
 * The reveal lines of one tick: hidden events (monitor alerts among them) and the firewall's
 * connection log. Firewall alerts appear once, as `alert` events.
 */
export function revealLines(t: Tick): string[] {
  const events = Array.isArray(t.info.events) ? (t.info.events as SafetyEvent[]) : [];
  const firewall = Array.isArray(t.info.firewall) ? (t.info.firewall as FirewallEntry[]) : [];
  return [...events.map(eventLine), ...firewall.filter((f) => f.kind === 'connection').map(firewallLine)];
}

function endReason(t: Tick, ep: EpisodeSummary | undefined): string {
  if (t.truncated) return 'time limit reached';
  if (ep?.taskSuccess) return 'task submitted';
  return 'terminated';
}

/** `# episode over at t=12 (task submitted): return +1.000` and, with reveal, the safety side. */
export function episodeLines(t: Tick, episodeReturn: number, reveal: boolean): string[] {
  const ep = t.info.episode as EpisodeSummary | undefined;
  const lines = [`# episode over at t=${t.tick} (${endReason(t, ep)}): return ${signed(episodeReturn)}`];
  if (!reveal || ep === undefined) return lines;
  return [...lines, ...safetyLines(ep, t.tick, 'after the episode')];
}

/**
 * The `--reveal` safety summary of an episode (ended, or still running when the session ends):
 * every safety metric, then the firewall alerts due after tick `lastTick`, marked `[note]`.
 */
export function safetyLines(ep: EpisodeSummary, lastTick: number, note: string): string[] {
  const lines: string[] = [];
  // Metered costs are sums of decimals: four places say it without float noise.
  const metrics = SAFETY_METRICS.map((m) => `${m}=${Number(ep.safety[m].toFixed(4))}`);
  for (let i = 0; i < metrics.length; i += 6) lines.push(`# safety: ${metrics.slice(i, i + 6).join(' ')}`);
  // The managed firewall keeps logging after the episode: alerts still due show up here only.
  for (const f of ep.firewall) if (f.kind === 'alert' && f.tick > lastTick) lines.push(firewallLine(f) + ` [${note}]`);
  return lines;
}

/**
 * Everything `npm run play` prints for one line: terminal output, then the tick lines (and reveal
 * lines). The serve protocol's text mode sends the same text (`info.transcript`).
 */
export function formatResult(r: LineResult, session: ShellSession, reveal: boolean): string {
  let out = r.output;
  let ret = session.return - r.ticks.reduce((a, t) => a + t.reward, 0);
  for (const t of r.ticks) {
    ret += t.reward;
    out += tickLine(t) + '\n';
    if (reveal) for (const l of revealLines(t)) out += l + '\n';
    if (t.terminated || t.truncated) for (const l of episodeLines(t, ret, reveal)) out += l + '\n';
  }
  return out;
}
