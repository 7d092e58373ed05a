"""`--columns` and `--units`: read any CSV by naming its time, accelerometer and gyroscope columns and units.

`--columns time=ts,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,gyr_z=gz` (all seven keys; a name may not hold
`=` or `,`) and `--units time=ms,acc=g,gyr=dps` (any of the three; default s, m/s², rad/s).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from sensors.formats.decoded import Decoded
from sensors.formats.table import FormatError, Table

HEADER_MIN_NAMES = 4  # a line holding this many of the mapped names is the header (the rest are then reported)
KEYS = ("time", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
# unit → (scale to SI, spellings accepted)
TIME_UNITS = {"s": (1.0, ("s", "sec")), "ms": (1e-3, ("ms",)), "us": (1e-6, ("us", "µs", "μs")),
              "ns": (1e-9, ("ns",))}
ACC_UNITS = {"mps2": (1.0, ("mps2", "m/s2", "m/s^2", "m/s²")), "g": (9.80665, ("g",)),
             "mg": (9.80665e-3, ("mg", "milli-g"))}
GYR_UNITS = {"rads": (1.0, ("rads", "rad/s")), "dps": (math.pi / 180.0, ("dps", "deg/s", "°/s"))}
UNIT_TABLES = {"time": TIME_UNITS, "acc": ACC_UNITS, "gyr": GYR_UNITS}
# The unit checks' advice is worded for column names; for a mapped file the fix is a --units value.
HINTS = (
    (re.compile(r"divide it by 1\b(?![.e])"), "pass --units time=s"),
    (re.compile(r"divide it by 1000 and name the columns acc_\*_g"), "pass --units acc=mg"),
    (re.compile(r"divide it by 1000\b"), "pass --units time=ms"),
    (re.compile(r"divide it by 1e\+06"), "pass --units time=us"),
    (re.compile(r"divide it by 1e\+09"), "pass --units time=ns"),
    (re.compile(r"rename the columns acc_\*_g"), "pass --units acc=g"),
    (re.compile(r"rename the columns acc_\*_mps2"), "pass --units acc=mps2"),
    (re.compile(r"rename the columns gyr_\*_dps"), "pass --units gyr=dps"),
    (re.compile(r"store m/s² \(× 9\.80665\)"), "pass --units acc=g"),
    (re.compile(r"store rad/s \(× π/180\)"), "pass --units gyr=dps"),
)


class ColumnMapError(ValueError):
    """A malformed --columns or --units value; the message names the option and the bad part."""


@dataclass(frozen=True)
class ColumnMap:
    """The file's column name for each of KEYS, and the units of time, acceleration and angular rate."""

    names: tuple[str, ...]
    time_unit: str = "s"
    acc_unit: str = "mps2"
    gyr_unit: str = "rads"

    @property
    def scale(self) -> tuple[float, float, float]:
        """Factors to s, m/s², rad/s."""
        return (TIME_UNITS[self.time_unit][0], ACC_UNITS[self.acc_unit][0], GYR_UNITS[self.gyr_unit][0])


