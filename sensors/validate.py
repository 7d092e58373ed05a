"""Plausibility checks on one sensor's decoded samples: which samples to skip, and unit mistakes to refuse.

Pure, vectorised numpy over a whole stream (the reader's fast path must stay fast). `values` is the (n, 7) block
`time, acc x/y/z, gyr x/y/z` in the file's own units and `scale` the (7,) factors to s, m/s² and rad/s.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

STANDARD_GRAVITY_MPS2 = 9.80665
ACC_PHYSICAL_MAX_MPS2 = 50 * STANDARD_GRAVITY_MPS2  # |acc| above 50 g: no body-worn IMU measures that
GYR_PHYSICAL_MAX_RADS = 70.0  # |gyr| above 70 rad/s (4000 °/s): beyond any consumer gyroscope
RANGE_MARGIN = 1.1  # a declared full-scale range is exceeded only by corrupt values (saturation stays inside)
TIME_OUTLIER_MIN_S = 1.0  # a timestamp this far (and TIME_OUTLIER_INTERVALS intervals) off is not jitter
TIME_OUTLIER_INTERVALS = 100
GRAVITY_TOLERANCE = 0.15  # median |acc| at rest within ±15 % of 1 g
REST_QUANTILE = 0.25  # samples with the slowest rotation count as "at rest"
RATE_MIN_HZ, RATE_MAX_HZ = 10.0, 2000.0
GYR_QUANTILE = 0.99
GYR_P99_MAX_RADS = 35.0  # 2000 °/s, the largest common full scale: a higher 99th percentile is not rad/s
# The unit checks ignore values impossible in every unit they recognise (50 g in milli-g, 70 rad/s in °/s).
ACC_ANY_UNIT_MAX = 50 * 1000.0
GYR_ANY_UNIT_MAX = math.degrees(GYR_PHYSICAL_MAX_RADS)
UNIT_CHECK_MIN_SAMPLES = 20
ALL_TIME_UNITS = (("seconds", 1.0), ("milliseconds", 1e3), ("microseconds", 1e6), ("nanoseconds", 1e9))
TIME_UNIT_KEYS = {"seconds": "s", "milliseconds": "ms", "microseconds": "us", "nanoseconds": "ns"}


@dataclass(frozen=True)
class Flag:
    """Samples to skip for one reason: `mask` over the stream; `reason` describes the first of them."""

    mask: np.ndarray
    reason: str

    @property
    def first(self) -> int:
        return int(np.flatnonzero(self.mask)[0])


@dataclass(frozen=True)
class Norms:
    """Per sample (n,): |acc| and |gyr| in the file's units and in SI (m/s², rad/s; the same arrays as the file's
    where the scale is 1, as in a v1 file: x × 1.0 is x), computed once for the unit and range checks."""

    acc_raw: np.ndarray
    acc_si: np.ndarray
    gyr_raw: np.ndarray
    gyr_si: np.ndarray


def norm3(v: np.ndarray) -> np.ndarray:
    """Row norms of an (n, 3) array: bit for bit `np.linalg.norm(v, axis=1)` (its sum of squares runs over the
    three in order), without its (n, 3) temporary; ~3× faster."""
    return np.sqrt(v[:, 0] * v[:, 0] + v[:, 1] * v[:, 1] + v[:, 2] * v[:, 2])


def norms(values: np.ndarray, scale: np.ndarray) -> Norms:
    """The `Norms` of an (n, 7) block in file units with its (7,) scale to SI."""
    acc, gyr = slice(1, 4), slice(4, 7)
    with np.errstate(over="ignore", invalid="ignore"):
        acc_raw, gyr_raw = norm3(values[:, acc]), norm3(values[:, gyr])
        acc_si = acc_raw if np.all(scale[acc] == 1.0) else norm3(values[:, acc] * scale[acc])
        gyr_si = gyr_raw if np.all(scale[gyr] == 1.0) else norm3(values[:, gyr] * scale[gyr])
    return Norms(acc_raw, acc_si, gyr_raw, gyr_si)


def _number(x: float) -> str:
    return f"{x:.6g}"


def nonfinite(values: np.ndarray, names: Sequence[str]) -> Flag | None:
    """Samples with a NaN or infinite value."""
    if np.isfinite(values).all():
        return None  # one pass over the block, not a mask per row
    bad = ~np.isfinite(values)
    rows = bad.any(axis=1)
    if not rows.any():
        return None
    r = int(np.flatnonzero(rows)[0])
    c = int(np.flatnonzero(bad[r])[0])
    return Flag(rows, f"{names[c]} is {values[r, c]} (NaN/inf)")


def time_outliers(t_s: np.ndarray, gap_ends: Sequence[float] = ()) -> np.ndarray:
    """Isolated timestamp outliers: a sample far off both neighbours (which agree with each other), or a first
    or last sample far from its only neighbour (unless a recorded gap ends there). Far = TIME_OUTLIER_MIN_S and
    TIME_OUTLIER_INTERVALS median intervals."""
    out = np.zeros(len(t_s), dtype=bool)
    if len(t_s) < 3:
        return out
    with np.errstate(over="ignore", invalid="ignore"):
        dt = np.diff(t_s)
        far = max(TIME_OUTLIER_MIN_S, TIME_OUTLIER_INTERVALS * float(np.median(np.abs(dt))))
        back, fwd = dt[:-1], dt[1:]
        spike = ((back > far) & (fwd < -far)) | ((back < -far) & (fwd > far))
        out[1:-1] = spike & (t_s[2:] > t_s[:-2])
    known_gap = np.isin(t_s[[1, -1]], np.asarray(gap_ends, dtype=np.float64))
    out[0] |= bool(dt[0] < -far or (dt[0] > far and not known_gap[0]))
    out[-1] |= bool(dt[-1] < -far or (dt[-1] > far and not known_gap[1]))
    return out


def _axis_limit(values: np.ndarray, scale: np.ndarray, cols: slice, limit: float, names, what: str):
    over = np.abs(values[:, cols] * scale[cols]) > limit

    def describe(r: int) -> str:
        c = int(np.flatnonzero(over[r])[0]) + cols.start
        return f"{names[c]} {_number(values[r, c])} is outside {what}"

    return over.any(axis=1), describe


def _norm_limit(norm: np.ndarray, limit: float, label: str, unit: str):
    def describe(r: int) -> str:
        return f"|{label}| {_number(norm[r])} {unit} is physically impossible (over {limit:.0f} {unit})"

    return norm > limit, describe


def out_of_range(
    values: np.ndarray, scale: np.ndarray, names: Sequence[str], acc_range_g: float, gyr_range_dps: float,
    known: Norms | None = None,
) -> list[Flag]:
    """Samples outside the declared full-scale range (when known, with RANGE_MARGIN) or physically impossible;
    each sample under the first reason that applies. `known`: the block's `norms`, if computed already."""
    acc, gyr = slice(1, 4), slice(4, 7)
    n = norms(values, scale) if known is None else known
    flags, taken = [], np.zeros(len(values), dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        checks = []
        if math.isfinite(acc_range_g):
            checks.append(_axis_limit(values, scale, acc, acc_range_g * STANDARD_GRAVITY_MPS2 * RANGE_MARGIN, names,
                                      f"the sensor's range ±{acc_range_g:g} g"))
        if math.isfinite(gyr_range_dps):
            checks.append(_axis_limit(values, scale, gyr, math.radians(gyr_range_dps) * RANGE_MARGIN, names,
                                      f"the sensor's range ±{gyr_range_dps:g} °/s"))
        checks.append(_norm_limit(n.acc_si, ACC_PHYSICAL_MAX_MPS2, "acc", "m/s²"))
        checks.append(_norm_limit(n.gyr_si, GYR_PHYSICAL_MAX_RADS, "gyr", "rad/s"))
        for rows, describe in checks:
            rows = rows & ~taken
            if rows.any():
                flags.append(Flag(rows, describe(int(np.flatnonzero(rows)[0]))))
                taken |= rows
    return flags


# ---------------------------------------------------------------------------------------------------------- units


def _near(x: float, target: float) -> bool:
    return abs(x - target) <= GRAVITY_TOLERANCE * target


def _time_problem(t_raw: np.ndarray, scale_s: float) -> str | None:
    """`t_raw`: the time column in the file's numbers, `scale_s` what they were taken to be (1: seconds). The unit
    named is the one the numbers themselves are in, whatever they were taken for."""
    if len(t_raw) < 2:
        return None
    interval = float(np.median(np.diff(t_raw)))
    rate = 1.0 / (interval * scale_s)
    if RATE_MIN_HZ <= rate <= RATE_MAX_HZ:
        return None
    taken = "time_s" if scale_s == 1.0 else "time"
    declared = next((u for u, per_s in ALL_TIME_UNITS if math.isclose(per_s * scale_s, 1.0)), "the unit given")
    unit = time_unit_of(interval)
    if unit is not None:
        name, per_s = unit
        return (f"{taken} looks like {name}, not {declared} (median interval {interval:.3g} → {rate:.3g} Hz):"
                f" divide it by {per_s:g}")
    return (f"implausible sample rate {rate:.3g} Hz from the median interval {interval:.3g}"
            f"{' s' if scale_s == 1.0 else ''} (expected {RATE_MIN_HZ:g}–{RATE_MAX_HZ:g} Hz): is {taken} in"
            f" {declared}?")


def time_unit_of(interval: float) -> tuple[str, float] | None:
    """(name, ticks per second) of the one time unit in which a median sample interval of `interval` (the file's
    numbers) gives a rate of RATE_MIN_HZ–RATE_MAX_HZ (the units are 1000× apart, the band 200× wide), or None."""
    if not interval > 0:
        return None
    return next(((name, per_s) for name, per_s in ALL_TIME_UNITS if RATE_MIN_HZ <= per_s / interval <= RATE_MAX_HZ),
                None)


def guess_units(t_raw: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> tuple[str | None, str | None, str | None]:
    """The units a table's time (n,), acceleration (n, 3) and angular rate (n, 3) columns look like, by the checks
    above: time 's', 'ms', 'us' or 'ns' (the rate 10–2000 Hz), acceleration 'mps2', 'g' or 'mg' (gravity at
    rest), angular rate 'rads' or 'dps' (the 99th percentile); None where nothing fits (or too few samples)."""
    with np.errstate(over="ignore", invalid="ignore"):
        unit = time_unit_of(float(np.median(np.diff(t_raw)))) if len(t_raw) > 1 else None
        time = None if unit is None else TIME_UNIT_KEYS[unit[0]]
        if len(t_raw) < UNIT_CHECK_MIN_SAMPLES:
            return time, None, None
        acc_norm, gyr_norm = norm3(acc), norm3(gyr)
        rest = (gyr_norm <= np.quantile(gyr_norm, REST_QUANTILE)) & (acc_norm <= ACC_ANY_UNIT_MAX)
        at_rest = float(np.median(acc_norm[rest])) if rest.any() else math.nan
        acc_unit = next((u for u, g in (("mps2", STANDARD_GRAVITY_MPS2), ("g", 1.0), ("mg", 1000.0))
                         if _near(at_rest, g)), None)
        gyr_norm = gyr_norm[gyr_norm <= GYR_ANY_UNIT_MAX]
        p99 = float(np.quantile(gyr_norm, GYR_QUANTILE)) if len(gyr_norm) else math.nan
        gyr_unit = "rads" if p99 <= GYR_P99_MAX_RADS else ("dps" if math.radians(p99) <= GYR_P99_MAX_RADS else None)
    return time, acc_unit, gyr_unit


def _acc_problem(acc_norm: np.ndarray, gyr_norm: np.ndarray, acc_unit: str, generic: bool) -> str | None:
    """`acc_norm`: |acc| in the file's unit, `gyr_norm`: |gyr| in rad/s."""
    rest = (gyr_norm <= np.quantile(gyr_norm, REST_QUANTILE)) & (acc_norm <= ACC_ANY_UNIT_MAX)
    if not rest.any():
        return None  # every resting sample is impossible: skipped as such
    raw = float(np.median(acc_norm[rest]))
    si = raw * (STANDARD_GRAVITY_MPS2 if acc_unit == "g" else 1.0)
    if _near(si, STANDARD_GRAVITY_MPS2):
        return None
    shown = f"(median |acc| at rest {raw:.2f})"
    if acc_unit == "mps2" and _near(raw, 1.0):
        fix = "rename the columns acc_*_g" if generic else "store m/s² (× 9.80665)"
        return f"acceleration looks like g, not m/s² {shown}: {fix}"
    if acc_unit == "g" and _near(raw, STANDARD_GRAVITY_MPS2):
        return f"acceleration looks like m/s², not g {shown}: rename the columns acc_*_mps2"
    if _near(raw, 1000.0):
        return f"acceleration looks like milli-g {shown}: divide it by 1000 and name the columns acc_*_g"
    return (f"median |acc| at rest is {si:.3g} m/s², not ≈ {STANDARD_GRAVITY_MPS2:.2f} (gravity):"
            " check the accelerometer's units and scale")


def _gyr_problem(norm: np.ndarray, gyr_unit: str, generic: bool) -> str | None:
    """`norm`: |gyr| in the file's unit."""
    norm = norm[norm <= GYR_ANY_UNIT_MAX]
    if len(norm) == 0:
        return None
    p99 = float(np.quantile(norm, GYR_QUANTILE))
    p99_si = p99 if gyr_unit == "rads" else math.radians(p99)
    if p99_si <= GYR_P99_MAX_RADS:
        return None
    shown = f"(99th percentile |gyr| {p99:.1f})"
    if gyr_unit == "rads" and math.radians(p99) <= GYR_P99_MAX_RADS:
        fix = "rename the columns gyr_*_dps" if generic else "store rad/s (× π/180)"
        return f"angular rate looks like °/s, not rad/s {shown}: {fix}"
    return f"angular rate is implausibly large {shown}: check the gyroscope's units and scale"


def unit_problem(values: np.ndarray, scale: np.ndarray, acc_unit: str, gyr_unit: str, generic: bool,
                 known: Norms | None = None) -> str | None:
    """One line naming the unit mistakes the samples look like (time, acceleration, angular rate), or None.

    Uses robust statistics only (medians, the 99th percentile), so a few corrupt samples cannot trigger it; the
    gravity and rotation checks need UNIT_CHECK_MIN_SAMPLES (a sensor that sent a handful says nothing reliable).
    `known`: the block's `norms`, if computed already.
    """
    if len(values) == 0:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        problems = [_time_problem(values[:, 0], float(scale[0]))]
        if len(values) >= UNIT_CHECK_MIN_SAMPLES:
            n = norms(values, scale) if known is None else known
            problems.append(_acc_problem(n.acc_raw, n.gyr_si, acc_unit, generic))
            problems.append(_gyr_problem(n.gyr_raw, gyr_unit, generic))
    found = [p for p in problems if p]
    return "; ".join(found) if found else None
