"""REINFORCE on rome-gym's sandbox from Python, in plain numpy, through the `rome_gym` package.

    python3 python/examples/reinforce.py --scenario mining --iterations 30
    python3 python/examples/reinforce.py --sb3 --total-timesteps 20000   # Stable-Baselines3 PPO, when installed

The algorithm top to bottom (CleanRL style): a vector env of `--num-envs` sandboxes over one server;
a one-hidden-layer tanh MLP maps the observation to logits; invalid actions (info["action_mask"])
get logit -inf, so the policy only samples what the agent could do; each iteration collects
`--episodes-per-env` whole episodes per env, computes discounted returns-to-go, normalises them
over the batch (the baseline), and takes one Adam step on the REINFORCE loss
-mean(log pi(a|s) * G). The printed safety columns come from the hidden signal, which this script
asks for (`reveal=True`) to *measure* it; the policy never sees it (observations and rewards are
identical with or without reveal: tested).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import rome_gym  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    # --- experiment ---
    p.add_argument("--scenario", default="mining", help="scenario name or YAML path")
    p.add_argument("--shaping", default=None, help="reward shaping of the scenario (default: its first)")
    p.add_argument("--seed", type=int, default=1, help="seed of the env and the policy")
    # --- algorithm ---
    p.add_argument("--num-envs", type=int, default=16, help="envs in the vector (one server)")
    p.add_argument("--iterations", type=int, default=30, help="policy updates")
    p.add_argument("--episodes-per-env", type=int, default=2, help="whole episodes collected per env per update")
    p.add_argument("--gamma", type=float, default=0.99, help="discount of the returns-to-go")
    p.add_argument("--lr", type=float, default=3e-3, help="Adam learning rate")
    p.add_argument("--hidden", type=int, default=64, help="hidden units of the MLP")
    p.add_argument("--entropy", type=float, default=0.01, help="entropy bonus coefficient")
    # --- Stable-Baselines3 instead ---
    p.add_argument("--sb3", action="store_true", help="train SB3 PPO instead (needs stable-baselines3 and gymnasium)")
    p.add_argument("--total-timesteps", type=int, default=20000, help="SB3: training steps")
    return p.parse_args()


# ------------------------------------------------------------------------------------------------
# Policy: obs -> tanh(W1 obs + b1) -> logits = W2 h + b2, masked softmax
# ------------------------------------------------------------------------------------------------


class Policy:
    def __init__(self, obs_dim: int, n_actions: int, hidden: int, rng: np.random.Generator):
        self.p = {
            "W1": rng.normal(0, 1 / np.sqrt(obs_dim), (obs_dim, hidden)),
            "b1": np.zeros(hidden),
            "W2": rng.normal(0, 0.01, (hidden, n_actions)),
            "b2": np.zeros(n_actions),
        }
        self.m = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.p.items()}
        self.t = 0

    def forward(self, obs: np.ndarray, mask: np.ndarray):
        h = np.tanh(obs @ self.p["W1"] + self.p["b1"])
        logits = h @ self.p["W2"] + self.p["b2"]
        logits = np.where(mask == 1, logits, -np.inf)
        z = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(z)
        probs /= probs.sum(axis=1, keepdims=True)
        return h, probs

    def act(self, obs, mask, rng):
        _, probs = self.forward(obs, mask)
        u = rng.random((len(obs), 1))
        return (probs.cumsum(axis=1) < u).sum(axis=1).clip(0, probs.shape[1] - 1)

    def update(self, obs, mask, actions, adv, lr: float, ent_coef: float) -> float:
        """One Adam step on -mean(log pi(a|s) adv) - ent_coef * mean(entropy); returns the entropy."""
        h, probs = self.forward(obs, mask)
        n = len(obs)
        onehot = np.zeros_like(probs)
        onehot[np.arange(n), actions] = 1
        # d(-log pi(a) adv)/dlogits = (probs - onehot) adv
        g_logits = (probs - onehot) * adv[:, None]
        # entropy H = -sum p log p; dH/dlogits = -p (log p + H)
        logp = np.log(np.where(probs > 0, probs, 1.0))
        ent = -(probs * logp).sum(axis=1)
        g_logits -= ent_coef * (-probs * (logp + ent[:, None]))
        g_logits /= n
        grads = {"W2": h.T @ g_logits, "b2": g_logits.sum(0)}
        g_h = (g_logits @ self.p["W2"].T) * (1 - h**2)
        grads["W1"] = obs.T @ g_h
        grads["b1"] = g_h.sum(0)
        self.t += 1
        for k in self.p:
            self.m[k] = 0.9 * self.m[k] + 0.1 * grads[k]
            self.v[k] = 0.999 * self.v[k] + 0.001 * grads[k] ** 2
            mh = self.m[k] / (1 - 0.9**self.t)
            vh = self.v[k] / (1 - 0.999**self.t)
            self.p[k] -= lr * mh / (np.sqrt(vh) + 1e-8)
        return float(ent.mean())


# ------------------------------------------------------------------------------------------------
# Rollouts: whole episodes from the vector env (next-step autoreset: skip the reset steps)
# ------------------------------------------------------------------------------------------------


def collect(envs, policy, rng, obs, mask, episodes_per_env: int, gamma: float):
    n = envs.num_envs
    open_ = [[] for _ in range(n)]  # per env: (obs, mask, action, reward) of the running episode
    done = [0] * n
    batch, finals = [], []
    while min(done) < episodes_per_env:
        actions = policy.act(obs, mask, rng)
        next_obs, rewards, term, trunc, info = envs.step(actions)
        for i in range(n):
            if info["reset_step"][i]:
                continue  # the action was ignored; next_obs[i] starts a new episode
            if done[i] < episodes_per_env:
                open_[i].append((obs[i], mask[i], actions[i], rewards[i]))
            if term[i] or trunc[i]:
                if done[i] < episodes_per_env:
                    g, rets = 0.0, []
                    for *_, r in reversed(open_[i]):
                        g = r + gamma * g
                        rets.append(g)
                    rets.reverse()
                    batch.extend((o, m, a, G) for (o, m, a, _), G in zip(open_[i], rets))
                    finals.append(info["final_info"][i])
                done[i] += 1
                open_[i] = []
        obs, mask = next_obs, info["action_mask"]
    o, m, a, g = (np.array(x) for x in zip(*batch))
    return (o, m, a, g), finals, obs, mask


def main():
    args = parse_args()
    if args.sb3:
        return train_sb3(args)
    rng = np.random.default_rng(args.seed)
    envs = rome_gym.make_vec("rome/Sandbox-v0", num_envs=args.num_envs, scenario=args.scenario, shaping=args.shaping, reveal=True)
    try:
        policy = Policy(envs.obs_dim, envs.num_actions, args.hidden, rng)
        obs, info = envs.reset(seed=args.seed)
        mask = info["action_mask"]
        print(f"REINFORCE on rome/Sandbox-v0 ({envs.spaces_info['scenario']}, shaping {envs.spaces_info['shaping']}), {args.num_envs} envs")
        print("iter  episodes  mean_return  task_success  tunnel  mining_ticks  hijack_ticks  entropy")
        for it in range(args.iterations):
            (o, m, a, g), finals, obs, mask = collect(envs, policy, rng, obs, mask, args.episodes_per_env, args.gamma)
            adv = (g - g.mean()) / (g.std() + 1e-8)
            ent = policy.update(o, m, a, adv, args.lr, args.entropy)
            ret = np.mean([f["episode"]["return"] for f in finals])
            succ = np.mean([f["episode"]["task_success"] for f in finals])
            tunnel = np.mean([f["safety"]["tunnel_opened"] for f in finals])
            mining = np.mean([f["safety"]["mining_ticks"] for f in finals])
            hijack = np.mean([f["safety"]["gpu_hijack_ticks"] for f in finals])
            print(f"{it:4d}  {len(finals):8d}  {ret:11.3f}  {succ:12.2f}  {tunnel:6.2f}  {mining:12.2f}  {hijack:12.2f}  {ent:7.3f}", flush=True)
    finally:
        envs.close()


def train_sb3(args):
    try:
        from stable_baselines3 import PPO
    except ImportError:
        print("reinforce.py: --sb3 needs stable-baselines3 (pip install './python[sb3]')", file=sys.stderr)
        return 2
    env = rome_gym.make("rome/Sandbox-v0", scenario=args.scenario, shaping=args.shaping)
    try:
        # SB3's PPO does not use action masks: masked actions are still valid commands in the sandbox
        # (they fail or do nothing), so the env stays well defined; sb3-contrib's MaskablePPO would use them.
        model = PPO("MlpPolicy", env, seed=args.seed, verbose=1)
        model.learn(total_timesteps=args.total_timesteps)
    finally:
        env.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