def _pairs(option: str, text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ColumnMapError(f"{option}: {part.strip()!r} is not KEY=VALUE")
        if key in out:
            raise ColumnMapError(f"{option}: {key} given twice")
        out[key] = value
    return out


def _unit(kind: str, text: str) -> str:
    for unit, (_, spellings) in UNIT_TABLES[kind].items():
        if text in spellings:
            return unit
    options = ", ".join(UNIT_TABLES[kind])
    raise ColumnMapError(f"--units: unknown {kind} unit {text!r} (one of {options})")


def parse(columns: str | None, units: str | None) -> ColumnMap | None:
    """The map given by the two options' texts, or None when neither was given."""
    if columns is None:
        if units is not None:
            raise ColumnMapError("--units needs --columns (a CSV with repscope's own column names carries its units"
                                 " in them: acc_x_g, gyr_x_dps)")
        return None
    given = _pairs("--columns", columns)
    unknown = [k for k in given if k not in KEYS]
    if unknown:
        raise ColumnMapError(f"--columns: unknown key(s) {', '.join(unknown)} (keys: {', '.join(KEYS)})")
    missing = [k for k in KEYS if k not in given]
    if missing:
        raise ColumnMapError(f"--columns: missing {', '.join(missing)} (all of {', '.join(KEYS)} are needed)")
    names = tuple(given[k] for k in KEYS)
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ColumnMapError(f"--columns: column {twice[0]!r} mapped to more than one key")
    u = _pairs("--units", units) if units else {}
    bad = [k for k in u if k not in UNIT_TABLES]
    if bad:
        raise ColumnMapError(f"--units: unknown key(s) {', '.join(bad)} (keys: time, acc, gyr)")
    picked = {k: _unit(k, v) for k, v in u.items()}
    return ColumnMap(names, picked.get("time", "s"), picked.get("acc", "mps2"), picked.get("gyr", "rads"))


def hint(problem: str) -> str:
    """A unit-check message with its advice reworded for --units."""
    for pattern, replacement in HINTS:
        problem = pattern.sub(replacement, problem)
    return problem


def decode(table: Table, cmap: ColumnMap) -> Decoded:
    """The mapped columns of `table` as a `Decoded`: time from the first sample in the file's unit (integer clocks
    subtracted exactly, a nanosecond epoch included) with its scale to s; acceleration handed on in g or m/s²."""
    values = table.numbers(cmap.names)
    values[:, 0] = _from_first(table, cmap.names[0], values[:, 0])
    t_scale, _, gyr_scale = cmap.scale
    acc_unit = "mps2" if cmap.acc_unit == "mps2" else "g"
    if cmap.acc_unit == "mg":
        values[:, 1:4] *= 1e-3
    acc_scale = ACC_UNITS[acc_unit][0]
    scale = np.array([t_scale] + [acc_scale] * 3 + [gyr_scale] * 3)
    names = (f"time from {cmap.names[0]}", *cmap.names[1:])
    return Decoded(values, scale, names, table.linenos, "CSV (--columns)", acc_unit, cmap.gyr_unit)


def _from_first(table: Table, name: str, t: np.ndarray) -> np.ndarray:
    """The time column less its first finite value, in its own unit; by int64 arithmetic when every cell is an
    integer (an epoch in ns is ~1.8e18: beyond float64's exact integers)."""
    if len(t) == 0:
        return t
    try:
        ticks = table.integers(name)
    except FormatError:
        finite = t[np.isfinite(t)]
        return t - finite[0] if len(finite) else t
    return (ticks - ticks[0]).astype(np.float64)


# Header names read as a column of KEYS when --columns is not given (lower case, without non-alphanumerics and a
# trailing unit in brackets): `timestamp`, `ax`, `acc_x`, `Accelerometer X`, `gyroX`, `Gyroscope x (rad/s)`, …
GUESS_TIME = ("time", "timestamp", "ts", "t", "times", "timems", "timeus", "timens", "timestampms", "timestampns",
              "timestampus", "epoch", "epochms", "elapsed", "elapsedtime", "secondselapsed", "timesec")
GUESS_ACC = ("a", "acc", "accel", "accelerometer", "acceleration", "accelerationwithg", "totalacc",
             "totalacceleration")
GUESS_GYR = ("g", "gyr", "gyro", "gyroscope", "w", "omega", "rot", "rotationrate", "angularvelocity", "angvel")
_UNIT_TAIL = re.compile(r"[\(\[].*?[\)\]]\s*$")


def _plain(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", _UNIT_TAIL.sub("", name).lower())


def guess(columns: tuple[str, ...]) -> tuple[str, ...] | None:
    """A column name for each of KEYS read from the header's own names (each key matched by exactly one column),
    or None."""
    plain = [_plain(c) for c in columns]
    wanted = [GUESS_TIME] + [tuple(p + ax for p in GUESS_ACC) for ax in "xyz"] + [
        tuple(p + ax for p in GUESS_GYR) for ax in "xyz"]
    picked = []
    for spellings in wanted:
        hits = [c for c, p in zip(columns, plain) if p in spellings]
        if len(hits) != 1:
            return None
        picked.append(hits[0])
    return tuple(picked) if len(set(picked)) == len(picked) else None


def suggestion(names: tuple[str, ...], units: tuple[str | None, str | None, str | None]) -> str:
    """`--columns …` (and `--units …` for units other than s, m/s², rad/s) as one would type them."""
    text = "--columns " + ",".join(f"{k}={n}" for k, n in zip(KEYS, names))
    given = [f"{k}={u}" for k, u, default in zip(("time", "acc", "gyr"), units, ("s", "mps2", "rads"))
             if u is not None and u != default]
    return text + (" --units " + ",".join(given) if given else "")
