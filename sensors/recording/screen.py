"""One sensor's parsed samples screened and scaled to SI: the checks every route runs."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from sensors import validate
from sensors.batch import SensorInfo
from sensors.recording.model import (
    MAX_SKIPPED_FRACTION, Columns, Event, NeedsValidatingPath, SensorStream, error_at, warn_at,
)


def gaps_of(events: Sequence[Event], sensor_id: str) -> tuple[tuple[float, float], ...]:
    return tuple((e.info["after_s"], e.t_s) for e in events if e.kind == "gap" and e.sensor_id == sensor_id)


def _check_time(path, t_s: np.ndarray, linenos: np.ndarray | None, sensor_id: str | None,
                name: str = "time_s") -> None:
    """Strictly increasing time, or an error naming the line (fast path: hand over to the validating path)."""
    if len(t_s) == 0:
        return
    dt = np.diff(t_s)
    bad = np.flatnonzero(dt <= 0)
    if bad.size:
        if linenos is None:
            raise NeedsValidatingPath
        i = bad[0] + 1
        kind = "duplicate" if dt[bad[0]] == 0 else "non-monotonic"
        label = f" for sensor {sensor_id}" if sensor_id else ""
        raise error_at(path, int(linenos[i]), f"{kind} {name} {float(t_s[i])!r} after {float(t_s[i - 1])!r}{label}")


def _expand(indices: np.ndarray, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[indices] = True
    return mask


def _time_flags(values: np.ndarray, keep: np.ndarray, gaps: Sequence[tuple[float, float]]) -> list[validate.Flag]:
    idx = np.flatnonzero(keep)
    jumps = validate.time_outliers(values[idx, 0], [g[1] for g in gaps])
    if not jumps.any():
        return []
    first = values[idx[jumps][0], 0]
    reason = f"time_s {first:.6g} is far off its neighbours (timestamp outlier)"
    return [validate.Flag(_expand(idx[jumps], len(values)), reason)]


def _screen(path, info: SensorInfo, values: np.ndarray, linenos: np.ndarray | None, gaps, cols: Columns,
            sensor_id: str | None) -> np.ndarray:
    """Mask of the samples to keep. Bad samples (non-finite, isolated timestamp outliers, out of range) are
    skipped with one warning per reason; disordered time, unit mistakes and too many bad samples raise.
    With `linenos` None (the fast path), anything to report raises `NeedsValidatingPath` instead."""
    nonfinite = validate.nonfinite(values, cols.names)
    flags = [nonfinite] if nonfinite else []
    keep = ~nonfinite.mask if nonfinite else np.ones(len(values), dtype=bool)
    flags += _time_flags(values, keep, gaps)
    keep = ~np.logical_or.reduce([f.mask for f in flags]) if flags else keep
    if flags and linenos is None:
        raise NeedsValidatingPath
    kept = values if keep.all() else values[keep]  # no copy of a clean table
    _check_time(path, kept[:, 0], None if linenos is None else linenos[keep], sensor_id, cols.names[0])
    norms = validate.norms(kept, cols.scale)  # once for the unit and the range checks
    problem = validate.unit_problem(kept, cols.scale, cols.acc_unit, cols.gyr_unit, cols.generic, norms)
    if problem:
        raise error_at(path, None, f"sensor {sensor_id}: {problem}" if sensor_id else problem)
    idx = np.flatnonzero(keep)
    for f in validate.out_of_range(kept, cols.scale, cols.names, info.acc_range_g, info.gyr_range_dps, norms):
        flags.append(validate.Flag(_expand(idx[f.mask], len(values)), f.reason))
    if not flags:
        return keep
    if linenos is None:
        raise NeedsValidatingPath
    _report_skipped(path, flags, linenos, sensor_id)
    return ~np.logical_or.reduce([f.mask for f in flags])


def _report_skipped(path, flags: Sequence[validate.Flag], linenos: np.ndarray, sensor_id: str | None) -> None:
    """One warning per reason; an error when more than MAX_SKIPPED_FRACTION of the samples are bad."""
    n = len(linenos)
    count = int(np.logical_or.reduce([f.mask for f in flags]).sum())
    of = f" of sensor {sensor_id}" if sensor_id else ""
    if count > MAX_SKIPPED_FRACTION * n:
        first = min(flags, key=lambda f: f.first)
        problem = f"{first.reason}; {count} of {n} samples{of} are bad, too many to skip"
        raise error_at(path, int(linenos[first.first]), problem)
    for f in flags:
        k = int(f.mask.sum())
        what = "sample skipped" if k == 1 else f"{k} such samples{of} skipped"
        warn_at(path, int(linenos[f.first]), f"{f.reason}: {what}")


def build_stream(path, info: SensorInfo, values: np.ndarray, linenos: np.ndarray | None, gaps, cols: Columns,
                 sensor_id: str | None) -> tuple[SensorStream, int]:
    """A validated stream from raw (n, 7) values in file units, and the number of samples left out (skipped as
    bad, or repeats of a time folded into one sample)."""
    values, linenos, folded = _fold_equal_times(path, values, linenos, sensor_id)
    keep = _screen(path, info, values, linenos, gaps, cols, sensor_id)
    v = values if keep.all() else values[keep]
    s = cols.scale  # each product is the column's own copy: no scaled copy of the whole table beside it
    stream = SensorStream(info, v[:, 0] * s[0], v[:, 1:4] * s[1:4], v[:, 4:7] * s[4:7], tuple(gaps))
    return stream, int((~keep).sum()) + folded


def _fold_equal_times(path, values: np.ndarray, linenos: np.ndarray | None, sensor_id: str | None
                      ) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Consecutive samples at one time folded into one: a repeat of the previous row (time and values alike) is
    dropped; differing samples at one time are averaged (the mean of each value, at their time, on the first
    one's line). Each with one warning that counts them; the fast path hands such a file to the validating one.
    (values, linenos, samples removed); the arrays themselves when no time repeats."""
    t = values[:, 0]
    same_time = t[1:] == t[:-1]
    if not same_time.any():
        return values, linenos, 0
    if linenos is None:
        raise NeedsValidatingPath
    repeat = same_time & (values[1:] == values[:-1]).all(axis=1)
    of = f" of sensor {sensor_id}" if sensor_id else ""
    if repeat.any():
        first = int(np.flatnonzero(repeat)[0]) + 1
        warn_at(path, int(linenos[first]), f"{int(repeat.sum())} sample(s){of} repeat the previous one exactly"
                f" (time_s and values): dropped")
        kept = np.concatenate([[True], ~repeat])
        values, linenos = values[kept], linenos[kept]
        t = values[:, 0]
        same_time = t[1:] == t[:-1]
    removed = int(repeat.sum())
    if same_time.any():
        starts = np.flatnonzero(np.concatenate([[True], ~same_time]))
        counts = np.diff(np.append(starts, len(values)))
        shared = int(np.flatnonzero(counts > 1)[0])
        warn_at(path, int(linenos[starts[shared]]), f"{int((counts > 1).sum())} time(s){of} hold differing samples"
                f" (first at {float(t[starts[shared]])!r}): each averaged into one sample")
        values = np.add.reduceat(values, starts, axis=0) / counts[:, None]
        values[:, 0] = t[starts]  # the time itself, not a mean of equal numbers (bit for bit)
        removed += int(len(linenos) - len(starts))
        linenos = linenos[starts]
    return values, linenos, removed
