/**
 * The env protocol behind `npm run serve` (specification: docs/protocol.md). One `ProtocolSession`
 * per client connection: it takes one request line and answers one reply line, and owns at most one
 * env (a vector of `num_envs` copies; `num_envs: 1` is a single env).
 *
 * Contracts:
 * - `handle(line)` never throws and never executes anything on the host: every failure (not JSON,
 *   unknown op, wrong field, step before reset, bad action, an env error) is the reply
 *   `{"ok":false,"error":"<one line>"}` and the session keeps serving.
 * - Numeric mode steps a `SyncVectorEnv`, so next-step autoreset, seeding (`seed + i` for env i)
 *   and buffers are exactly the in-process vector env's; the reply is that step's buffers.
 * - Hidden safety signals (per-step events, the firewall log, the episode's safety summary) are sent
 *   only when the client asked for them at `make` with `reveal: true`.
 * - Text mode runs one `ShellSession` per env (the parser and session of `npm run play`): an action
 *   is a command line, an observation the terminal text, `info.transcript` what `play` prints.
 * - Every reply is one line of JSON whose strings escape all control characters, DEL, C1 controls
 *   and U+2028/U+2029 (`encodeLine`), so terminal text can never break the framing or a terminal.
 */
import { endianness } from 'node:os';
import { Box, Discrete, listEnvs, make, SyncVectorEnv, Wrapper, type Env, type Info, type Space, type StepResult } from '../env/index.js';
import { SANDBOX_ENV_ID, SandboxEnv, type EpisodeSummary, type FirewallEntry, type SafetyEvent, type Scenario } from '../env/sandbox/index.js';
import { ShellSession } from '../env/sandbox/shell/session.js';
import { formatResult } from '../env/sandbox/shell/transcript.js';
import { listScenarios, loadScenario, looksLikePath, parseScenario, ScenarioError } from '../scenarios/loader.js';

export const PROTOCOL_VERSION = 1;
/** Longest request line accepted, in bytes (the newline excluded); longer lines get an error reply. */
export const MAX_LINE_BYTES = 1 << 20;
/** Most envs one `make` may ask for. */
export const MAX_ENVS = 4096;
/** Longest command line text mode accepts (characters). */
export const MAX_COMMAND_CHARS = 64 * 1024;
const SERVER = 'rome-gym 0.1.0';
const ENCODINGS = ['json', 'base64'] as const;
const MODES = ['numeric', 'text'] as const;
type Encoding = (typeof ENCODINGS)[number];
type Mode = (typeof MODES)[number];

/** A request the client got wrong: the reply's one-line error. */
export class ProtocolError extends Error {}

// ---------------------------------------------------------------------------------------------
// Framing
// ---------------------------------------------------------------------------------------------

/**
 * JSON.stringify escapes U+0000–U+001F; this also escapes DEL, the C1 controls and the two JSON-legal
 * line separators, so a reply is printable ASCII-safe text on one line whatever the sandbox echoed.
 * (Those characters can only occur inside JSON strings, so the replacement keeps the JSON valid.)
 */
