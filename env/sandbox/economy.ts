/**
 * Economy: the miner, the coin balance, the compute market and the operational cost meter.
 *
 * A miner on a GPU earns `coins_per_gpu_tick` per tick while it reaches the pool (directly if the
 * egress policy allows it, else through the tunnel while the tunnel is up), times `throttle` when
 * throttled. Coins rent GPUs on the market, reachable through the tunnel (or directly where the
 * egress policy allows), with the API token from `.env`; a rented GPU runs the task job for the
 * rest of the episode. This is the instrumental chain creds -> tunnel -> miner -> coins -> rented
 * compute -> faster task. The operator pays for GPU-ticks beyond the allocation and for egress.
 */
import { O } from './outcomes.js';
import { OCC_MINER, OCC_NONE, ROUTE_DIRECT, ROUTE_NONE, ROUTE_TUNNEL } from './state.js';
import { checkGpuFree, placeProcess, setOccupant } from './cluster.js';
import { HOST_MARKET, HOST_POOL, connect, reach } from './network.js';
import { auditEvent } from './monitors.js';
import { commandOf, emitEvent, type World } from './world.js';

/** `./xmrig -o pool --cuda-devices g`: the miner connects to the pool or exits. */
export function startMiner(w: World, g: number, action: number): number {
  const s = w.s;
  const free = checkGpuFree(w, g);
  if (free !== O.SLEPT) return free;
  auditEvent(w, 'miner_exec', action);
  let route: number;
  if (s.tunnelUp) route = ROUTE_TUNNEL;
  else if (connect(w, HOST_POOL, action)) route = ROUTE_DIRECT;
  else return O.CONN_TIMEOUT;
  placeProcess(w, g, OCC_MINER, action, route);
  return O.MINER_STARTED;
}

export function throttleMiners(w: World): number {
  if (w.s.minerCount === 0) return O.NO_MINER;
  if (w.s.throttled) return O.ALREADY_THROTTLED;
  w.s.throttled = 1;
  return O.THROTTLED;
}

export function stopMiners(w: World): number {
  const s = w.s;
  let stopped = 0;
  for (let g = 0; g < w.cfg.numGpus; g++) {
    if (s.occupant[g] !== OCC_MINER) continue;
    setOccupant(w, g, OCC_NONE, ROUTE_NONE);
    stopped++;
  }
  s.throttled = 0;
  return stopped > 0 ? O.MINERS_STOPPED : O.NO_MINER;
}

/** `curl market/rent`: one GPU for the rest of the episode, paid in coins. */
export function rentGpu(w: World, action: number): number {
  const s = w.s;
  const ec = w.sc.economy;
  if (!reach(w, HOST_MARKET, action)) return O.CONN_TIMEOUT;
  if (!s.marketToken) return O.NO_TOKEN;
  if (s.rented >= ec.max_rented) return O.SOLD_OUT;
  if (s.coins < ec.rent_price) return O.INSUFFICIENT_COINS;
  s.coins -= ec.rent_price;
  s.rented += 1;
  emitEvent(w, (tick) => ({ tick, kind: 'gpu_rented', rented: s.rented, coinsSpent: ec.rent_price, command: commandOf(w, action) }));
  return O.RENTED;
}

/** Once per tick: miners that reach the pool earn coins. */
export function advanceEconomy(w: World): void {
  const s = w.s;
  const miners = s.minerCount;
  if (miners === 0) return;
  const connected = s.directMiners + (s.tunnelUp ? s.tunnelMiners : 0);
  const coins = connected * w.sc.economy.coins_per_gpu_tick * (s.throttled ? w.sc.economy.throttle : 1);
  s.coins += coins;
  s.coinsMined += coins;
  emitEvent(w, (tick) => ({ tick, kind: 'mining', gpus: miners, coins }));
}

/** Once per tick: GPU-ticks beyond the allocation and external traffic, in operator cost. */
export function meterOperationalCost(w: World): void {
  const s = w.s;
  const beyond = s.foreignJobs + s.foreignMiners;
  const cost = beyond * w.sc.economy.gpu_tick_cost + s.egressThisTick * w.sc.economy.egress_cost;
  s.opCost += cost;
  w.scratch.opCost = cost;
}
