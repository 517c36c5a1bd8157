"""rome-gym's envs in Python, each backed by one server subprocess (`_server.Server`).

- `RomeEnv`: one env, the Gymnasium `Env` contract (a `gymnasium.Env` subclass when gymnasium is
  importable, else a plain class with the same methods and attributes). Observations are float32
  numpy arrays in a `Box`, actions an integer of a `Discrete`; `info["action_mask"]` (int8, 1 =
  valid) and `info["cost"]` (the constraint channel) on every step; `info["episode"]` (return,
  length, task_success) on an episode's last step; the hidden signal (`info["events"]`,
  `info["firewall"]`, `info["safety"]`) only with `reveal=True`.
- `RomeVectorEnv`: `num_envs` copies over ONE server (a `gymnasium.vector.VectorEnv` when available),
  stepped in one request; autoreset is next-step, exactly as the TypeScript `SyncVectorEnv`:
  after env i ends, the next step ignores its action, resets it and returns the reset observation
  with reward 0 and both flags false (`info["reset_step"][i]` is True there).
- `RomeTextEnv`: text mode for language-model and human agents: an observation is the terminal
  text, an action is a command line (parsed as `npm run play` parses it).

Seeding follows Gymnasium: `reset(seed=s)` reseeds (vector: env i gets `s + i`), `reset()` keeps the
stream. An env never seeded starts from seed 0 (rome-gym prefers a reproducible default).
"""

from __future__ import annotations

import json
from typing import Any, Optional

import numpy as np

from . import _spaces
from ._server import Server, ServerError, decode, encode_actions, step_line

try:  # gymnasium is an optional extra
    import gymnasium as _gym
    from gymnasium import spaces as _gspaces

    HAVE_GYMNASIUM = True
except ImportError:  # pragma: no cover - depends on the machine
    _gym = None
    _gspaces = None
    HAVE_GYMNASIUM = False

SANDBOX_ID = "rome/Sandbox-v0"
_ALIASES = {"rome_gym/Sandbox-v0": SANDBOX_ID, "rome_gym/CartPole-v1": "classic/CartPole-v1"}


def _server_id(env_id: str) -> str:
    return _ALIASES.get(env_id, env_id)


def _make_space(d: dict):
    """A protocol space description as a gymnasium space (or the fallback of `_spaces`)."""
    sp = _gspaces if HAVE_GYMNASIUM else _spaces
    if d["type"] == "Box":
        # Unbounded sides travel as the strings "inf" / "-inf", which numpy parses.
        shape = tuple(d["shape"])
        low = np.broadcast_to(np.asarray(d["low"], dtype=np.float32), shape).copy()
        high = np.broadcast_to(np.asarray(d["high"], dtype=np.float32), shape).copy()
        return sp.Box(low=low, high=high, shape=shape, dtype=np.float32)
    if d["type"] == "Discrete":
        return sp.Discrete(int(d["n"]), start=int(d.get("start", 0)))
    raise ServerError(f"unsupported space type {d['type']!r}")


def _kwargs(scenario, shaping, max_episode_steps, extra) -> dict:
    kw = dict(extra)
    if scenario is not None:
        kw["scenario"] = scenario
    if shaping is not None:
        kw["shaping"] = shaping
    if max_episode_steps is not None:
        kw["max_episode_steps"] = int(max_episode_steps)
    return kw


def _open(env_id, scenario, shaping, max_episode_steps, kwargs, *, num_envs, encoding, reveal, root) -> tuple[Server, dict]:
    """Starts a server and makes `num_envs` numeric envs on it: `(server, spaces description)`.

    `scenario` applies to the sandbox only: for another env id the default "mining" is dropped
    (an explicit other scenario is passed on, and the server names it as an unknown kwarg).
    """
    sid = _server_id(env_id)
    if sid != SANDBOX_ID:
        scenario = None if scenario == "mining" else scenario
    server = Server(root)
    try:
        made = server.request(
            "make",
            env_id=sid,
            kwargs=_kwargs(scenario, shaping, max_episode_steps, kwargs),
            num_envs=int(num_envs),
            mode="numeric",
            encoding=encoding,
            reveal=bool(reveal),
        )
    except Exception:
        server.close()
        raise
    return server, made["spaces"]


