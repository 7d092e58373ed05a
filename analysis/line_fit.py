"""Least-squares lines fitted to many groups of points at once (one group per stroke or window; thousands in an
hour-long recording): the windows' sample indices laid end to end, each group's line and where it crosses zero."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def windows(start: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sample indices of the windows [start, stop) laid end to end, and the window each belongs to."""
    n = np.maximum(stop - start, 0)
    group = np.repeat(np.arange(len(n)), n)
    offsets = np.cumsum(n) - n
    return np.arange(int(n.sum())) - np.repeat(offsets - start, n), group


@dataclass(frozen=True)
class Lines:
    """Least-squares lines, one per group: where each crosses y = 0, whether it exists, its slope and the slope's
    standard error."""

    zero: np.ndarray
    ok: np.ndarray
    slope: np.ndarray
    slope_se: np.ndarray


_FLAT_CORRELATION = 1e-9  # a line's |r| below this is rounding, not a slope (numerical, not a tuning number)


def line_zeros(x: np.ndarray, y: np.ndarray, group: np.ndarray, k: int, min_points: int) -> Lines:
    """Per group (0..k-1) of points, the least-squares line through (x, y); it exists with at least `min_points`,
    not flat, not vertical. Centred sums: times are thousands of s. Flat: every y equal, or a correlation at the
    sums' rounding (`_FLAT_CORRELATION`; equal ends, 2.1 2.5 2.1, leave a slope of ~1e-17 whose zero lies anywhere
    and whose sign is the summation order's)."""
    count = np.bincount(group, minlength=k)
    first = np.minimum(np.searchsorted(group, np.arange(k)), max(len(y) - 1, 0))
    varies = np.bincount(group, y != y[first[group]], minlength=k) > 0 if len(y) else np.zeros(k, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = np.bincount(group, x, minlength=k) / count
        ym = np.bincount(group, y, minlength=k) / count
        dx, dy = x - xm[group], y - ym[group]
        sxx = np.bincount(group, dx * dx, minlength=k)
        sxy = np.bincount(group, dx * dy, minlength=k)
        slope = sxy / sxx
        syy = np.bincount(group, dy * dy, minlength=k)
        sloped = np.abs(sxy) > _FLAT_CORRELATION * np.sqrt(sxx * syy)
        ok = (count >= min_points) & varies & sloped & (sxx != 0.0) & (slope != 0.0) & np.isfinite(slope)
        residual = np.maximum(syy - slope * sxy, 0.0)
        slope_se = np.sqrt(residual / np.maximum(count - 2, 1) / sxx)
        return Lines(np.where(ok, xm - ym / slope, np.nan), ok, slope, slope_se)


def root_lines(t: np.ndarray, value: np.ndarray, group: np.ndarray, k: int, powers: tuple[float, ...],
                min_points: int) -> list[Lines]:
    """Per power p, the lines of value ** (1 / p) against t (a start growing as τ^p is linear under the p-th root)."""
    return [line_zeros(t, value ** (1.0 / p), group, k, min_points) for p in powers]


def in_band(value: np.ndarray, group: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return (value >= lo[group]) & (value <= hi[group])
