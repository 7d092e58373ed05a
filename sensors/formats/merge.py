"""Two files of one sensor (accelerometer and gyroscope exported separately) onto one clock.

One file's timestamps are the clock (MetaWear, Polar: the gyroscope's, so the rate the orientation filter
integrates stays as measured; Sensor Logger, phyphox: the accelerometer's, whose file is the one always there and
whose times the phone's two sensors mostly share); the other file's samples are linearly interpolated onto them
(`onto_clock`), a sample at the very time taken as it is. Only the span both files cover is kept, and no value is
invented across a hole: a clock sample whose two neighbouring samples of the other file are more than
`MergeParams.max_hole_intervals` of that file's intervals apart is dropped, and the hole becomes a gap.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MergeParams:
    max_hole_intervals: float = 3.0  # accelerometer intervals between the neighbours of a kept gyro sample


@dataclass(frozen=True)
class Merged:
    """`keep`: mask over the clock's samples; `acc`: (keep.sum(), 3) the other file's values at the kept samples
    (the accelerometer's in `onto_gyro_clock`); `gaps`: (t0_s, t1_s) holes in the other file inside the common
    span."""

    keep: np.ndarray
    acc: np.ndarray
    gaps: tuple[tuple[float, float], ...]


def onto_gyro_clock(t_gyr_s: np.ndarray, t_acc_s: np.ndarray, acc: np.ndarray,
                    params: MergeParams = MergeParams()) -> Merged:
    """Accelerometer samples (increasing `t_acc_s`) interpolated onto the gyroscope's timestamps."""
    return onto_clock(t_gyr_s, t_acc_s, acc, params)


def onto_clock(t_clock_s: np.ndarray, t_other_s: np.ndarray, other: np.ndarray,
               params: MergeParams = MergeParams()) -> Merged:
    """The other file's (n, 3) samples (strictly increasing `t_other_s`) linearly interpolated at `t_clock_s`."""
    t_gyr_s, t_acc_s, acc = t_clock_s, t_other_s, other
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


def fold_equal_times(t_s: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Consecutive samples at one time (increasing otherwise) as one, their mean (a repeat of a sample is that
    sample): (times, values, the index of each one's first sample)."""
    starts = np.flatnonzero(np.concatenate([[True], np.diff(t_s) != 0])) if len(t_s) else np.zeros(0, dtype=np.intp)
    if len(starts) == len(t_s):
        return t_s, values, starts
    counts = np.diff(np.append(starts, len(t_s)))
    return t_s[starts], np.add.reduceat(values, starts, axis=0) / counts[:, None], starts