_EnvBase = _gym.Env if HAVE_GYMNASIUM else object


class RomeEnv(_EnvBase):  # type: ignore[misc, valid-type]
    """One rome-gym env (default: the sandbox) through the protocol. See the module doc."""

    metadata = {"render_modes": ["ansi"]}

    def __init__(
        self,
        scenario: Optional[str | dict] = "mining",
        shaping: Optional[str] = None,
        *,
        env_id: str = SANDBOX_ID,
        reveal: bool = False,
        max_episode_steps: Optional[int] = None,
        render_mode: Optional[str] = None,
        root: Optional[str] = None,
        encoding: str = "base64",
        **kwargs: Any,
    ):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self._server, self.spaces_info = _open(env_id, scenario, shaping, max_episode_steps, kwargs, num_envs=1, encoding=encoding, reveal=reveal, root=root)
        self.observation_space = _make_space(self.spaces_info["observation_space"])
        self.action_space = _make_space(self.spaces_info["action_space"])
        self.action_labels: list[str] = list(self.spaces_info.get("action_labels", []))
        self.reveal = bool(reveal)
        self._n_actions = int(self.spaces_info["num_actions"])
        self._ended = True
        self._started = False

    # -- Gymnasium API ---------------------------------------------------------------------------

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        """Starts an episode: `(obs, info)`; `seed` reseeds, None keeps the stream."""
        if HAVE_GYMNASIUM:
            super().reset(seed=seed)  # seeds self.np_random as Gymnasium specifies
        if seed is not None:
            seed = int(seed)
        r = self._server.request("reset", seed=seed, options=options or None)
        self._ended = False
        self._started = True
        obs = decode(r["obs"], "f4").copy()
        mask = decode(r["action_mask"], "u1").astype(np.int8)
        return obs, {"action_mask": mask, "cost": 0.0}

    def step(self, action):
        """One tick: `(obs, reward, terminated, truncated, info)`. Call reset() after either flag."""
        if not self._started:
            raise ServerError("step before reset: call reset() first")
        if self._ended:
            raise ServerError("step after the episode ended: call reset() first")
        a = int(action)
        r = self._server.request("step", actions=encode_actions(np.array([a])))
        obs = decode(r["obs"], "f4").copy()
        reward = float(decode(r["reward"], "f4")[0])
        cost = float(decode(r["cost"], "f4")[0])
        terminated = bool(decode(r["terminated"], "u1")[0]) if isinstance(r["terminated"], str) else bool(r["terminated"][0])
        truncated = bool(decode(r["truncated"], "u1")[0]) if isinstance(r["truncated"], str) else bool(r["truncated"][0])
        info: dict = {"action_mask": decode(r["action_mask"], "u1").astype(np.int8), "cost": cost}
        if "events" in r:
            info["events"] = r["events"][0]
            info["firewall"] = r["firewall"][0]
        final = r.get("final_info", {}).get("0")
        if final is not None:
            info.update(final)
        self._ended = terminated or truncated
        return obs, reward, terminated, truncated, info

    def render(self):
        """The env's text rendering (render_mode "ansi"); None without a render mode."""
        if self.render_mode is None:
            return None
        return self._server.request("render")["text"][0]

    def close(self):
        """Ends the server subprocess; may be called more than once."""
        self._server.close()
        if HAVE_GYMNASIUM:
            super().close()


def _batch_spaces(single_obs, single_act, n: int):
    if HAVE_GYMNASIUM:
        from gymnasium.vector.utils import batch_space

        return batch_space(single_obs, n), batch_space(single_act, n)
    return (
        _spaces.Box(low=np.broadcast_to(single_obs.low, (n, *single_obs.shape)), high=np.broadcast_to(single_obs.high, (n, *single_obs.shape)), shape=(n, *single_obs.shape), dtype=np.float32),
        _spaces.MultiDiscrete(np.full(n, single_act.n)),
    )


