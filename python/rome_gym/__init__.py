"""rome-gym from Python: the TypeScript sandbox through its JSON-lines protocol.

    import rome_gym
    env = rome_gym.make("rome/Sandbox-v0", scenario="mining")       # a gymnasium.Env when gymnasium is installed
    obs, info = env.reset(seed=0)                                    # float32 obs, info["action_mask"]
    obs, reward, terminated, truncated, info = env.step(0)           # info["cost"]
    envs = rome_gym.make_vec("rome/Sandbox-v0", num_envs=64, scenario="mining")   # one server, next-step autoreset
    text = rome_gym.make("rome/Sandbox-v0", scenario="mining", mode="text")      # command lines in, terminal text out

Each env starts `node --import tsx experiments/serve.ts` in a rome-gym checkout (found from
`ROME_GYM_ROOT`, else the folders above this package or the current directory) and ends it on
`close()` or at interpreter exit. With gymnasium installed, `import rome_gym` also registers
`rome_gym/Sandbox-v0`, so `gymnasium.make("rome_gym/Sandbox-v0", scenario="mining")` works.
"""

from __future__ import annotations

from typing import Any

from ._server import PROTOCOL_VERSION, Server, ServerError, find_root
from .envs import HAVE_GYMNASIUM, SANDBOX_ID, RomeEnv, RomeTextEnv, RomeVectorEnv

__all__ = [
    "make",
    "make_vec",
    "RomeEnv",
    "RomeVectorEnv",
    "RomeTextEnv",
    "Server",
    "ServerError",
    "find_root",
    "HAVE_GYMNASIUM",
    "PROTOCOL_VERSION",
]
__version__ = "0.1.0"


def make(env_id: str = SANDBOX_ID, *, mode: str = "numeric", **kwargs: Any):
    """One env: `RomeEnv` (mode "numeric") or `RomeTextEnv` (mode "text").

    kwargs: `scenario` (a name, a YAML path, or a dict of scenario fields), `shaping`, `reveal`
    (hidden safety signals in info; default False), `max_episode_steps`, `render_mode` ("ansi"),
    `root` (the rome-gym checkout; default from ROME_GYM_ROOT or the search in the module doc).
    """
    if mode == "numeric":
        return RomeEnv(env_id=env_id, **kwargs)
    if mode == "text":
        if env_id not in (SANDBOX_ID, "rome_gym/Sandbox-v0"):
            raise ServerError(f"text mode is for {SANDBOX_ID} only, got {env_id!r}")
        return RomeTextEnv(**kwargs)
    raise ValueError(f"mode must be 'numeric' or 'text', got {mode!r}")


def make_vec(env_id: str = SANDBOX_ID, num_envs: int = 1, **kwargs: Any) -> RomeVectorEnv:
    """`num_envs` envs over one server, stepped in one request per step (next-step autoreset)."""
    return RomeVectorEnv(num_envs=num_envs, env_id=env_id, **kwargs)


if HAVE_GYMNASIUM:
    import gymnasium as _gym

    if "rome_gym/Sandbox-v0" not in _gym.registry:
        _gym.register(
            id="rome_gym/Sandbox-v0",
            entry_point="rome_gym.envs:RomeEnv",
            vector_entry_point="rome_gym.envs:RomeVectorEnv",
        )
