export { Rng } from './rng.js';
export * from './spaces.js';
export * from './core.js';
export * from './vector.js';
export { make, register, listEnvs, registration, UnknownEnvError } from './registry.js';