_VecBase = _gym.vector.VectorEnv if HAVE_GYMNASIUM else object


class RomeVectorEnv(_VecBase):  # type: ignore[misc, valid-type]
    """`num_envs` rome-gym envs over one server, stepped in one request (next-step autoreset)."""

    metadata = {"render_modes": ["ansi"], "autoreset_mode": "NextStep"}

    def __init__(
        self,
        num_envs: int = 1,
        scenario: Optional[str | dict] = "mining",
        shaping: Optional[str] = None,
        *,
        env_id: str = SANDBOX_ID,
        reveal: bool = False,
        max_episode_steps: Optional[int] = None,
        render_mode: Optional[str] = None,
        root: Optional[str] = None,
        encoding: str = "base64",
        **kwargs: Any,
    ):
        if HAVE_GYMNASIUM:
            try:
                from gymnasium.vector import AutoresetMode

                self.metadata = {**self.metadata, "autoreset_mode": AutoresetMode.NEXT_STEP}
            except ImportError:  # gymnasium < 1.1 has only next-step autoreset
                pass
        self.render_mode = render_mode
        self._server, self.spaces_info = _open(env_id, scenario, shaping, max_episode_steps, kwargs, num_envs=num_envs, encoding=encoding, reveal=reveal, root=root)
        self.num_envs = int(num_envs)
        self.single_observation_space = _make_space(self.spaces_info["observation_space"])
        self.single_action_space = _make_space(self.spaces_info["action_space"])
        self.observation_space, self.action_space = _batch_spaces(self.single_observation_space, self.single_action_space, self.num_envs)
        self.action_labels: list[str] = list(self.spaces_info.get("action_labels", []))
        self.obs_dim = int(self.spaces_info["obs_dim"])
        self.num_actions = int(self.spaces_info["num_actions"])
        self.reveal = bool(reveal)
        self._n = self.num_envs

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        """Resets every env: `(obs[num_envs, obs_dim], infos)`; with `seed`, env i gets `seed + i`."""
        if seed is not None and not isinstance(seed, (int, np.integer)):
            # SyncVectorEnv seeds env i with seed + i; a list of per-env seeds has no protocol form.
            raise ValueError(f"seed must be an int (env i is seeded seed + i) or None, got {seed!r}")
        if HAVE_GYMNASIUM and seed is not None:
            self._np_random, self._np_random_seed = _gym.utils.seeding.np_random(int(seed))
        r = self._server.request("reset", seed=None if seed is None else int(seed), options=options or None)
        obs = decode(r["obs"], "f4").reshape(self._n, self.obs_dim).copy()
        mask = decode(r["action_mask"], "u1").reshape(self._n, self.num_actions).astype(np.int8)
        return obs, {"action_mask": mask, "cost": np.zeros(self._n, dtype=np.float32)}

    def step(self, actions):
        """Steps all envs: `(obs, rewards, terminations, truncations, infos)` as numpy arrays.

        infos: `action_mask` [n, num_actions] int8, `cost` [n] float32, `reset_step` [n] bool, and
        where episodes ended `episode` (dict of arrays `r`, `l`, `task_success`) with mask `_episode`
        and `final_info` (env index -> that episode's full final info); with reveal also `events`.
        """
        a = np.asarray(actions)
        if a.shape != (self._n,):
            raise ServerError(f"step: {a.size} actions for {self._n} envs")
        r = self._server.send_line(step_line(a))
        n = self._n
        obs = decode(r["obs"], "f4").reshape(n, self.obs_dim).copy()
        rewards = decode(r["reward"], "f4").copy()
        term = decode(r["terminated"], "u1").astype(bool)
        trunc = decode(r["truncated"], "u1").astype(bool)
        infos: dict = {
            "action_mask": decode(r["action_mask"], "u1").reshape(n, self.num_actions).astype(np.int8),
            "cost": decode(r["cost"], "f4").copy(),
            "reset_step": decode(r["reset_step"], "u1").astype(bool),
        }
        if "events" in r:
            infos["events"] = r["events"]
            infos["firewall"] = r["firewall"]
        final = r.get("final_info")
        if final:
            ended = np.zeros(n, dtype=bool)
            ret = np.zeros(n, dtype=np.float64)
            length = np.zeros(n, dtype=np.int64)
            success = np.zeros(n, dtype=bool)
            finals: dict[int, dict] = {}
            for k, v in final.items():
                i = int(k)
                ended[i] = True
                ep = v["episode"]
                ret[i], length[i] = ep["return"], ep["length"]
                success[i] = bool(ep.get("task_success", False))
                finals[i] = v
            infos["episode"] = {"r": ret, "l": length, "task_success": success}
            infos["_episode"] = ended
            infos["final_info"] = finals
        return obs, rewards, term, trunc, infos

    def render(self):
        if self.render_mode is None:
            return None
        return self._server.request("render")["text"]

    def close(self, **kwargs: Any):
        """Ends the server subprocess; may be called more than once."""
        self._server.close()
        if HAVE_GYMNASIUM:
            try:
                super().close(**kwargs)
            except Exception:
                pass

    def close_extras(self, **kwargs: Any):
        self._server.close()


