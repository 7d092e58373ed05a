"""`--columns` and `--units`: read any CSV by naming its time, accelerometer and gyroscope columns and units.

`--columns time=ts,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,gyr_z=gz` (all seven keys; a name may not hold
`=` or `,`) and `--units time=ms,acc=g,gyr=dps` (any of the three; default s, m/s², rad/s).

An app that writes the accelerometer and the gyroscope to two files is read with one map per file, joined by
`;` (the CLI joins a repeated `--columns` so): FILE's map names `time` and one sensor's three axes, the other's
starts with `file=NAME` (beside FILE, or a path) and names its `time` and the other sensor's axes. `--units`
applies to both. The two are merged as the phone apps' pairs are: the gyroscope interpolated onto the
accelerometer's times (`merge.onto_clock`), from the earlier file's first time.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from sensors.formats import merge
from sensors.formats.decoded import Decoded
from sensors.formats.table import FormatError, Table, error

HEADER_MIN_NAMES = 4  # a line holding this many of the mapped names is the header (the rest are then reported)
KEYS = ("time", "acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")
SENSOR_KEYS = {"acc": KEYS[1:4], "gyr": KEYS[4:]}
MAP_SEPARATOR = ";"  # between the maps of the two files of a pair
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
class OtherFile:
    """The second file of a pair: its path as given, which sensor it holds ('acc' or 'gyr') and its column names
    of `time` and that sensor's x, y, z."""

    path: str
    sensor: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class ColumnMap:
    """FILE's column name for each of KEYS (for a pair: of `time` and its one sensor's axes, `sensor`), the
    units of time, acceleration and angular rate, and a pair's second file."""

    names: tuple[str, ...]
    time_unit: str = "s"
    acc_unit: str = "mps2"
    gyr_unit: str = "rads"
    other: OtherFile | None = None

    @property
    def sensor(self) -> str | None:
        """For a pair, the sensor FILE holds ('acc' or 'gyr'); None for one file of both."""
        return None if self.other is None else ("gyr" if self.other.sensor == "acc" else "acc")

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
    maps = [_pairs("--columns", part) for part in columns.split(MAP_SEPARATOR) if part.strip()]
    if len(maps) > 2:
        raise ColumnMapError(f"--columns: {len(maps)} maps: one for a file, or one per file of a pair")
    if len(maps) == 2:
        names, other = _pair_maps(*maps)
    else:
        names, other = _one_map(maps[0] if maps else {}), None
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ColumnMapError(f"--columns: column {twice[0]!r} mapped to more than one key")
    u = _pairs("--units", units) if units else {}
    bad = [k for k in u if k not in UNIT_TABLES]
    if bad:
        raise ColumnMapError(f"--units: unknown key(s) {', '.join(bad)} (keys: time, acc, gyr)")
    picked = {k: _unit(k, v) for k, v in u.items()}
    return ColumnMap(names, picked.get("time", "s"), picked.get("acc", "mps2"), picked.get("gyr", "rads"), other)


def _unknown(given: dict[str, str], allowed: tuple[str, ...]) -> None:
    unknown = [k for k in given if k not in allowed]
    if unknown:
        raise ColumnMapError(f"--columns: unknown key(s) {', '.join(unknown)} (keys: {', '.join(allowed)})")


def _one_map(given: dict[str, str]) -> tuple[str, ...]:
    """One file's seven names."""
    if "file" in given:
        raise ColumnMapError("--columns: file= names the second file of a pair: give FILE's map first")
    _unknown(given, KEYS)
    missing = [k for k in KEYS if k not in given]
    if missing:
        raise ColumnMapError(f"--columns: missing {', '.join(missing)} (all of {', '.join(KEYS)} are needed)")
    return tuple(given[k] for k in KEYS)


def _sensor_of(given: dict[str, str], which: str) -> str:
    """'acc' or 'gyr': the one sensor whose three axes (and the time) a pair's map names."""
    held = [k for k, axes in SENSOR_KEYS.items() if all(a in given for a in axes)]
    keys = [k for k in given if k != "file"]
    if len(held) != 1 or "time" not in given or len(keys) != 4:
        raise ColumnMapError(f"--columns: {which}'s map must name time and one sensor's axes (time,acc_x,acc_y,acc_z"
                             f" or time,gyr_x,gyr_y,gyr_z); it names {', '.join(keys) or 'nothing'}")
    return held[0]


def _pair_maps(first: dict[str, str], second: dict[str, str]) -> tuple[tuple[str, ...], OtherFile]:
    """FILE's names (time and its sensor's axes) and the second file's, which names itself with file=."""
    if "file" in first:
        raise ColumnMapError("--columns: FILE's map comes first, without file=; the second map names its file")
    if "file" not in second:
        raise ColumnMapError("--columns: the second map names its file: file=NAME,time=…,gyr_x=… (or acc_x=…)")
    for given in (first, second):
        _unknown(given, ("file", *KEYS))
    mine, theirs = _sensor_of(first, "FILE"), _sensor_of(second, second["file"])
    if mine == theirs:
        raise ColumnMapError(f"--columns: both maps name the {mine} axes: one file each of the accelerometer and"
                             " the gyroscope")
    names = tuple(first[k] for k in ("time", *SENSOR_KEYS[mine]))
    return names, OtherFile(second["file"], theirs, tuple(second[k] for k in ("time", *SENSOR_KEYS[theirs])))