export function encodeLine(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JSON text that is already encoded (a base64 array as a JSON string). A reply's top-level values
 * may be Raw: the hot path then never runs JSON.stringify (and the escape scan) over ~30 KB of
 * base64 per step, which costs more than the 64 env steps themselves. Base64 needs no escaping.
 */
class Raw {
  constructor(readonly json: string) {}
}

/** A reply object as one line: top-level Raw values are spliced in, the rest goes through encodeLine. */
function encodeReply(reply: Record<string, unknown>): string {
  let out = '{';
  let first = true;
  for (const [k, v] of Object.entries(reply)) {
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${v instanceof Raw ? v.json : encodeLine(v)}`;
    first = false;
  }
  return out + '}';
}

/**
 * Splits a byte stream into lines without ever holding more than `maxBytes` of one line: a longer
 * line is dropped as it streams in and reported once, as `{ tooLong: n }`, when its newline comes.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private dropped = 0;

  constructor(private readonly maxBytes = MAX_LINE_BYTES) {}

  /** Feeds a chunk; returns the complete lines in it (as strings) and overlong-line markers. */
  push(chunk: Buffer): ({ line: string } | { tooLong: number })[] {
    const out: ({ line: string } | { tooLong: number })[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (this.dropped > 0 || this.size + piece.length > this.maxBytes) {
        this.dropped += this.size + piece.length;
        this.parts = [];
        this.size = 0;
      } else if (piece.length > 0) {
        this.parts.push(piece);
        this.size += piece.length;
      }
      if (nl === -1) break;
      if (this.dropped > 0) out.push({ tooLong: this.dropped });
      else out.push({ line: Buffer.concat(this.parts, this.size).toString('utf8').replace(/\r$/, '') });
      this.parts = [];
      this.size = 0;
      this.dropped = 0;
      start = nl + 1;
    }
    // Copy what is kept: the caller may reuse its chunk buffer.
    if (this.parts.length > 0 && this.parts.at(-1)!.buffer === chunk.buffer) this.parts[this.parts.length - 1] = Buffer.from(this.parts.at(-1)!);
    return out;
  }

  /** The stream ended: a last line without newline, if any. */
  end(): ({ line: string } | { tooLong: number })[] {
    if (this.dropped > 0) return [{ tooLong: this.dropped }];
    if (this.size === 0) return [];
    return [{ line: Buffer.concat(this.parts, this.size).toString('utf8').replace(/\r$/, '') }];
  }
}

// ---------------------------------------------------------------------------------------------
// Field checks: each names the op and the field, in one line
// ---------------------------------------------------------------------------------------------

type Req = Record<string, unknown>;

function fields(op: string, req: Req, allowed: readonly string[]): void {
  for (const k of Object.keys(req)) {
    if (k !== 'op' && k !== 'id' && !allowed.includes(k)) {
      throw new ProtocolError(`${op}: unknown field '${k}'${allowed.length ? ` (fields: ${allowed.join(', ')})` : ''}`);
    }
  }
}

function oneOf<T extends string>(op: string, name: string, v: unknown, values: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !values.includes(v as T)) throw new ProtocolError(`${op}: '${name}' must be one of ${values.join(', ')}, got ${brief(v)}`);
  return v as T;
}

function seedOf(op: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ProtocolError(`${op}: 'seed' must be a non-negative integer or null, got ${brief(v)}`);
  return v;
}

/** A value shown in an error: short, one line. */
function brief(v: unknown): string {
  const s = v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.trim() || 'error';
}

// ---------------------------------------------------------------------------------------------
// Spaces on the wire
// ---------------------------------------------------------------------------------------------

function uniform(a: Float32Array): number | string | (number | string)[] {
  const v = a[0]!;
  return a.every((x) => x === v || (Number.isNaN(x) && Number.isNaN(v))) ? jsonNumber(v) : Array.from(a, jsonNumber);
}

/** JSON has no infinities: unbounded Box sides travel as the strings "inf" / "-inf" (numpy reads them). */
function jsonNumber(x: number): number | string {
  return x === Infinity ? 'inf' : x === -Infinity ? '-inf' : x;
}

function describeSpace(s: Space): Record<string, unknown> {
  if (s instanceof Box) return { type: 'Box', shape: [...s.shape], dtype: 'float32', low: uniform(s.low), high: uniform(s.high) };
  if (s instanceof Discrete) return { type: 'Discrete', n: s.n, start: s.start };
  throw new ProtocolError(`make: the env's ${s.kind} space has no protocol form (Box observations and Discrete actions only)`);
}

// ---------------------------------------------------------------------------------------------
// Binary arrays (the negotiated base64 encoding): little-endian, as numpy's '<f4', '<i4', 'u1'
// ---------------------------------------------------------------------------------------------

const LITTLE_ENDIAN = endianness() === 'LE';

function b64(a: Float32Array | Uint8Array | Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function arrayField(enc: Encoding, a: Float32Array | Uint8Array): Raw | number[] {
  return enc === 'base64' ? new Raw(`"${b64(a)}"`) : Array.from(a);
}

function flagsField(enc: Encoding, a: Uint8Array): Raw | boolean[] {
  return enc === 'base64' ? new Raw(`"${b64(a)}"`) : Array.from(a, (x) => x === 1);
}

// ---------------------------------------------------------------------------------------------
// What the client may see at an episode's end
// ---------------------------------------------------------------------------------------------

/**
 * The final info of one ended episode: return, length and task success always (the agent saw all
 * three: its rewards, its steps, the submit's output); the safety summary and the managed firewall's
 * log only when revealed (the hidden signal, AI Safety Gridworlds convention).
 */
function finalInfo(info: Info | null, ret: number, length: number, reveal: boolean): Record<string, unknown> {
  const ep = info?.['episode'] as EpisodeSummary | undefined;
  const out: Record<string, unknown> = { episode: { return: ret, length } };
  if (ep !== undefined && typeof ep === 'object' && 'taskSuccess' in ep) {
    (out['episode'] as Record<string, unknown>)['task_success'] = ep.taskSuccess;
    if (reveal) {
      out['safety'] = ep.safety;
      out['firewall'] = ep.firewall;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Numeric mode: a SyncVectorEnv
// ---------------------------------------------------------------------------------------------

/** Keeps the last step's info of a sandbox env (for revealed events); hides the flat path, so the vector env calls step(). */
class InfoTap extends Wrapper {
  last: Info | null = null;
  override step(action: number): StepResult<never> {
    const r = super.step(action as never);
    this.last = r.info;
    return r as StepResult<never>;
  }
}

interface Made {
  readonly numEnvs: number;
  readonly mode: Mode;
  spaces(): Record<string, unknown>;
  reset(seed: number | undefined, options: Record<string, unknown> | undefined): Record<string, unknown>;
  step(actions: unknown): Record<string, unknown>;
  render(): Record<string, unknown>;
  close(): void;
}

class NumericEnv implements Made {
  readonly mode = 'numeric' as const;
  readonly numEnvs: number;
  private readonly vec: SyncVectorEnv;
  private readonly taps: InfoTap[] | null;
  private readonly actions: Int32Array;
  private readonly returns: Float64Array;
  private readonly lengths: Int32Array;
  private started = false;

  constructor(
    private readonly envId: string,
    factory: () => Env,
    numEnvs: number,
    private readonly encoding: Encoding,
    private readonly reveal: boolean,
    maxEpisodeSteps: number | undefined,
  ) {
    // Revealing needs each step's events, which only the allocating step() path builds.
    const taps: InfoTap[] = [];
    this.vec = new SyncVectorEnv(
      Array.from({ length: numEnvs }, () => () => {
        const env = factory();
        if (!reveal) return env;
        const tap = new InfoTap(env);
        taps.push(tap);
        return tap;
      }),
      maxEpisodeSteps === undefined ? {} : { maxEpisodeSteps },
    );
    describeSpace(this.vec.singleObservationSpace);
    this.taps = reveal ? taps : null;
    this.numEnvs = numEnvs;
    this.actions = new Int32Array(numEnvs);
    this.returns = new Float64Array(numEnvs);
    this.lengths = new Int32Array(numEnvs);
  }

  spaces(): Record<string, unknown> {
    const v = this.vec;
    const first = v.envs[0]!.unwrapped;
    const labels = first instanceof SandboxEnv ? first.actions.map((a) => a.label) : undefined;
    return {
      env_id: this.envId,
      mode: this.mode,
      num_envs: this.numEnvs,
      encoding: this.encoding,
      reveal: this.reveal,
      observation_space: describeSpace(v.singleObservationSpace),
      action_space: describeSpace(v.singleActionSpace),
      obs_dim: v.obsDim,
      num_actions: v.numActions,
      ...(labels ? { action_labels: labels } : {}),
      ...(first instanceof SandboxEnv ? { scenario: first.scenario.name, shaping: first.shapingName, horizon: first.scenario.horizon } : {}),
    };
  }

  reset(seed: number | undefined): Record<string, unknown> {
    const b = this.vec.reset(seed === undefined ? {} : { seed });
    this.started = true;
    this.returns.fill(0);
    this.lengths.fill(0);
    return { obs: arrayField(this.encoding, b.obs), action_mask: arrayField(this.encoding, b.actionMasks) };
  }

  step(actions: unknown): Record<string, unknown> {
    if (!this.started) throw new ProtocolError('step before reset: send reset first');
    this.readActions(actions);
    const b = this.vec.step(this.actions);
    const enc = this.encoding;
    const reply: Record<string, unknown> = {
      obs: arrayField(enc, b.obs),
      reward: arrayField(enc, b.rewards),
      cost: arrayField(enc, b.costs),
      terminated: flagsField(enc, b.terminated),
      truncated: flagsField(enc, b.truncated),
      reset_step: flagsField(enc, b.resetStep),
      action_mask: arrayField(enc, b.actionMasks),
    };
    let final: Record<string, unknown> | undefined;
    let events: SafetyEvent[][] | undefined;
    for (let i = 0; i < this.numEnvs; i++) {
      if (b.resetStep[i]) {
        this.returns[i] = 0;
        this.lengths[i] = 0;
        continue;
      }
      this.returns[i]! += b.rewards[i]!;
      this.lengths[i]! += 1;
      if (b.terminated[i] || b.truncated[i]) {
        final ??= {};
        final[String(i)] = finalInfo(b.finalInfos[i]!, this.returns[i]!, this.lengths[i]!, this.reveal);
      }
    }
    if (this.taps) {
      events = this.taps.map((t, i) => (b.resetStep[i] ? [] : ((t.last?.['events'] as SafetyEvent[] | undefined) ?? [])));
      reply['events'] = events;
      reply['firewall'] = this.taps.map((t, i) => (b.resetStep[i] ? [] : ((t.last?.['firewall'] as FirewallEntry[] | undefined) ?? [])));
    }
    if (final) reply['final_info'] = final;
    return reply;
  }

  render(): Record<string, unknown> {
    return { text: this.vec.envs.map((e) => e.render()) };
  }

  close(): void {
    this.vec.close();
  }

  /** Fills this.actions from a JSON array of integers or base64 of little-endian int32. */
  private readActions(actions: unknown): void {
    const n = this.numEnvs;
    const na = this.vec.numActions;
    const out = this.actions;
    if (typeof actions === 'string') {
      const buf = Buffer.from(actions, 'base64');
      if (buf.length !== 4 * n) throw new ProtocolError(`step: base64 'actions' decode to ${buf.length} bytes; ${n} envs need ${4 * n} (int32 little-endian each)`);
      for (let i = 0; i < n; i++) out[i] = buf.readInt32LE(4 * i);
    } else if (Array.isArray(actions)) {
      if (actions.length !== n) throw new ProtocolError(`step: ${actions.length} actions for ${n} envs`);
      for (let i = 0; i < n; i++) {
        const a = actions[i];
        if (typeof a !== 'number' || !Number.isInteger(a)) throw new ProtocolError(`step: action ${i} must be an integer, got ${brief(a)}`);
        out[i] = a;
      }
    } else {
      throw new ProtocolError(`step: 'actions' must be an array of ${n} integers or a base64 string of int32, got ${brief(actions)}`);
    }
    for (let i = 0; i < n; i++) {
      if (out[i]! < 0 || out[i]! >= na) throw new ProtocolError(`step: action ${out[i]} of env ${i} is out of range [0, ${na})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Text mode: one ShellSession per env, as `npm run play`
// ---------------------------------------------------------------------------------------------

interface TextSlot {
  readonly env: SandboxEnv;
  session: ShellSession;
  /** An open quote or trailing `&&`: the lines typed so far (play's continuation prompt). */
  pending: string;
  needsReset: boolean;
}

const PROMPT = 'sandbox@rome:~$ ';

class TextEnv implements Made {
  readonly mode = 'text' as const;
  readonly numEnvs: number;
  private readonly slots: TextSlot[];
  private started = false;

  constructor(
    private readonly scenario: Scenario,
    private readonly shaping: string | undefined,
    numEnvs: number,
    private readonly reveal: boolean,
  ) {
    this.numEnvs = numEnvs;
    this.slots = Array.from({ length: numEnvs }, (_, i) => {
      const env = new SandboxEnv(scenario, shaping === undefined ? {} : { shaping });
      return { env, session: this.newSession(env, i), pending: '', needsReset: false };
    });
  }

  private newSession(env: SandboxEnv, seed: number): ShellSession {
    // No ANSI clear (play prints none when piped); the episode is the harness's to reset.
    return new ShellSession(env, { seed, clearScreen: '', resetCommand: false });
  }

  spaces(): Record<string, unknown> {
    const env = this.slots[0]!.env;
    return {
      env_id: SANDBOX_ENV_ID,
      mode: this.mode,
      num_envs: this.numEnvs,
      encoding: 'json',
      reveal: this.reveal,
      observation_space: { type: 'Text', description: 'the terminal text the sandbox shell prints' },
      action_space: { type: 'Text', max_length: MAX_COMMAND_CHARS, description: 'a bash command line, parsed as `npm run play` parses it' },
      prompt: PROMPT,
      num_actions: env.numActions,
      action_labels: env.actions.map((a) => a.label),
      scenario: this.scenario.name,
      shaping: env.shapingName,
      horizon: this.scenario.horizon,
    };
  }

  reset(seed: number | undefined): Record<string, unknown> {
    // The first reset without a seed starts env i at seed i (play's default seed 0); later ones take the next seed.
    for (const [i, slot] of this.slots.entries()) this.resetSlot(slot, seed !== undefined ? seed + i : this.started ? undefined : i);
    this.started = true;
    return { obs: this.slots.map((s) => this.banner(s)), action_mask: this.slots.map((s) => Array.from(s.session.actionMask ?? [])), info: this.slots.map((s) => this.resetInfo(s)) };
  }

  private resetSlot(slot: TextSlot, seed: number | undefined): void {
    // Without a seed, the next episode seed (play's `reset`); the shell's history and variables start afresh.
    const next = seed ?? slot.session.episodeSeed + 1;
    slot.session = this.newSession(slot.env, next);
    slot.pending = '';
    slot.needsReset = false;
  }

  private banner(slot: TextSlot): string {
    return `${slot.env.render()}\n`;
  }

  private resetInfo(slot: TextSlot): Record<string, unknown> {
    const env = slot.env;
    const header = `# rome-gym sandbox: scenario ${this.scenario.name}, shaping ${env.shapingName}${env.shaping.proxy ? ' (a misspecified proxy)' : ''}, seed ${slot.session.episodeSeed}, horizon ${this.scenario.horizon}${this.reveal ? ', hidden signals revealed' : ''}\n`;
    return { seed: slot.session.episodeSeed, header };
  }

  step(actions: unknown): Record<string, unknown> {
    if (!this.started) throw new ProtocolError('step before reset: send reset first');
    const n = this.numEnvs;
    if (!Array.isArray(actions)) throw new ProtocolError(`step: text mode 'actions' must be an array of ${n} command lines, got ${brief(actions)}`);
    if (actions.length !== n) throw new ProtocolError(`step: ${actions.length} actions for ${n} envs`);
    actions.forEach((a, i) => {
      if (typeof a !== 'string') throw new ProtocolError(`step: action ${i} must be a command line (a string), got ${brief(a)}`);
      if (a.length > MAX_COMMAND_CHARS) throw new ProtocolError(`step: action ${i} is ${a.length} characters; at most ${MAX_COMMAND_CHARS}`);
      if (a.includes('\n') || a.includes('\r')) throw new ProtocolError(`step: action ${i} holds a newline; send one line a step (an open quote continues on the next step)`);
    });
    const obs: string[] = [];
    const reward: number[] = [];
    const cost: number[] = [];
    const terminated: boolean[] = [];
    const truncated: boolean[] = [];
    const resetStep: boolean[] = [];
    const masks: number[][] = [];
    const info: Record<string, unknown>[] = [];
    let final: Record<string, unknown> | undefined;
    for (const [i, slot] of this.slots.entries()) {
      if (slot.needsReset) {
        this.resetSlot(slot, undefined);
        obs.push(this.banner(slot));
        reward.push(0);
        cost.push(0);
        terminated.push(false);
        truncated.push(false);
        resetStep.push(true);
        masks.push(Array.from(slot.session.actionMask ?? []));
        info.push(this.resetInfo(slot));
        continue;
      }
      const raw = actions[i] as string;
      const line = slot.pending === '' ? raw : `${slot.pending}\n${raw}`;
      const echo = `${slot.pending === '' ? PROMPT : '> '}${raw}\n`;
      const r = slot.session.run(line);
      let out = '';
      let transcript = echo;
      if (r.incomplete) {
        slot.pending = line;
      } else {
        slot.pending = '';
        out = r.output;
        transcript += formatResult(r, slot.session, this.reveal);
      }
      let rew = 0;
      let c = 0;
      let term = false;
      let trunc = false;
      for (const t of r.ticks) {
        rew += t.reward;
        c += t.cost;
        term ||= t.terminated;
        trunc ||= t.truncated;
      }
      obs.push(out);
      reward.push(rew);
      cost.push(c);
      terminated.push(term);
      truncated.push(trunc);
      resetStep.push(false);
      masks.push(Array.from(slot.session.actionMask ?? []));
      const ticks = r.ticks.map((t) => ({
        tick: t.tick,
        action: t.action,
        command: t.command,
        reward: t.reward,
        cost: t.cost,
        result: t.result ?? null,
        masked: t.masked,
        ...(this.reveal ? { events: t.info['events'] ?? [], firewall: t.info['firewall'] ?? [] } : {}),
      }));
      info.push({ status: r.status, incomplete: r.incomplete, exit: r.exit, ticks, transcript });
      if (term || trunc) {
        slot.needsReset = true;
        const last = r.ticks.at(-1)!;
        final ??= {};
        final[String(i)] = finalInfo(last.info, slot.session.return, slot.session.tick, this.reveal);
      }
    }
    const reply: Record<string, unknown> = { obs, reward, cost, terminated, truncated, reset_step: resetStep, action_mask: masks, info };
    if (final) reply['final_info'] = final;
    return reply;
  }

  render(): Record<string, unknown> {
    return { text: this.slots.map((s) => s.env.render()) };
  }

  close(): void {
    for (const s of this.slots) s.env.close();
  }
}

// ---------------------------------------------------------------------------------------------
// make: which env, how many, which mode
// ---------------------------------------------------------------------------------------------

const SANDBOX_KWARGS = ['scenario', 'shaping', 'max_episode_steps'];

function resolveScenario(v: unknown): Scenario {
  if (v === undefined) return loadScenario('mining');
  if (isPlainObject(v)) return parseScenario(v, typeof v['name'] === 'string' ? v['name'] : 'custom', '<make kwargs.scenario>');
  if (typeof v !== 'string') throw new ProtocolError(`make: kwargs.scenario must be a scenario name, a path to a YAML file or a scenario object, got ${brief(v)}`);
  if (!looksLikePath(v) && !listScenarios().includes(v)) throw new ProtocolError(`make: unknown scenario '${v}'; scenarios: ${listScenarios().join(', ')}`);
  try {
    return loadScenario(v);
  } catch (e) {
    if (e instanceof Error && 'code' in e && e.code === 'ENOENT') throw new ProtocolError(`make: no such scenario file '${v}'`);
    throw e;
  }
}

function makeEnv(req: Req): Made {
  fields('make', req, ['env_id', 'kwargs', 'num_envs', 'mode', 'encoding', 'reveal']);
  const envId = req['env_id'] ?? SANDBOX_ENV_ID;
  if (typeof envId !== 'string') throw new ProtocolError(`make: 'env_id' must be a string, got ${brief(envId)}`);
  if (!listEnvs().includes(envId)) throw new ProtocolError(`make: unknown env id '${envId}'; env ids: ${listEnvs().join(', ')}`);
  const kwargs = req['kwargs'] ?? {};
  if (!isPlainObject(kwargs)) throw new ProtocolError(`make: 'kwargs' must be an object, got ${brief(kwargs)}`);
  const numEnvs = req['num_envs'] ?? 1;
  if (typeof numEnvs !== 'number' || !Number.isInteger(numEnvs) || numEnvs < 1 || numEnvs > MAX_ENVS) {
    throw new ProtocolError(`make: 'num_envs' must be an integer in [1, ${MAX_ENVS}], got ${brief(numEnvs)}`);
  }
  const mode = oneOf('make', 'mode', req['mode'], MODES, 'numeric');
  const encoding = oneOf('make', 'encoding', req['encoding'], ENCODINGS, 'json');
  if (encoding === 'base64' && !LITTLE_ENDIAN) throw new ProtocolError('make: base64 arrays are little-endian and this machine is not; use encoding json');
  const reveal = req['reveal'] ?? false;
  if (typeof reveal !== 'boolean') throw new ProtocolError(`make: 'reveal' must be true or false, got ${brief(reveal)}`);
  const { max_episode_steps: maxSteps, ...rest } = kwargs;
  if (maxSteps !== undefined && maxSteps !== null && (typeof maxSteps !== 'number' || !Number.isInteger(maxSteps) || maxSteps < 1)) {
    throw new ProtocolError(`make: kwargs.max_episode_steps must be a positive integer, got ${brief(maxSteps)}`);
  }
  if (envId === SANDBOX_ENV_ID) {
    for (const k of Object.keys(kwargs)) if (!SANDBOX_KWARGS.includes(k)) throw new ProtocolError(`make: unknown kwarg '${k}' for ${envId} (kwargs: ${SANDBOX_KWARGS.join(', ')})`);
    const scenario = resolveScenario(rest['scenario']);
    const shaping = rest['shaping'];
    if (shaping !== undefined && (typeof shaping !== 'string' || !Object.hasOwn(scenario.shapings, shaping))) {
      throw new ProtocolError(`make: unknown shaping ${brief(shaping)} in scenario ${scenario.name}; shapings: ${Object.keys(scenario.shapings).join(', ')}`);
    }
    const kw = { scenario, ...(shaping === undefined ? {} : { shaping }) };
    if (mode === 'text') {
      if (maxSteps !== undefined && maxSteps !== null) throw new ProtocolError('make: max_episode_steps is for numeric mode; text episodes end at the scenario horizon');
      return new TextEnv(scenario, shaping as string | undefined, numEnvs, reveal);
    }
    return new NumericEnv(envId, () => make(envId, kw), numEnvs, encoding, reveal, (maxSteps as number | null | undefined) ?? undefined);
  }
  if (mode === 'text') throw new ProtocolError(`make: text mode is for ${SANDBOX_ENV_ID} only`);
  return new NumericEnv(envId, () => make(envId, rest), numEnvs, encoding, reveal, (maxSteps as number | null | undefined) ?? undefined);
}

// ---------------------------------------------------------------------------------------------
// The session: one per connection
// ---------------------------------------------------------------------------------------------

export class ProtocolSession {
  private env: Made | undefined;

  /** Answers one request line with one reply line (no newline). Never throws. */
  handle(line: string): string {
    let id: unknown;
    try {
      let req: unknown;
      try {
        req = JSON.parse(line);
      } catch {
        throw new ProtocolError(`request is not JSON: ${brief(line.length > 60 ? line.slice(0, 60) : line)}`);
      }
      if (!isPlainObject(req)) throw new ProtocolError(`request must be a JSON object with an 'op', got ${brief(req)}`);
      if ('id' in req) {
        const v = req['id'];
        if (v !== null && typeof v !== 'string' && typeof v !== 'number') throw new ProtocolError(`'id' must be a string, a number or null, got ${brief(v)}`);
        id = v;
      }
      const body = this.dispatch(req);
      return encodeReply(id === undefined ? { ok: true, ...body } : { id, ok: true, ...body });
    } catch (e) {
      const error = e instanceof ProtocolError || e instanceof ScenarioError ? e.message.split('\n')[0]! : `internal error: ${firstLine(e)}`;
      return encodeLine(id === undefined ? { ok: false, error } : { id, ok: false, error });
    }
  }

  /** The reply to a line over MAX_LINE_BYTES (the splitter dropped it unread). */
  tooLong(bytes: number): string {
    return encodeLine({ ok: false, error: `request line of ${bytes} bytes is over the limit of ${MAX_LINE_BYTES} bytes; it was dropped unread` });
  }

  close(): void {
    this.env?.close();
    this.env = undefined;
  }

  private need(op: string): Made {
    if (!this.env) throw new ProtocolError(`${op} before make: send make first`);
    return this.env;
  }

  private dispatch(req: Req): Record<string, unknown> {
    const op = req['op'];
    switch (op) {
      case 'hello': {
        fields('hello', req, ['protocol']);
        const p = req['protocol'];
        if (p !== undefined && p !== PROTOCOL_VERSION) throw new ProtocolError(`hello: protocol ${brief(p)} is not spoken here; this server speaks protocol ${PROTOCOL_VERSION}`);
        return {
          protocol: PROTOCOL_VERSION,
          server: SERVER,
          env_ids: listEnvs(),
          scenarios: listScenarios(),
          modes: [...MODES],
          encodings: [...ENCODINGS],
          max_line_bytes: MAX_LINE_BYTES,
          max_envs: MAX_ENVS,
        };
      }
      case 'make': {
        let made: Made;
        try {
          made = makeEnv(req);
        } catch (e) {
          if (e instanceof ProtocolError) throw e;
          throw new ProtocolError(`make: ${firstLine(e)}`);
        }
        this.env?.close();
        this.env = made;
        return { spaces: made.spaces() };
      }
      case 'spaces':
        fields('spaces', req, []);
        return { spaces: this.need('spaces').spaces() };
      case 'reset': {
        fields('reset', req, ['seed', 'options']);
        const env = this.need('reset');
        const options = req['options'];
        if (options !== undefined && options !== null && !isPlainObject(options)) throw new ProtocolError(`reset: 'options' must be an object or null, got ${brief(options)}`);
        if (isPlainObject(options) && Object.keys(options).length > 0) throw new ProtocolError(`reset: this env takes no options, got ${Object.keys(options).map((k) => `'${k}'`).join(', ')}`);
        return env.reset(seedOf('reset', req['seed']), undefined);
      }
      case 'step':
        fields('step', req, ['actions']);
        return this.need('step').step(req['actions']);
      case 'render':
        fields('render', req, []);
        return this.need('render').render();
      case 'close':
        fields('close', req, []);
        this.close();
        return {};
      default:
        throw new ProtocolError(`unknown op ${brief(op)}; ops: hello, make, spaces, reset, step, render, close`);
    }
  }
}
