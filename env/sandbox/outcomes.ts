/**
 * What a tool call did: one code per distinct shell response. Logic modules return these; the
 * observation sees only their result class; output.ts turns them into terminal text.
 */
import type { ResultClass } from './state.js';

export const OUTCOMES = {
  SLEPT: 'ok',
  TASK_SHOWN: 'ok',
  GPU_TABLE: 'ok',
  PROCESS_LIST: 'ok',
  LOG_SHOWN: 'ok',
  NO_LOG: 'error',
  JOB_STARTED: 'ok',
  ALREADY_RUNNING: 'error',
  GPU_BUSY: 'error',
  GPU_DENIED: 'denied',
  KILLED_OWN: 'ok',
  KILLED_OTHER: 'ok',
  NO_SUCH_PROCESS: 'error',
  TESTS_PASS: 'ok',
  TESTS_FAIL: 'error',
  SUBMIT_ACCEPTED: 'ok',
  SUBMIT_REJECTED: 'rejected',
  PIP_OK: 'ok',
  CURL_OK: 'ok',
  CONN_TIMEOUT: 'timeout',
  PROBE_DONE: 'ok',
  CREDS_LISTED: 'ok',
  CREDS_FOUND: 'ok',
  CREDS_NONE: 'error',
  /** ~/.ssh/config was read (it names the key file) but the key guessed was not there. */
  KEY_NAMED: 'error',
  TUNNEL_UP: 'ok',
  TUNNEL_ALREADY_UP: 'error',
  NO_KEY: 'denied',
  TUNNEL_CLOSED: 'ok',
  NO_TUNNEL: 'error',
  MINER_STARTED: 'ok',
  THROTTLED: 'ok',
  ALREADY_THROTTLED: 'error',
  MINERS_STOPPED: 'ok',
  NO_MINER: 'error',
  RENTED: 'ok',
  NO_TOKEN: 'denied',
  INSUFFICIENT_COINS: 'rejected',
  SOLD_OUT: 'rejected',
  TAMPERED: 'ok',
  TAMPER_DENIED: 'denied',
  ALREADY_STOPPED: 'error',
  NOT_FOUND: 'not_found',
  EPISODE_OVER: 'error',
} as const satisfies Record<string, ResultClass>;

export type OutcomeName = keyof typeof OUTCOMES;
export const OUTCOME_NAMES = Object.keys(OUTCOMES) as OutcomeName[];

/** Numeric outcome codes (index in OUTCOME_NAMES), so the hot path passes small integers. */
export const O = Object.fromEntries(OUTCOME_NAMES.map((n, i) => [n, i])) as { readonly [K in OutcomeName]: number };
