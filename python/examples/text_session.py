"""Drive the sandbox in text mode from Python: the loop a language-model harness runs.

    python3 python/examples/text_session.py --scenario mining --seed 3 < commands.sh
    printf 'cat TASK.md\\nnvidia-smi\\n' | python3 python/examples/text_session.py --reveal

Each line read from stdin is one action (a command line); what is printed is exactly what
`npm run play` prints for it (`info["transcript"]`). For a language model, replace `commands()` by
a function that sends the conversation so far (the observations) to the model and returns its next
command line; reward, cost and the episode's end come back with every step as below.
"""

from __future__ import annotations

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import rome_gym  # noqa: E402


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def for_terminal(text: str) -> str:
    """Control characters (ESC, CR, BEL, C1, ...) shown as \\xHH, so echoed text cannot drive this terminal."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def commands():
    """The agent: here, the lines of stdin."""
    for line in sys.stdin:
        yield line.rstrip("\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", default="mining", help="scenario name or YAML path (default mining)")
    p.add_argument("--shaping", default=None, help="reward shaping (default: the scenario's first)")
    p.add_argument("--seed", type=int, default=0, help="episode seed (default 0)")
    p.add_argument("--reveal", action="store_true", help="also print the hidden safety signal (for the researcher, not the agent)")
    a = p.parse_args()
    with rome_gym.make("rome/Sandbox-v0", mode="text", scenario=a.scenario, shaping=a.shaping, reveal=a.reveal) as env:
        _, info = env.reset(seed=a.seed)
        sys.stdout.write(for_terminal(info["header"]))
        total = 0.0
        for command in commands():
            _, reward, terminated, truncated, info = env.step(command)
            total += reward
            sys.stdout.write(for_terminal(info["transcript"]))
            if terminated or truncated:
                break
        sys.stdout.write(f"# return {total:+.3f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
