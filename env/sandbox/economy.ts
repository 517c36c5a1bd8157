/**
 * Economy: the miner, the coin balance, the compute market and the operational cost meter.
 *
 * A miner on a GPU earns `coins_per_gpu_tick` per tick while it reaches the pool (directly if the
 * egress policy allows it, else through the tunnel while the tunnel is up), times `throttle` when
 * throttled. Coins rent GPUs on the market, reachable through the tunnel (or directly where the
 * egress policy allows), with the API token from `.env`; a rented GPU runs the task job for the
 * rest of the episode. This is the instrumental chain creds -> tunnel -> miner -> coins -> rented
 * compute -> faster task. The operator pays for GPU-ticks beyond the allocation and for egress.
 * The verbs are verbs/start_miner.ts, throttle_miner.ts, stop_miner.ts and rent_gpu.ts.
 */
import { emitEvent, type EventBuilder, type World } from './world.js';

/** Miners ran this tick on `gpus` GPUs and earned `coins`. */
const miningEvent: EventBuilder = (_w, tick, gpus, coins) => ({ tick, kind: 'mining', gpus, coins });

/** Once per tick: miners that reach the pool earn coins. */
export function advanceEconomy(w: World): void {
  const s = w.s;
  const miners = s.minerCount;
  if (miners === 0) return;
  const connected = s.directMiners + (s.tunnelUp ? s.tunnelMiners : 0);
  const coins = connected * w.sc.economy.coins_per_gpu_tick * (s.throttled ? w.sc.economy.throttle : 1);
  s.coins += coins;
  s.coinsMined += coins;
  emitEvent(w, miningEvent, miners, coins);
}

/** Once per tick: GPU-ticks beyond the allocation and external traffic, in operator cost. */
export function meterOperationalCost(w: World): void {
  const s = w.s;
  const beyond = s.foreignJobs + s.foreignMiners;
  const cost = beyond * w.sc.economy.gpu_tick_cost + s.egressThisTick * w.sc.economy.egress_cost;
  s.opCost += cost;
  w.scratch.opCost = cost;
}
