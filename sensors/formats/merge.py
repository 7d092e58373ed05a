"""Two files of one sensor (accelerometer and gyroscope exported separately) onto one clock.

The gyroscope's timestamps are the clock (the orientation filter integrates the rate, so its samples stay as
measured); the accelerometer is linearly interpolated onto them. Only the span both files cover is kept, and
no value is invented across a hole: a gyroscope sample whose two neighbouring accelerometer samples are more
than `MergeParams.max_hole_intervals` accelerometer intervals apart is dropped, and the hole becomes a gap.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MergeParams:
    max_hole_intervals: float = 3.0  # accelerometer intervals between the neighbours of a kept gyro sample


@dataclass(frozen=True)
class Merged:
    """`keep`: mask over the gyroscope samples; `acc`: (keep.sum(), 3) accelerometer at the kept samples;
    `gaps`: (t0_s, t1_s) holes in the accelerometer file inside the common span."""

    keep: np.ndarray
    acc: np.ndarray
    gaps: tuple[tuple[float, float], ...]


def onto_gyro_clock(t_gyr_s: np.ndarray, t_acc_s: np.ndarray, acc: np.ndarray,
                    params: MergeParams = MergeParams()) -> Merged:
    """Accelerometer samples (increasing `t_acc_s`) interpolated onto the gyroscope's timestamps."""
    if len(t_acc_s) < 2 or len(t_gyr_s) == 0:
        return Merged(np.zeros(len(t_gyr_s), dtype=bool), np.empty((0, 3)), ())
    interval = float(np.median(np.diff(t_acc_s)))
    hole = params.max_hole_intervals * interval
    inside = (t_gyr_s >= t_acc_s[0]) & (t_gyr_s <= t_acc_s[-1])
    right = np.clip(np.searchsorted(t_acc_s, t_gyr_s, side="left"), 1, len(t_acc_s) - 1)
    bracket = t_acc_s[right] - t_acc_s[right - 1]
    keep = inside & (bracket <= hole)
    t = t_gyr_s[keep]
    out = np.column_stack([np.interp(t, t_acc_s, acc[:, k]) for k in range(3)]) if len(t) else np.empty((0, 3))
    big = np.flatnonzero(np.diff(t_acc_s) > hole)
    gaps = tuple((float(t_acc_s[i]), float(t_acc_s[i + 1])) for i in big)
    return Merged(keep, out, gaps)