def hint(problem: str) -> str:
    """A unit-check message with its advice reworded for --units."""
    for pattern, replacement in HINTS:
        problem = pattern.sub(replacement, problem)
    return problem


Sibling = Callable[[str, Callable[[tuple[str, ...]], bool]], Table]  # a path and its header test → its Table


def decode(table: Table, cmap: ColumnMap, sibling: Sibling | None = None) -> Decoded:
    """The mapped columns of `table` as a `Decoded`: time from the first sample in the file's unit (integer clocks
    subtracted exactly, a nanosecond epoch included) with its scale to s; acceleration handed on in g or m/s².
    A pair (`cmap.other`) reads its second file with `sibling` and merges the two (`decode_pair`)."""
    if cmap.other is not None:
        if sibling is None:
            raise error(table.path, None, "--columns: a pair's second file cannot be read here")
        return decode_pair(table, cmap, sibling)
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


def other_path(path: str, given: str) -> str:
    """A pair's second file: `given` beside FILE when it is there, else as given (absolute, or from here)."""
    beside = Path(path).parent / given
    return str(beside) if not Path(given).is_absolute() and beside.is_file() else given


def decode_pair(table: Table, cmap: ColumnMap, sibling: Sibling) -> Decoded:
    """FILE and its pair's second file (`cmap.other`), each with its own names, merged on the accelerometer's
    clock: times from the earlier file's first (integer clocks exactly), repeated times folded (counted in the
    remarks), the gyroscope interpolated onto the accelerometer's times where both files cover them."""
    second = cmap.other
    assert second is not None and cmap.sensor is not None  # a pair's map (`decode` asks)
    wanted = set(second.names)
    other = sibling(other_path(table.path, second.path), lambda cells: wanted <= set(cells))
    files = {cmap.sensor: (table, cmap.names), second.sensor: (other, second.names)}
    for t, _ in files.values():
        if not t.rows:
            raise error(t.path, None, "no samples")
    times = _pair_times(files["acc"], files["gyr"], cmap.scale[0])
    parts = {k: _pair_part(*files[k], t_s) for k, t_s in zip(("acc", "gyr"), times)}
    acc, gyr = parts["acc"], parts["gyr"]
    m = merge.onto_clock(acc.t_s, gyr.t_s, gyr.xyz)
    if not m.keep.any():
        raise error(table.path, None, f"--columns: {Path(acc.table.path).name} and {Path(gyr.table.path).name} do"
                    " not overlap in time")
    acc_unit = "mps2" if cmap.acc_unit == "mps2" else "g"
    acc_xyz = acc.xyz * (1e-3 if cmap.acc_unit == "mg" else 1.0)
    values = np.column_stack([acc.t_s[m.keep], acc_xyz[m.keep], m.acc])
    scale = np.array([1.0] + [ACC_UNITS[acc_unit][0]] * 3 + [cmap.scale[2]] * 3)
    labels = ("time (s)", *files["acc"][1][1:], *files["gyr"][1][1:])
    notes = (f"CSV pair (--columns): {Path(acc.table.path).name} + {Path(gyr.table.path).name}, on the"
             " accelerometer's clock")
    remarks = tuple(f"{Path(p.table.path).name}: {p.folded} sample(s) at a repeated time folded into one (a repeat"
                    " dropped, differing samples averaged)" for p in (acc, gyr) if p.folded)
    source = acc.table.path if acc.table is not table else ""
    return Decoded(values, scale, labels, acc.linenos[m.keep], "CSV pair (--columns)", acc_unit, cmap.gyr_unit,
                   m.gaps, notes, source, remarks)


@dataclass(frozen=True)
class _PairPart:
    table: Table
    t_s: np.ndarray
    xyz: np.ndarray
    linenos: np.ndarray
    folded: int


def _clock(table: Table, name: str) -> np.ndarray:
    """A time column as int64 ticks when every cell is an integer, else as float64."""
    try:
        return table.integers(name)
    except FormatError:
        return table.numbers([name])[:, 0]


def _pair_times(acc: tuple[Table, tuple[str, ...]], gyr: tuple[Table, tuple[str, ...]], t_scale: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """Both files' times (s) from the earlier first sample: by int64 arithmetic when both clocks are integers."""
    ticks = [_clock(t, names[0]) for t, names in (acc, gyr)]
    exact = all(x.dtype.kind == "i" for x in ticks)
    origin = min(x[0] for x in ticks)
    if exact:
        a, g = ((x - origin).astype(np.float64) * t_scale for x in ticks)
    else:
        a, g = ((x.astype(np.float64) - float(origin)) * t_scale for x in ticks)
    return a, g


def _pair_part(table: Table, names: tuple[str, ...], t_s: np.ndarray) -> _PairPart:
    """One file's times and x/y/z; times must not go back (a repeated time is folded into one sample)."""
    back = np.flatnonzero(~(np.diff(t_s) >= 0))
    if back.size:
        i = int(back[0]) + 1
        raise error(table.path, int(table.linenos[i]), f"{names[0]} {t_s[i]:.6g} s (from the first) is not after"
                    f" the previous sample's {t_s[i - 1]:.6g} s")
    t_s, xyz, first = merge.fold_equal_times(t_s, table.numbers(names[1:]))
    return _PairPart(table, t_s, xyz, table.linenos[first], len(table.rows) - len(first))


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
