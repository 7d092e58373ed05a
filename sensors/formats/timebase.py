"""Sensor clocks as vendors write them: wrapping counters, integer ticks, a shared origin for two files."""
from __future__ import annotations

import numpy as np

UINT32_MODULUS = 2**32


def unwrap_counter(ticks: np.ndarray, modulus: int = UINT32_MODULUS) -> np.ndarray:
    """A free-running counter that wraps at `modulus`, made monotonic (int64): every step back by more than half
    the modulus is a wrap. Steps between samples must stay below half the modulus (35 min for a µs uint32)."""
    t = np.asarray(ticks, dtype=np.int64)
    if len(t) < 2:
        return t.copy()
    step = np.diff(t)
    wraps = np.concatenate([[0], np.cumsum(step < -(modulus // 2))])
    return t + wraps * np.int64(modulus)


def seconds_since(ticks: np.ndarray, origin: int, per_s: float) -> np.ndarray:
    """Integer ticks (ms, µs, ns) relative to `origin`, in float64 seconds: the subtraction is done in int64 so a
    nanosecond epoch clock (~1e18) loses nothing to float rounding."""
    return (np.asarray(ticks, dtype=np.int64) - np.int64(origin)).astype(np.float64) / per_s
