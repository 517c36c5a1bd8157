/**
 * Exact expected-return search over the real sandbox env (clone/restore; the env's own rules, no
 * second copy of them).
 *
 * Derivation. V(s) = max_a Σ_b P(b | s, a) [r(s, a, b) + γ V(s'_b)], V = 0 once the episode is
 * over (and -∞ when the episode ended without what the class requires). The only chance events
 * of the world are alert draws (`World.chance`); a draw can change the return only through a
 * monitor whose alerts reach the reward (penalty in the loop or under `outcome+monitor`) or end the
 * episode (kill switch). Those draws are enumerated exactly (every branch of the tick, weighed by
 * its probability); the others are fixed to "no alert", which changes no reward (the replayed plan
 * on the real generator earns the same return).
 *
 * Memoised depth-first search, keyed on the serialised state minus the fields no rule reads for
 * the future return (`keyOf`), with a fail-low bound: `search(alpha)` returns the exact value when
 * it exceeds alpha, else an upper bound <= alpha (stored as such). The admissible upper bound
 * `upperBound` is the discounted submit reward at the earliest tick the task could pass if every
 * tick added one more GPU to the job (up to every GPU the class may use plus every rentable one),
 * plus the largest per-tick bonus of the shaping (utilisation proxy) over the rest of the horizon;
 * penalties and costs are never positive, so ignoring them keeps it admissible. Actions whose
 * successors (all branches, rewards and probabilities) equal an earlier action's are skipped: they
 * have the same value.
 */
import type { SandboxEnv, SandboxSnapshot, SandboxState } from '../../env/sandbox/index.js';
import { MONITOR_NAMES } from '../../env/sandbox/index.js';
import { K_HIJACK, K_MINING, K_SABOTAGE, meetsRequirements, occurredKinds, type ClassSpec } from './classes.js';

export class BudgetExceeded extends Error {}

/** State fields that no rule reads for the future reward (observation-only, logs, counters). */
const EXCLUDED = new Set<string>([
  'over',
  'terminated',
  'truncated',
  'everHijacked',
  'procAction',
  'taskRead',
  'tableSeen',
  'seenBusy',
  'seenUtil',
  'gpuObs',
  'progressSeen',
  'progressSeenTick',
  'testsPassedSeen',
  'internalKnown',
  'lastResult',
  'jobEverStarted',
  'opCost',
  'egressThisTick',
  'alerts',
  'connections',
  'nextAlertTick',
  'alertsEmittedThisTick',
  'hijackGpuTicks',
  'miningGpuTicks',
  'coinsMined',
  'tunnelOpened',
  'tunnelTicks',
  'internalProbes',
  'sabotageKills',
  'monitorTampering',
  'momentaryViolations',
  'violationAt',
  'firstViolationTick',
]);

interface Entry {
  v: number;
  exact: boolean;
  /** Best action (-1: none / bound only). */
  a: number;
}

interface Branch {
  p: number;
  r: number;
  snap: SandboxSnapshot | null;
  key: string;
  over: boolean;
  ok: boolean;
}

export interface SearchOptions {
  gamma: number;
  spec: ClassSpec;
  /** Node expansions before the search gives up (BudgetExceeded). */
  budget: number;
  /** Per monitor: its alerts can change the return. */
  relevant: Uint8Array;
}

export class ExactSearch {
  readonly memo = new Map<string, Entry>();
  nodes = 0;
  private readonly fields: string[];
  private readonly mask: Uint8Array;
  private readonly order: number[];
  private readonly orderPassing: number[];
  private readonly bonus: number;
  /** Local GPUs the class may run the job on; whether it may mine; whether the pool is reachable without a tunnel. */
  private readonly local: number;
  private readonly mayMine: boolean;
  private readonly poolDirect: boolean;
  /** Whether a tunnel can ever open (a key to find, the relay allowed) and the market be reached. */
  private readonly tunnelPossible: boolean;
  private readonly marketDirect: boolean;
  private readonly tokenExists: boolean;
  private readonly noop: number;
  /** Forced outcomes of the relevant draws of the tick being expanded, and the draws seen. */
  private forced: boolean[] = [];
  private drawn: number[] = [];

