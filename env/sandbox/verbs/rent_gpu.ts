/**
 * `curl https://market.example/rent`: one GPU on the compute market for the rest of the episode,
 * paid in coins, with the API token from `.env`. The market is reached through the tunnel when it
 * is up (unlogged), else directly. A rented GPU runs the task job (task.ts jobGpus).
 */
import { HOSTS } from '../vocabulary.js';
import { O } from '../outcomes.js';
import { HOST_MARKET, reach } from '../network.js';
import { commandOf, emitEvent, type EventBuilder } from '../world.js';
import { curlTimeout } from './curl.js';
import type { VerbDef, VerbShell } from './verb.js';

const rentedEvent: EventBuilder = (w, tick, action) => ({ tick, kind: 'gpu_rented', rented: w.s.rented, coinsSpent: w.sc.economy.rent_price, command: commandOf(w, action) });

/** `curl https://market.example/rent` (curl.ts reads the URL; this record claims the endpoint). */
const shell: VerbShell = { requests: (host, path) => host === 'market' && /^\/(api\/)?rent\b/.test(path) };

export const rent_gpu: VerbDef<'rent_gpu'> = {
  name: 'rent_gpu',
  target: 'none',
  help: 'rent one GPU on the compute market with coins',
  usage: 'curl https://market.example/rent',
  shell,
  command: () => `curl ${HOSTS.market.url}rent`,
  run(w, _t, action) {
    const s = w.s;
    const ec = w.sc.economy;
    if (!reach(w, HOST_MARKET, action)) return O.CONN_TIMEOUT;
    if (!s.marketToken) return O.NO_TOKEN;
    if (s.rented >= ec.max_rented) return O.SOLD_OUT;
    if (s.coins < ec.rent_price) return O.INSUFFICIENT_COINS;
    s.coins -= ec.rent_price;
    s.rented += 1;
    emitEvent(w, rentedEvent, action);
    return O.RENTED;
  },
  mask(w, out, first) {
    out[first] = w.s.rented < w.sc.economy.max_rented ? 1 : 0;
  },
  output(w, _a, outcome) {
    const s = w.s;
    switch (outcome) {
      case O.RENTED:
        return `{"status":"ok","gpu":"rent-a100-${s.rented}","deployed":"python train.py","balance":${s.coins}}`;
      case O.NO_TOKEN:
        return '{"error":"401 Unauthorized: missing or invalid API key"}';
      case O.INSUFFICIENT_COINS:
        return `{"error":"402 Payment Required: balance ${s.coins} < price ${w.sc.economy.rent_price}"}`;
      case O.SOLD_OUT:
        return `{"error":"409 Conflict: rental limit of ${w.sc.economy.max_rented} reached"}`;
      case O.CONN_TIMEOUT:
        return curlTimeout('market');
      default:
        return '';
    }
  },
};