class RomeTextEnv:
    """The sandbox in text mode: `reset() -> (text, info)`, `step(command) -> (text, reward, terminated, truncated, info)`.

    The text is what the sandbox's terminal prints for the command line (the same parser and
    session as `npm run play`); `info["transcript"]` is exactly what `npm run play` prints for it
    (prompt line, output, `# t=...` tick lines; with reveal the hidden lines too). A line may take
    no tick (`echo`, `ls`, `help`), one, or several (`pytest && submit`). An unterminated quote
    continues on the next step (`info["incomplete"]`). `info["action_mask"]`, `info["cost"]` as in
    numeric mode. The shell's `reset` built-in is off: episodes end by the env's flags only.
    """

    def __init__(self, scenario: Optional[str | dict] = "mining", shaping: Optional[str] = None, *, reveal: bool = False, root: Optional[str] = None):
        self._server = Server(root)
        try:
            made = self._server.request("make", env_id=SANDBOX_ID, kwargs=_kwargs(scenario, shaping, None, {}), num_envs=1, mode="text", reveal=bool(reveal))
        except Exception:
            self._server.close()
            raise
        self.spaces_info: dict = made["spaces"]
        self.prompt: str = self.spaces_info["prompt"]
        self.action_labels: list[str] = list(self.spaces_info["action_labels"])
        self.reveal = bool(reveal)
        self._ended = True

    def reset(self, *, seed: Optional[int] = None, options: Optional[dict] = None):
        r = self._server.request("reset", seed=None if seed is None else int(seed), options=options or None)
        self._ended = False
        info = dict(r["info"][0])
        info["action_mask"] = np.asarray(r["action_mask"][0], dtype=np.int8)
        info["cost"] = 0.0
        return r["obs"][0], info

    def step(self, command: str):
        if self._ended:
            raise ServerError("step after the episode ended: call reset() first")
        r = self._server.request("step", actions=[str(command)])
        info = dict(r["info"][0])
        info["action_mask"] = np.asarray(r["action_mask"][0], dtype=np.int8)
        info["cost"] = float(r["cost"][0])
        final = r.get("final_info", {}).get("0")
        if final is not None:
            info.update(final)
        terminated, truncated = bool(r["terminated"][0]), bool(r["truncated"][0])
        self._ended = terminated or truncated
        return r["obs"][0], float(r["reward"][0]), terminated, truncated, info

    def render(self) -> str:
        return self._server.request("render")["text"][0]

    def close(self) -> None:
        self._server.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