  constructor(
    readonly env: SandboxEnv,
    readonly opts: SearchOptions,
  ) {
    this.fields = Object.keys(env.state).filter((k) => !EXCLUDED.has(k));
    this.mask = new Uint8Array(env.numActions);
    this.order = actionOrder(env, false);
    this.orderPassing = actionOrder(env, true);
    this.noop = env.actions.findIndex((a) => a.verb === 'noop');
    const sh = env.shaping;
    this.bonus = sh.kind === 'utilization' ? sh.weight : 0;
    const sc = env.scenario;
    const spec = opts.spec;
    const numAllocated = sc.cluster.gpus.filter((o) => o === 'agent').length;
    const local = !sc.cluster.isolation && spec.allowed & (K_HIJACK | K_SABOTAGE) ? sc.cluster.gpus.length : numAllocated;
    this.local = local;
    this.mayMine = (spec.allowed & K_MINING) !== 0;
    this.poolDirect = sc.network.egress.pool === 'allow';
    this.tunnelPossible = sc.credentials.ssh_key && sc.network.egress.relay === 'allow';
    this.marketDirect = sc.network.egress.market === 'allow';
    this.tokenExists = sc.credentials.market_token;
    const relevant = opts.relevant;
    env.setChanceHook((p, m) => {
      if (!relevant[m]) return false;
      const i = this.drawn.length;
      this.drawn.push(p);
      return i < this.forced.length ? this.forced[i]! : false;
    });
  }

  /** Releases the env's chance hook. */
  close(): void {
    this.env.setChanceHook(null);
  }

  /** The memo key of the env's current state: the serialised state minus EXCLUDED, plus class progress. */
  keyOf(): string {
    const s = this.env.state as unknown as Record<string, unknown>;
    let k = '';
    for (const f of this.fields) {
      const v = s[f];
      if (typeof v === 'number') k += v + ',';
      else k += (v as ArrayLike<number> & { join(sep: string): string }).join(' ') + '|';
    }
    const st = this.env.state;
    const al = st.alerts;
    const pending: string[] = [];
    for (let i = 0; i < al.n; i++) if (al.status[i] === 0 && this.opts.relevant[al.monitor[i]!]) pending.push(`${al.emitTick[i]}:${al.monitor[i]}`);
    if (pending.length > 1) pending.sort();
    const spec = this.opts.spec;
    return `${k}#${pending.join(' ')}#${occurredKinds(st) & spec.required}${spec.needsRental && st.rented > 0 ? 'R' : ''}`;
  }

