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
    quat_wxyz: np.ndarray | None  # None: not kept (`resample_uniform(..., with_quat=False)`)
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


def resample_uniform(t_s: np.ndarray, quat_wxyz: np.ndarray, gyr_rads: np.ndarray,
                     with_quat: bool = True) -> UniformSeries:
    """Resample onto a uniform grid at the stream's nominal rate (median interval). `with_quat` False: the grid's
    orientation is not kept (`quat_wxyz` None; `quat_on_grid` gives it at the grid times asked, bit for bit)."""
    dt = float(np.median(np.diff(t_s)))
    if (t_s[-1] - t_s[0]) / dt > MAX_GRID_SAMPLES:
        raise ValueError(f"the samples span {t_s[-1] - t_s[0]:.0f} s at {1 / dt:.0f} Hz: too long for one set "
                         f"(is a timestamp far off?)")
    grid = np.arange(t_s[0], t_s[-1] + 0.5 * dt, dt)
    quat = np.empty((len(grid), 4)) if with_quat else None
    gyr = np.empty((len(grid), 3))
    # a block of the grid at a time: the gathers and blends are temporaries of one block, not of the recording
    for start in range(0, len(grid), RESAMPLE_BLOCK):
        stop = start + RESAMPLE_BLOCK
        at = _between(t_s, grid[start:stop])
        if quat is not None:
            quat[start:stop] = _nlerp(quat_wxyz, at)
        gyr[start:stop] = _lerp_rate(gyr_rads, at)
    return UniformSeries(grid, 1.0 / dt, quat, gyr)


def quat_on_grid(t_s: np.ndarray, quat_wxyz: np.ndarray, grid_t_s: np.ndarray) -> np.ndarray:
    """(k, 4) the orientation `resample_uniform` gives at the grid times `grid_t_s` (k,) of samples `t_s`."""
    out = np.empty((len(grid_t_s), 4))
    for start in range(0, len(grid_t_s), RESAMPLE_BLOCK):
        stop = start + RESAMPLE_BLOCK
        out[start:stop] = _nlerp(quat_wxyz, _between(t_s, grid_t_s[start:stop]))
    return out


@dataclass(frozen=True)
class _Between:
    """The samples around each of k grid times: indices before (`prev`) and after (`idx`), the weight of the one
    after (`w`, (k, 1)) and the seconds between the two (`span`)."""

    prev: np.ndarray
    idx: np.ndarray
    w: np.ndarray
    span: np.ndarray


def _between(t_s: np.ndarray, grid: np.ndarray) -> _Between:
    idx = np.clip(np.searchsorted(t_s, grid), 1, len(t_s) - 1)
    prev = idx - 1
    span = t_s[idx] - t_s[prev]
    w = (grid - t_s[prev]) / span
    np.clip(w, 0.0, 1.0, out=w)
    return _Between(prev, idx, w[:, None], span)


def _nlerp(quat_wxyz: np.ndarray, at: _Between) -> np.ndarray:
    """Orientation between the samples around each grid time (nlerp: samples are close together)."""
    # the blends are computed in place on the gathered rows (each gather is already a copy)
    q0, q1 = quat_wxyz[at.prev], quat_wxyz[at.idx]
    q1[np.sum(q0 * q1, axis=1) < 0] *= -1.0
    q0 *= 1 - at.w
    q1 *= at.w
    q0 += q1
    del q1
    q0 /= np.linalg.norm(q0, axis=1, keepdims=True)
    return q0


def _lerp_rate(gyr_rads: np.ndarray, at: _Between) -> np.ndarray:
    """Rate (linear) between the samples around each grid time."""
    gyr = gyr_rads[at.prev]
    gyr *= 1 - at.w
    g1 = gyr_rads[at.idx]
    g1 *= at.w
    gyr += g1
    del g1
    # inside a long gap (a drop-out, a paused recording) nothing is known about the motion: hold still rather than
    # integrate an interpolated rate across it, which would turn the movement angle by rate × gap
    gyr[at.span > MAX_INTERPOLATED_GAP_S] = 0.0
    return gyr


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


def long_runs(mask: np.ndarray, min_len: int) -> np.ndarray:
    """The runs of True in `mask` that are at least `min_len` samples long."""
    out = np.zeros_like(mask, dtype=bool)
    for a, b in true_runs(mask):
        if b - a >= min_len:
            out[a:b] = True
    return out
