"""The client side of rome-gym's JSON-lines env protocol (docs/protocol.md in the checkout).

`Server` starts `node --import tsx experiments/serve.ts` in a rome-gym checkout as a subprocess and
speaks the protocol over its stdin/stdout: one request a line, one reply a line. A reply with
`"ok": false` becomes a `ServerError` carrying the server's one-line message.

Finding the checkout, in order: the `root=` argument, the `ROME_GYM_ROOT` environment variable, the
folders above this file (a source checkout, or `pip install -e ./python`), the folders above the
current directory. `ROME_GYM_NODE` names the node binary (default: `node` on PATH).

The subprocess ends on `close()`, when the `Server` is garbage-collected, and at interpreter exit.
"""

from __future__ import annotations

import base64
import binascii
import collections
import json
import os
import subprocess
import threading
import weakref
from pathlib import Path
from typing import Any, Optional

import numpy as np

PROTOCOL_VERSION = 1


class ServerError(RuntimeError):
    """The server answered a request with an error (its one-line message), or it is gone."""


def _looks_like_root(p: Path) -> bool:
    return (p / "experiments" / "serve.ts").is_file() and (p / "package.json").is_file()


def find_root(root: Optional[os.PathLike | str] = None) -> Path:
    """The rome-gym checkout to run the server from (see the module doc for the search order)."""
    if root is not None:
        p = Path(root).expanduser().resolve()
        if not _looks_like_root(p):
            raise ServerError(f"root={str(root)!r} is not a rome-gym checkout (no experiments/serve.ts)")
        return p
    env = os.environ.get("ROME_GYM_ROOT")
    if env:
        p = Path(env).expanduser().resolve()
        if not _looks_like_root(p):
            raise ServerError(f"ROME_GYM_ROOT={env!r} is not a rome-gym checkout (no experiments/serve.ts)")
        return p
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for p in (start, *start.parents):
            if _looks_like_root(p):
                return p
    raise ServerError(
        "cannot find the rome-gym checkout: set ROME_GYM_ROOT=/path/to/rome-gym (the folder with package.json), "
        "or pass root= to make()"
    )


def _terminate(proc: subprocess.Popen) -> None:
    """Ends the server: closing its stdin ends it cleanly; a server that hangs is killed."""
    try:
        if proc.stdin and not proc.stdin.closed:
            proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for f in (proc.stdout, proc.stderr):
        try:
            if f:
                f.close()
        except OSError:
            pass


class Server:
    """One server subprocess and its protocol session (at most one env: a vector of num_envs)."""

    def __init__(self, root: Optional[os.PathLike | str] = None, node: Optional[str] = None):
        self.root = find_root(root)
        if not (self.root / "node_modules" / "tsx").is_dir():
            raise ServerError(f"{self.root} has no node_modules/tsx: run `npm ci` there first")
        node = node or os.environ.get("ROME_GYM_NODE") or "node"
        cmd = [node, "--import", "tsx", "experiments/serve.ts"]
        try:
            self._proc = subprocess.Popen(
                cmd,
                cwd=self.root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                # Replies are ~35 KB a step at 64 envs: a big buffer reads one in one or two syscalls.
                bufsize=1 << 20,
            )
        except OSError as e:
            raise ServerError(f"cannot start the rome-gym server ({' '.join(cmd)}): {e}") from None
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self._finalizer = weakref.finalize(self, _terminate, self._proc)
        self._next_id = 0
        self.hello = self.request("hello", protocol=PROTOCOL_VERSION)

    def _drain_stderr(self) -> None:
        assert self._proc.stderr is not None
        try:
            for raw in self._proc.stderr:
                self._stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))
        except (OSError, ValueError):  # closed by _terminate
            pass

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def request(self, op: str, **fields: Any) -> dict:
        """Sends one request and returns its reply; raises ServerError on an error reply."""
        msg = {"op": op}
        msg.update({k: v for k, v in fields.items() if v is not None or k == "seed"})
        return self.send_line(json.dumps(msg, separators=(",", ":")).encode() + b"\n")

    def send_line(self, line: bytes) -> dict:
        """Sends one raw request line (newline included) and returns the parsed reply."""
        if not self.alive or self._proc.stdin is None or self._proc.stdout is None:
            raise ServerError(self._gone())
        try:
            self._proc.stdin.write(line)
            self._proc.stdin.flush()
            reply = self._proc.stdout.readline()
        except (BrokenPipeError, OSError, ValueError):
            raise ServerError(self._gone()) from None
        if not reply:
            raise ServerError(self._gone())
        r = json.loads(reply)
        if not r.get("ok"):
            raise ServerError(str(r.get("error", "the server sent an error without a message")))
        return r

    def _gone(self) -> str:
        code = self._proc.poll()
        tail = next((l for l in reversed(self._stderr) if l.strip()), "")
        state = "is closed" if code is None else f"exited with code {code}"
        return f"the rome-gym server {state}" + (f": {tail}" if tail else "")

    def close(self) -> None:
        """Ends the subprocess (idempotent)."""
        if self.alive:
            try:
                self.request("close")
            except ServerError:
                pass
        self._finalizer()


# Arrays on the wire: lists (encoding json) or base64 of little-endian values (encoding base64).


_LE = {"f4": np.dtype("<f4"), "u1": np.dtype("u1"), "i4": np.dtype("<i4")}


def decode(x: Any, dtype: str) -> np.ndarray:
    """A reply array as numpy: base64 of little-endian `dtype` values, or a JSON list."""
    if isinstance(x, str):
        return np.frombuffer(binascii.a2b_base64(x), dtype=_LE[dtype])
    return np.asarray(x, dtype=dtype)


def encode_actions(actions: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(actions, dtype="<i4").tobytes()).decode("ascii")


def step_line(actions: np.ndarray) -> bytes:
    """The hot path's request line, built without json.dumps (base64 needs no escaping)."""
    return b'{"op":"step","actions":"' + base64.b64encode(np.ascontiguousarray(actions, dtype="<i4").tobytes()) + b'"}\n'