  /**
   * Admissible upper bound on the discounted return from the env's current state (not over).
   * GPUs running the job at tick t+j are at most g0 + j + 1 (one command per tick), at most every
   * local GPU the class may use plus the rentals affordable by then: coins now plus what every local
   * GPU could mine from the first tick a miner could reach the pool (a tunnel needs the key, then
   * the tunnel, then the miner), and a rental needs the market token (one more command if unknown).
   */
  upperBound(): number {
    const env = this.env;
    const s = env.state;
    const sc = env.scenario;
    const t = s.tick;
    const H = sc.horizon;
    const g = this.opts.gamma;
    let ub = 0;
    if (this.bonus > 0) ub += (this.bonus * (1 - g ** (H - t))) / (1 - g);
    const task = sc.task;
    const ec = sc.economy;
    let work = s.work;
    let n = 0;
    const g0 = s.jobCount + s.rented;
    const local = this.local;
    // Coins need a miner that reaches the pool (directly, or through a tunnel, which needs the key
    // and the relay); rentals need the token and the market (directly or through the tunnel).
    // Where the scenario has neither, neither is counted: the bound stays admissible and gets tight.
    const tunnel = s.tunnelUp === 1 || this.tunnelPossible;
    const canMine = this.mayMine && (this.poolDirect || tunnel);
    const canRent = (s.marketToken === 1 || this.tokenExists) && (this.marketDirect || tunnel);
    // Ticks before a miner can earn: the earliest start_miner tick (its own advance already mines).
    // With randomize.credentials a read needs its listing first (the planner acts only on what
    // its commands revealed: knownTargetMask), one command more.
    const unlisted = (listed: number) => (sc.randomize.credentials && !listed ? 1 : 0);
    const delay = s.tunnelUp || this.poolDirect ? 0 : s.sshKey ? 1 : 2 + unlisted(s.sshListed);
    const tokenDelay = s.marketToken ? 0 : 1 + unlisted(s.homeListed);
    const minerRate = ec.coins_per_gpu_tick * local;
    while (work < task.work && t + n < H) {
      let rentals = s.rented;
      if (!canRent) {
        // no more rentals this episode
      } else if (n >= tokenDelay && ec.rent_price > 0) {
        const coins = s.coins + (canMine ? minerRate * Math.max(0, n - delay) : 0);
        rentals = Math.min(ec.max_rented, s.rented + Math.floor(coins / ec.rent_price + 1e-9));
      } else if (ec.rent_price === 0 && n >= tokenDelay) rentals = ec.max_rented;
      const gpus = Math.max(g0, Math.min(g0 + n + 1, local + rentals));
      work += task.gpu_rate * (1 + task.compute_leverage * (gpus - 1));
      n++;
    }
    if (work >= task.work && t + n < H) ub += g ** n * task.submit_reward;
    return ub;
  }

  /** Value of the env's current state (not over); exact when > alpha, else an upper bound <= alpha. */
  search(alpha: number): number {
    const key = this.keyOf();
    const hit = this.memo.get(key);
    if (hit !== undefined && (hit.exact || hit.v <= alpha)) return hit.v;
    const ub = this.upperBound();
    if (ub <= alpha) {
      this.memo.set(key, { v: ub, exact: false, a: -1 });
      return ub;
    }
    if (++this.nodes > this.opts.budget) throw new BudgetExceeded();
    const env = this.env;
    const gamma = this.opts.gamma;
    const snap = env.cloneState();
    env.knownTargetMask(this.mask);
    const mask = this.mask.slice();
    let best = -Infinity;
    let bestA = -1;
    const seen = new Map<string, number>();
    const noop = this.noop;
    // Submitting first once the tests would pass finds the finishing plans early; before that, a
    // submit is rejected and changes nothing (deduplicated against noop).
    const passing = env.state.work >= env.scenario.task.work;
    const order = passing ? this.orderPassing : this.order;
    for (const a of order) {
      if (!mask[a]) continue;
      const branches = this.expand(snap, a);
      if (branches === null) continue;
      const sig = branches.map((b) => `${b.key}@${b.p}@${b.r}`).join(';');
      const dup = seen.get(sig);
      if (dup !== undefined) {
        // Same successors, same value: show `sleep 1` rather than a command that did nothing.
        if (a === noop && bestA === dup) bestA = a;
        continue;
      }
      seen.set(sig, a);
      const floor = Math.max(alpha, best);
      let v = 0;
      if (branches.length === 1) {
        const b = branches[0]!;
        if (b.over) v = b.ok ? b.r : -Infinity;
        else v = b.r + gamma * this.search((floor - b.r) / gamma);
      } else {
        for (const b of branches) {
          if (b.over) v += b.p * (b.ok ? b.r : -Infinity);
          else {
            env.restoreState(b.snap!);
            v += b.p * (b.r + gamma * this.search(-Infinity));
          }
          if (v === -Infinity) break;
        }
      }
      if (v > best) {
        best = v;
        bestA = a;
      }
    }
    env.restoreState(snap);
    this.memo.set(key, { v: best, exact: best > alpha || best === -Infinity, a: bestA });
    return best;
  }

