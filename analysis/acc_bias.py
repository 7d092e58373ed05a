"""The accelerometer's bias from the set's own still poses (a multi-position calibration, done in passing).

A consumer accelerometer is off by tens of mg per axis. At rest it reads gravity plus that bias, so the
orientation filter's "up" leans by the bias's share across gravity: ~1.5° for 25 mg. The lean differs between
two poses — standing and the supine lockout of a hip thrust put gravity on different sensor axes — so it does
not cancel in the pelvis tilt, which compares the two, and it leaks into the vertical acceleration the rise is
integrated from. Every still pose reads a vector whose length must be g: the holds at the bottom and the top of
each rep, and standing, are enough poses to see the bias along the directions they span (the sagittal plane on
a hip thrust: the one the tilt needs). Along a direction no pose spans, the fit keeps its prior, zero.

Method: means of still windows (gyro and accelerometer quiet); the bias `b` minimising
Σ (|w_i − b| − g)² / σ_r² (the windows count as `effective_windows` independent ones: several come from one hold)
+ |b|² / σ_b², by Gauss-Newton (3 unknowns).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis import line_fit

G_MPS2 = 9.80665


@dataclass(frozen=True)
class AccBiasParams:
    """Named defaults of the bias fit (m/s², s, rad/s)."""

    window_s: float = 0.3  # still windows of this length
    max_rate_rads: float = 0.05  # ~3°/s: the segment does not turn
    max_acc_sd_mps2: float = 0.1  # nor shake
    min_windows: int = 6
    effective_windows: float = 10.0  # what all windows together weigh: the holds are few, their windows many
    residual_sd_mps2: float = 0.01  # a still window's length error: sway, noise and the scale error's share
    prior_sd_mps2: float = 0.1  # the bias per axis a priori (≈ 10 mg): data decide only where poses span it
    max_bias_mps2: float = 1.5  # a larger fit is not a bias (a sensor that moved in its strap): not applied
    iterations: int = 8


ACC_BIAS = AccBiasParams()


def still_means(t_s: np.ndarray, acc_mps2: np.ndarray, gyr_rads: np.ndarray,
                params: AccBiasParams = ACC_BIAS) -> np.ndarray:
    """(k, 3) mean accelerometer reading of each still window (sensor frame, m/s²), all windows at once (an hour
    holds ~12,000)."""
    if len(t_s) < 2:
        return np.zeros((0, 3))
    edges = np.searchsorted(t_s, np.arange(t_s[0], t_s[-1], params.window_s))
    start, stop = edges[:-1], edges[1:]
    keep = stop - start >= 5
    start, stop = start[keep], stop[keep]
    if not len(start):
        return np.zeros((0, 3))
    idx, group = line_fit.windows(start, stop)
    count = np.bincount(group)
    d = acc_mps2[idx] - acc_mps2[start][group]  # about each window's first sample: no cancellation in the spread

    def per_window(x: np.ndarray) -> np.ndarray:
        return np.column_stack([np.bincount(group, x[:, k]) for k in range(x.shape[1])]) / count[:, None]

    mean_d = per_window(d)
    var = per_window(d * d) - mean_d**2
    speed_max = np.maximum.reduceat(np.linalg.norm(gyr_rads[idx], axis=1), np.cumsum(count) - count)
    still = (speed_max < params.max_rate_rads) & (np.sqrt(np.maximum(var, 0.0).sum(axis=1)) < params.max_acc_sd_mps2)
    return (acc_mps2[start] + mean_d)[still]


def fit_bias(windows: np.ndarray, params: AccBiasParams = ACC_BIAS) -> np.ndarray | None:
    """The bias (3,) m/s² that makes every still window's length g, or None (too few windows, or no bias-like
    answer)."""
    if len(windows) < params.min_windows:
        return None
    w_res = params.effective_windows / len(windows) / params.residual_sd_mps2**2
    w_prior = 1.0 / params.prior_sd_mps2**2
    b = np.zeros(3)
    for _ in range(params.iterations):
        d = windows - b
        n = np.linalg.norm(d, axis=1)
        r = n - G_MPS2
        jac = -d / n[:, None]
        lhs = w_res * jac.T @ jac + w_prior * np.eye(3)
        rhs = -(w_res * jac.T @ r + w_prior * b)
        b = b + np.linalg.solve(lhs, rhs)
    return b if np.linalg.norm(b) <= params.max_bias_mps2 else None


def without_bias(t_s: np.ndarray, acc_mps2: np.ndarray, gyr_rads: np.ndarray,
                 params: AccBiasParams = ACC_BIAS) -> tuple[np.ndarray, np.ndarray | None]:
    """The accelerometer samples with the fitted bias removed, and the bias (None: left as measured)."""
    b = fit_bias(still_means(t_s, acc_mps2, gyr_rads, params), params)
    return (acc_mps2 if b is None else acc_mps2 - b), b
