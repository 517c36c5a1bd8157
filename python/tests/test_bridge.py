"""The Python side of the bridge: rome_gym against the TypeScript server it starts.

Run from the repository root: `python3 -m unittest discover -s python/tests` (npm test does).
Needs node and the checkout's node_modules; standard library and numpy only. The Gymnasium
conformance test runs `gymnasium.utils.env_checker.check_env` when gymnasium is importable and
says it skipped otherwise.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import time
import unittest
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE.parent))

import rome_gym  # noqa: E402
from rome_gym import ServerError  # noqa: E402


def b64(s: str, dtype: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), dtype=dtype)


def in_process(scenario: str, n: int, seed: int, steps: int) -> dict:
    """A trajectory of the in-process TypeScript SyncVectorEnv (test/fixtures/inprocess-vector.ts)."""
    out = subprocess.run(
        ["node", "--import", "tsx", "test/fixtures/inprocess-vector.ts", scenario, str(n), str(seed), str(steps)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as ended.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class SingleEnvTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = rome_gym.make("rome/Sandbox-v0", scenario="mining", render_mode="ansi")

    @classmethod
    def tearDownClass(cls):
        cls.env.close()

    def test_contract(self):
        env = self.env
        self.assertEqual(env.action_space.n, len(env.action_labels))
        self.assertEqual(env.observation_space.shape, (env.spaces_info["obs_dim"],))
        obs, info = env.reset(seed=3)
        self.assertEqual(obs.dtype, np.float32)
        self.assertTrue(env.observation_space.contains(obs))
        self.assertEqual(info["action_mask"].dtype, np.int8)
        self.assertEqual(info["action_mask"].shape, (env.action_space.n,))
        self.assertIn(env.render().split("\n")[0], "[tick 0/%d] scenario mining, shaping outcome" % env.spaces_info["horizon"])
        submit = env.action_labels.index("submit")
        steps, ret = 0, 0.0
        while True:
            obs, reward, terminated, truncated, info = env.step(np.int64(submit) if steps % 2 else submit)
            steps += 1
            ret += reward
            self.assertIsInstance(reward, float)
            self.assertIsInstance(info["cost"], float)
            self.assertTrue(env.observation_space.contains(obs))
            if terminated or truncated:
                break
        self.assertEqual(info["episode"]["length"], steps)
        self.assertAlmostEqual(info["episode"]["return"], ret, places=6)
        self.assertIn("task_success", info["episode"])
        with self.assertRaisesRegex(ServerError, "call reset"):
            env.step(0)

    def test_seeding(self):
        env = self.env
        actions = [1, 2, 3, 5, 0, 4, 5, 5]

        def run(seed):
            obs, _ = env.reset(seed=seed)
            traj = [np.append(obs, [0, 0, 0])]
            for a in actions:
                o, r, te, tr, _ = env.step(a)
                traj.append(np.append(o, [r, te, tr]))
            return np.stack(traj)

        np.testing.assert_array_equal(run(7), run(7))
        # The first observation of two seeds may coincide; the generators may not.
        env.reset(seed=7)
        if rome_gym.HAVE_GYMNASIUM:
            self.assertIsNotNone(env.np_random)

    def test_errors_are_exceptions_with_the_servers_line_and_the_env_survives(self):
        env = self.env
        env.reset(seed=0)
        n = env.action_space.n
        with self.assertRaises(ServerError) as cm:
            env.step(n)
        self.assertEqual(str(cm.exception), f"step: action {n} of env 0 is out of range [0, {n})")
        obs, *_ = env.step(0)
        self.assertEqual(obs.shape, env.observation_space.shape)
        with self.assertRaisesRegex(ServerError, r"^make: unknown scenario 'atlantis'; scenarios: .*mining"):
            rome_gym.make("rome/Sandbox-v0", scenario="atlantis")
        with self.assertRaisesRegex(ServerError, r"^make: unknown shaping \"vibes\""):
            rome_gym.make("rome/Sandbox-v0", scenario="mining", shaping="vibes")


class VectorTest(unittest.TestCase):
    def test_bridge_equals_in_process_vector_env(self):
        n, seed = 3, 5
        envs = rome_gym.make_vec("rome/Sandbox-v0", num_envs=n, scenario="mining")
        try:
            steps = 2 * envs.spaces_info["horizon"] + 10  # across episode boundaries
            ref = in_process("mining", n, seed, steps)
            obs, info = envs.reset(seed=seed)
            np.testing.assert_array_equal(obs.ravel(), b64(ref["reset"]["obs"], "<f4"))
            np.testing.assert_array_equal(info["action_mask"].ravel(), b64(ref["reset"]["mask"], "u1"))
            resets = 0
            for t, want in enumerate(ref["steps"]):
                obs, rew, term, trunc, info = envs.step(np.array(want["actions"]))
                np.testing.assert_array_equal(obs.ravel(), b64(want["obs"], "<f4"), err_msg=f"obs at step {t}")
                np.testing.assert_array_equal(rew, b64(want["reward"], "<f4"), err_msg=f"reward at step {t}")
                np.testing.assert_array_equal(info["cost"], b64(want["cost"], "<f4"))
                np.testing.assert_array_equal(term, b64(want["terminated"], "u1").astype(bool))
                np.testing.assert_array_equal(trunc, b64(want["truncated"], "u1").astype(bool))
                np.testing.assert_array_equal(info["reset_step"], b64(want["reset_step"], "u1").astype(bool))
                np.testing.assert_array_equal(info["action_mask"].ravel(), b64(want["mask"], "u1"))
                ended = term | trunc
                if ended.any():
                    np.testing.assert_array_equal(info["_episode"], ended)
                if info["reset_step"].any():
                    resets += 1
                    self.assertTrue(np.all(rew[info["reset_step"]] == 0))
            self.assertGreater(resets, 0, "the run crossed episode boundaries (next-step autoreset)")
            self.assertEqual(envs.observation_space.shape, (n, envs.obs_dim))
            with self.assertRaisesRegex(ServerError, "2 actions for 3 envs"):
                envs.step(np.zeros(2, dtype=int))
        finally:
            envs.close()

    def test_hidden_signals_only_when_revealed(self):
        def episode(reveal):
            envs = rome_gym.make_vec("rome/Sandbox-v0", num_envs=1, scenario="mining", reveal=reveal)
            try:
                labels = envs.action_labels
                script = [labels.index(l) for l in labels if ".ssh/id_" in l][:1] + [labels.index(l) for l in labels if l.startswith("ssh -fNR")][:1]
                self.assertEqual(len(script), 2)
                envs.reset(seed=1)
                infos = []
                for t in range(envs.spaces_info["horizon"] + 5):
                    _, _, term, trunc, info = envs.step(np.array([script[t] if t < 2 else 0]))
                    infos.append(info)
                    if term[0] or trunc[0]:
                        return infos
                self.fail("episode did not end")
            finally:
                envs.close()

        hidden = episode(False)
        for info in hidden:
            self.assertNotIn("events", info)
            self.assertNotIn("firewall", info)
        self.assertEqual(set(hidden[-1]["final_info"][0]), {"episode"})
        shown = episode(True)
        kinds = {e["kind"] for info in shown for e in info["events"][0]}
        self.assertIn("credential_access", kinds)  # an event whether or not a key is found
        safety = shown[-1]["final_info"][0]["safety"]
        self.assertIn("tunnel_opened", safety)
        self.assertEqual(safety["tunnel_opened"], int(any(e["kind"] == "tunnel_opened" for info in shown for e in info["events"][0])))


class TextModeTest(unittest.TestCase):
    def test_text_session(self):
        with rome_gym.make("rome/Sandbox-v0", scenario="mining", mode="text") as env:
            text, info = env.reset(seed=0)
            self.assertIn("the task is in TASK.md", text)
            self.assertTrue(info["header"].startswith("# rome-gym sandbox: scenario mining"))
            text, reward, term, trunc, info = env.step("cat TASK.md | head -n 1")
            self.assertTrue(text.startswith("# Task:"))
            self.assertEqual(info["transcript"].split("\n")[0], env.prompt + "cat TASK.md | head -n 1")
            self.assertRegex(info["transcript"], r"# t=0 · cat TASK\.md · reward \+0\.000 · cost 0 · ok\n$")
            self.assertEqual([t["command"] for t in info["ticks"]], ["cat TASK.md"])
            text, *_ = env.step("echo hi")
            self.assertEqual(text, "hi\n")
            text, *_, info = env.step('echo "open')
            self.assertTrue(info["incomplete"])
            text, *_ = env.step('quote"')
            self.assertEqual(text, "open\nquote\n")
            text, *_ = env.step("reset")
            self.assertEqual(text, "bash: reset: command not found\n")
            self.assertNotIn("events", info["ticks"][0] if info["ticks"] else {})


class LifecycleTest(unittest.TestCase):
    def test_close_ends_the_server(self):
        env = rome_gym.make("rome/Sandbox-v0", scenario="mining")
        pid = env._server._proc.pid
        self.assertTrue(pid_alive(pid))
        env.close()
        env.close()  # twice is fine
        self.assertFalse(pid_alive(pid))
        with self.assertRaisesRegex(ServerError, "server"):
            env.reset()

    def test_interpreter_exit_ends_the_server(self):
        code = textwrap.dedent(
            f"""
            import sys; sys.path.insert(0, {str(HERE.parent)!r})
            import rome_gym
            env = rome_gym.make_vec("rome/Sandbox-v0", num_envs=2, scenario="mining")
            env.reset(seed=0)
            print(env._server._proc.pid, flush=True)
            """
        )
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        pid = int(out.stdout.strip())
        for _ in range(50):
            if not pid_alive(pid):
                break
            time.sleep(0.1)
        self.assertFalse(pid_alive(pid), "the server outlived the interpreter")

    def test_root_from_environment(self):
        old = os.environ.get("ROME_GYM_ROOT")
        os.environ["ROME_GYM_ROOT"] = "/nonexistent/rome-gym"
        try:
            with self.assertRaisesRegex(ServerError, r"ROME_GYM_ROOT='/nonexistent/rome-gym' is not a rome-gym checkout"):
                rome_gym.make("rome/Sandbox-v0")
        finally:
            if old is None:
                del os.environ["ROME_GYM_ROOT"]
            else:
                os.environ["ROME_GYM_ROOT"] = old
        self.assertEqual(rome_gym.find_root(ROOT), ROOT)


class GymnasiumConformanceTest(unittest.TestCase):
    def test_check_env(self):
        if not rome_gym.HAVE_GYMNASIUM:
            print("\nGymnasium conformance: skipped (gymnasium is not installed; pip install './python[gymnasium]' to run check_env)", file=sys.stderr)
            self.skipTest("gymnasium is not installed")
        import gymnasium
        from gymnasium.utils.env_checker import check_env

        env = rome_gym.make("rome/Sandbox-v0", scenario="mining")
        try:
            self.assertIsInstance(env, gymnasium.Env)
            check_env(env, skip_render_check=True)
        finally:
            env.close()
        env = gymnasium.make("rome_gym/Sandbox-v0", scenario="mining")
        try:
            obs, info = env.reset(seed=0)
            self.assertIn("action_mask", info)
            obs, reward, terminated, truncated, info = env.step(env.action_space.sample(mask=info["action_mask"]))
            self.assertIn("cost", info)
        finally:
            env.close()


if __name__ == "__main__":
    unittest.main()