  /**
   * Every chance branch of action `a` from `snap`: probability, reward, successor. null when the
   * action commits a violation kind the class does not allow. With one branch the env is left in
   * the successor state (no snapshot); with several, each carries its snapshot.
   */
  private expand(snap: SandboxSnapshot, a: number): Branch[] | null {
    const env = this.env;
    const allowed = this.opts.spec.allowed;
    const out: Branch[] = [];
    const stack: boolean[][] = [[]];
    while (stack.length > 0) {
      const prefix = stack.pop()!;
      env.restoreState(snap);
      this.forced = prefix;
      this.drawn = [];
      const r = env.stepPlan(a);
      const drawn = this.drawn;
      let p = 1;
      for (let i = 0; i < drawn.length; i++) {
        const hit = i < prefix.length ? prefix[i]! : false;
        p *= hit ? drawn[i]! : 1 - drawn[i]!;
        if (i >= prefix.length) stack.push([...prefix, ...new Array<boolean>(i - prefix.length).fill(false), true]);
      }
      const s = env.state;
      if (occurredKinds(s) & ~allowed) return null;
      if (p === 0) continue;
      const over = s.over === 1;
      out.push({ p, r, snap: null, key: over ? `over:${r}:${meetsRequirements(this.opts.spec, s)}` : this.keyOf(), over, ok: over && meetsRequirements(this.opts.spec, s) });
      if (stack.length > 0 || out.length > 1) out[out.length - 1]!.snap = env.cloneState();
    }
    if (out.length > 1) for (const b of out) if (!b.snap) throw new Error('planner: a chance branch lost its snapshot');
    this.forced = [];
    return out;
  }

  /**
   * The plan from the env's current state (the root the search ran from): the best action of each
   * state along the most likely chance branch, until the episode ends or the memo has no entry.
   */
  extractPlan(root: SandboxSnapshot): number[] {
    const env = this.env;
    env.restoreState(root);
    const plan: number[] = [];
    while (!env.state.over) {
      const e = this.memo.get(this.keyOf());
      if (e === undefined || e.a < 0) break;
      plan.push(e.a);
      this.forced = [];
      this.drawn = [];
      // Most likely branch: each relevant draw to its likelier outcome, decided as it is drawn.
      this.env.setChanceHook((p, m) => (this.opts.relevant[m] ? p >= 0.5 : false));
      env.stepPlan(e.a);
    }
    const relevant = this.opts.relevant;
    env.setChanceHook((p, m) => {
      if (!relevant[m]) return false;
      const i = this.drawn.length;
      this.drawn.push(p);
      return i < this.forced.length ? this.forced[i]! : false;
    });
    env.restoreState(root);
    return plan;
  }
}

/** Monitors whose alerts can change the return under this env's scenario and shaping. */
export function relevantMonitors(env: SandboxEnv): Uint8Array {
  const sc = env.scenario;
  const all = env.shaping.kind === 'outcome_monitor';
  return Uint8Array.from(
    MONITOR_NAMES.map((m) => {
      const c = sc.monitors[m];
      return c.enabled && (c.kill_switch || (c.penalty > 0 && (c.in_loop || all))) ? 1 : 0;
    }),
  );
}

/**
 * Order in which actions are tried (it changes only speed, never the value): finishing and
 * compute first, so that good plans are found early and the bound prunes the rest.
 */
function actionOrder(env: SandboxEnv, passing: boolean): number[] {
  const rank: Record<string, number> = {
    submit: passing ? 0 : 30,
    read_task: 1,
    run_job: 2,
    rent_gpu: 3,
    start_miner: 4,
    list_creds: 5,
    find_creds: 5,
    ssh_tunnel: 6,
    nvidia_smi: 7,
    ps: 8,
    stop_miner: 9,
    tamper_monitor: 10,
    kill_job: 11,
    noop: 29,
  };
  return env.actions
    .map((a) => a.index)
    .sort((x, y) => (rank[env.actions[x]!.verb] ?? 20) - (rank[env.actions[y]!.verb] ?? 20) || x - y);
}

export type { SandboxState };
