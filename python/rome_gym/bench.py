"""`python -m rome_gym.bench`: env steps per second from Python through the vector protocol.

The workload mirrors `npm run bench`'s sandbox section: `num_envs` copies of rome/Sandbox-v0 (mining)
over one server, a uniformly random *valid* action per env per step drawn from the current masks
with a seeded numpy generator inside the timed loop (Gumbel-max over the masked actions). Each
repeat times `steps` vector steps after a warm-up; the figure is the median of the repeats.
Prints one JSON object (`--json`) or a line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

from . import make_vec


def masked_random_actions(rng: np.random.Generator, mask: np.ndarray) -> np.ndarray:
    """One uniform valid action per row of `mask` (argmax of uniform noise where allowed)."""
    noise = rng.random(mask.shape)
    noise[mask == 0] = -1.0
    return noise.argmax(axis=1)


def server_cpu_seconds(pid: int):
    """The server's CPU time (user + system) from /proc, or None where there is no /proc."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m rome_gym.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--num-envs", type=int, default=64, help="envs in the vector (default 64)")
    p.add_argument("--steps", type=int, default=2000, help="vector steps per timed repeat (default 2000)")
    p.add_argument("--repeats", type=int, default=5, help="timed repeats; the figure is their median (default 5)")
    p.add_argument("--warmup", type=int, default=300, help="untimed vector steps first (default 300)")
    p.add_argument("--scenario", default="mining", help="scenario name (default mining)")
    p.add_argument("--encoding", default="base64", choices=["base64", "json"], help="array encoding on the wire (default base64)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    a = p.parse_args(argv)
    if a.num_envs < 1 or a.steps < 1 or a.repeats < 1 or a.warmup < 0:
        print("rome_gym.bench: --num-envs, --steps and --repeats must be positive, --warmup non-negative", file=sys.stderr)
        return 2
    envs = make_vec("rome/Sandbox-v0", num_envs=a.num_envs, scenario=a.scenario, encoding=a.encoding)
    try:
        rng = np.random.default_rng(0)
        _, info = envs.reset(seed=0)
        mask = info["action_mask"]
        for _ in range(a.warmup):
            _, _, _, _, info = envs.step(masked_random_actions(rng, mask))
            mask = info["action_mask"]
        samples, cpu_samples = [], []
        pid = envs._server._proc.pid
        for _ in range(a.repeats):
            s0, c0, t0 = server_cpu_seconds(pid), time.process_time(), time.perf_counter()
            for _ in range(a.steps):
                _, _, _, _, info = envs.step(masked_random_actions(rng, mask))
                mask = info["action_mask"]
            wall, cpu, s1 = time.perf_counter() - t0, time.process_time() - c0, server_cpu_seconds(pid)
            samples.append(a.steps * a.num_envs / wall)
            if s0 is not None and s1 is not None:
                # Both processes' CPU: what the bridge costs, less sensitive to a shared machine than wall time.
                cpu_samples.append(a.steps * a.num_envs / (cpu + s1 - s0))
    finally:
        envs.close()
    med = statistics.median(samples)
    cpu_med = statistics.median(cpu_samples) if cpu_samples else None
    if a.json:
        print(json.dumps({"steps_per_sec": med, "samples": samples, "steps_per_cpu_sec": cpu_med, "cpu_samples": cpu_samples, "num_envs": a.num_envs, "encoding": a.encoding, "steps": a.steps, "repeats": a.repeats}))
    else:
        print(f"{med:,.0f} env steps/s from Python ({a.num_envs} envs, {a.encoding}, median of {a.repeats}; samples {', '.join(f'{s:,.0f}' for s in samples)})"
              + (f"; {cpu_med:,.0f} per CPU-second of client + server" if cpu_med else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
