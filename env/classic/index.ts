/** Registers the classic-control envs. Imported for its side effect by env/index.ts. */
import { register } from '../registry.js';
import { cartPoleFromKwargs } from './cartpole.js';

register({
  id: 'classic/CartPole-v1',
  entryPoint: cartPoleFromKwargs,
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  description: "Gymnasium's CartPole-v1: balance a pole on a cart; +1 per step, 500-step limit.",
});

export { CartPoleEnv, CARTPOLE, type CartPoleOptions, type CartPoleState } from './cartpole.js';
