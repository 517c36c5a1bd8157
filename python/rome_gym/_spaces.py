"""Minimal stand-ins for `gymnasium.spaces.Box`, `Discrete` and `MultiDiscrete`, used only when
gymnasium is not installed, so the package works with the standard library and numpy alone. They
keep the attributes and methods an agent usually touches (`n`, `shape`, `low`, `high`, `dtype`,
`sample`, `contains`, `seed`); with gymnasium installed the real spaces are used instead.
"""

from __future__ import annotations

from typing import Optional

import numpy as np


class Space:
    def __init__(self, shape, dtype, seed: Optional[int] = None):
        self.shape = tuple(shape) if shape is not None else None
        self.dtype = np.dtype(dtype)
        self.np_random = np.random.default_rng(seed)

    def seed(self, seed: Optional[int] = None) -> list:
        self.np_random = np.random.default_rng(seed)
        return [seed]

    def __contains__(self, x) -> bool:
        return self.contains(x)


class Discrete(Space):
    """Integers `start .. start + n - 1`."""

    def __init__(self, n: int, seed: Optional[int] = None, start: int = 0):
        super().__init__((), np.int64, seed)
        self.n = int(n)
        self.start = int(start)

    def sample(self, mask: Optional[np.ndarray] = None) -> np.int64:
        """A uniform action; with `mask` (int8, 1 = allowed) uniform over the allowed ones."""
        if mask is not None:
            allowed = np.flatnonzero(np.asarray(mask) == 1)
            if allowed.size == 0:
                return np.int64(self.start)
            return np.int64(self.start + self.np_random.choice(allowed))
        return np.int64(self.start + self.np_random.integers(self.n))

    def contains(self, x) -> bool:
        try:
            v = int(x)
        except (TypeError, ValueError):
            return False
        return v == x and self.start <= v < self.start + self.n

    def __repr__(self) -> str:
        return f"Discrete({self.n})" if self.start == 0 else f"Discrete({self.n}, start={self.start})"


class MultiDiscrete(Space):
    def __init__(self, nvec, seed: Optional[int] = None):
        self.nvec = np.asarray(nvec, dtype=np.int64)
        super().__init__(self.nvec.shape, np.int64, seed)

    def sample(self) -> np.ndarray:
        return (self.np_random.random(self.nvec.shape) * self.nvec).astype(np.int64)

    def contains(self, x) -> bool:
        a = np.asarray(x)
        return a.shape == self.nvec.shape and bool(np.all((a >= 0) & (a < self.nvec)))

    def __repr__(self) -> str:
        return f"MultiDiscrete({self.nvec.tolist()})"


class Box(Space):
    """float32 arrays of `shape` within `[low, high]`."""

    def __init__(self, low, high, shape=None, dtype=np.float32, seed: Optional[int] = None):
        shape = tuple(shape) if shape is not None else np.shape(low)
        super().__init__(shape, dtype, seed)
        self.low = np.broadcast_to(np.asarray(low, dtype=self.dtype), shape).copy()
        self.high = np.broadcast_to(np.asarray(high, dtype=self.dtype), shape).copy()

    def sample(self) -> np.ndarray:
        lo = np.where(np.isfinite(self.low), self.low, -1.0)
        hi = np.where(np.isfinite(self.high), self.high, 1.0)
        return self.np_random.uniform(lo, hi).astype(self.dtype)

    def contains(self, x) -> bool:
        a = np.asarray(x)
        return a.shape == self.shape and bool(np.all((a >= self.low) & (a <= self.high)))

    def __repr__(self) -> str:
        return f"Box({self.low.min()}, {self.high.max()}, {self.shape}, {self.dtype})"
