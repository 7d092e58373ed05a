"""Mounting-agnostic body frame: movement axis from the reps themselves, the movement angle, stillness.

Users strap sensors on any way, so nothing here assumes sensor axes. The segment's vertical comes from the
orientation filter (gravity), the movement axis from the dominant direction of the angular rate while moving
(principal component of the gyro), and the movement angle from the orientation relative to a reference pose,
projected on that axis — drift-free in inclination, so the angle does not wander over a set.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.zerophase import butter2, filtfilt

MAX_INTERPOLATED_GAP_S = 0.5  # longer gaps between samples are not bridged by interpolating the rate
MAX_GRID_SAMPLES = 50_000_000  # ~5 days at 100 Hz: beyond this a timestamp is wrong, not the recording long
RESAMPLE_BLOCK = 1 << 16  # grid samples resampled at a time
SMOOTH_CUTOFF_HZ = 10.0  # segment motion in these lifts is well below 10 Hz; removes sensor noise, keeps onsets sharp


@dataclass(frozen=True)
class UniformSeries:
    """A stream resampled onto a uniform time grid (host timestamp jitter removed, short gaps bridged)."""

    t_s: np.ndarray
    rate_hz: float
    quat_wxyz: np.ndarray
    gyr_rads: np.ndarray


@dataclass(frozen=True)
class MovementAxis:
    axis_sensor: np.ndarray  # unit vector, sensor frame, signed so the concentric is positive rotation
    confidence: float  # 0..1: share of the rotation energy on this axis while moving


def lowpass(x: np.ndarray, rate_hz: float, cutoff_hz: float = SMOOTH_CUTOFF_HZ) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth low-pass along axis 0 (no time shift of phase boundaries)."""
    if len(x) < 16:
        return x.copy()
    return filtfilt(butter2(min(cutoff_hz, 0.45 * rate_hz), rate_hz), x)


def about_axis(grid: UniformSeries, rate_rads: np.ndarray, axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The segment's angle (deg) and signed speed (°/s) about `axis` (sensor frame) on the grid. The angle
    integrates the unfiltered rate (integration already averages the noise, and no filter blurs onsets); the
    speed is the smoothed `rate_rads`'s."""
    return np.degrees(np.cumsum(grid.gyr_rads @ axis) / grid.rate_hz), np.degrees(rate_rads @ axis)


def resample_uniform(t_s: np.ndarray, quat_wxyz: np.ndarray, gyr_rads: np.ndarray) -> UniformSeries:
    """Resample onto a uniform grid at the stream's nominal rate (median interval)."""
    dt = float(np.median(np.diff(t_s)))
    if (t_s[-1] - t_s[0]) / dt > MAX_GRID_SAMPLES:
        raise ValueError(f"the samples span {t_s[-1] - t_s[0]:.0f} s at {1 / dt:.0f} Hz: too long for one set "
                         f"(is a timestamp far off?)")
    grid = np.arange(t_s[0], t_s[-1] + 0.5 * dt, dt)
    quat = np.empty((len(grid), 4))
    gyr = np.empty((len(grid), 3))
    # a block of the grid at a time: the gathers and blends are temporaries of one block, not of the recording
    for start in range(0, len(grid), RESAMPLE_BLOCK):
        stop = start + RESAMPLE_BLOCK
        quat[start:stop], gyr[start:stop] = _blend(t_s, quat_wxyz, gyr_rads, grid[start:stop])
    return UniformSeries(grid, 1.0 / dt, quat, gyr)


def _blend(t_s: np.ndarray, quat_wxyz: np.ndarray, gyr_rads: np.ndarray, grid: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Orientation (nlerp) and rate (linear) at the `grid` times between the samples around each."""
    idx = np.clip(np.searchsorted(t_s, grid), 1, len(t_s) - 1)
    prev = idx - 1
    span = t_s[idx] - t_s[prev]
    w = (grid - t_s[prev]) / span
    np.clip(w, 0.0, 1.0, out=w)
    w = w[:, None]
    v = 1 - w
    # the blends are computed in place on the gathered rows (each gather is already a copy)
    q0, q1 = quat_wxyz[prev], quat_wxyz[idx]
    q1[np.sum(q0 * q1, axis=1) < 0] *= -1.0
    q0 *= v
    q1 *= w
    q0 += q1
    quat = q0  # nlerp: samples are close together
    del q1
    quat /= np.linalg.norm(quat, axis=1, keepdims=True)
    gyr = gyr_rads[prev]
    gyr *= v
    g1 = gyr_rads[idx]
    g1 *= w
    gyr += g1
    del g1
    # inside a long gap (a drop-out, a paused recording) nothing is known about the motion: hold still rather than
    # integrate an interpolated rate across it, which would turn the movement angle by rate × gap
    in_gap = span > MAX_INTERPOLATED_GAP_S
    gyr[in_gap] = 0.0
    return quat, gyr


def movement_axis(rate_rads: np.ndarray, moving: np.ndarray, rank: int = 0) -> MovementAxis:
    """Dominant rotation axis (sensor frame) while moving: principal component `rank` (0 = first) of the rate."""
    w = rate_rads[moving] if moving.sum() > 10 else rate_rads
    cov = w.T @ w
    evals, evecs = np.linalg.eigh(cov)
    axis = evecs[:, -1 - rank]
    conf = float(evals[-1 - rank] / max(evals.sum(), 1e-12))
    return MovementAxis(axis / np.linalg.norm(axis), conf)


def true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) index pairs of the runs of True in a boolean mask."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2], edges[1::2]))


def still_mask(speed_rads: np.ndarray, rate_hz: float, threshold_rads: float, min_s: float) -> np.ndarray:
    """True where the speed stays below `threshold_rads` for at least `min_s` seconds."""
    below = speed_rads < threshold_rads
    out = np.zeros_like(below)
    n_min = max(1, int(round(min_s * rate_hz)))
    for a, b in true_runs(below):
        if b - a >= n_min:
            out[a:b] = True
    return out
