"""Sensor Logger (iOS / Android app): the CSV files of its zip export, one per sensor.

Published layout (the app's documentation, awesome-sensor-logger UNITS.md / COORDINATES.md): every motion file has
the header `time,seconds_elapsed,z,y,x`; `time` is Unix time in ns (an integer), `seconds_elapsed` seconds since
the recording started. The file's name says the sensor: `Gyroscope.csv` (rad/s, the same signs on both
platforms), `TotalAcceleration.csv` (Android: the accelerometer with gravity, m/s²), `Accelerometer.csv` (the
acceleration *without* gravity, m/s²) and `Gravity.csv` (m/s²). `metadata.csv` names the `platform`: on iOS the
acceleration and gravity have the opposite sign of Android's, unless the export was made with "Standardise Units &
Frames" (Android's then). The specific force repscope reads is `TotalAcceleration`, else `Accelerometer` +
`Gravity` (negated on iOS). Passing any of these files reads the others from the same folder; the gyroscope (and
gravity) are interpolated onto the accelerometer's times (`merge.onto_clock`).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from sensors.formats import merge
from sensors.formats.decoded import Decoded
from sensors.formats.table import Table, error
from sensors.formats.timebase import seconds_since

KEY = "sensor_logger"
ENCODINGS: tuple[str, ...] = ()  # UTF-8 only
NAME = "Sensor Logger"
COLUMNS = ("time", "seconds_elapsed", "z", "y", "x")
AXES = ("x", "y", "z")
TICKS_PER_S = 1e9
FILES = {"total": "TotalAcceleration", "user": "Accelerometer", "gravity": "Gravity", "gyr": "Gyroscope"}
METADATA = "metadata.csv"
STANDARDISED = ("standardis", "standardiz")  # a metadata column saying the units and frames were standardised
TRUE = ("true", "1", "yes", "on")
SCALE = np.ones(7)


@dataclass(frozen=True)
class _Part:
    """One file of the export: its table, times (s from the export's first sample) and (n, 3) x/y/z values."""

    table: Table
    t_s: np.ndarray
    xyz: np.ndarray
    linenos: np.ndarray
    folded: int  # samples at a repeated time folded into one


def matches(columns: tuple[str, ...]) -> bool:
    return all(c in columns for c in COLUMNS)


def kind(path: str) -> str | None:
    """Which of FILES a file is, by its name (`Gyroscope.csv`, or any name ending in the word, `…_Gyroscope.csv`)."""
    stem = Path(path).stem.lower()
    return next((k for k, word in FILES.items() if stem.endswith(word.lower())
                 and not (k == "user" and stem.endswith("uncalibrated"))), None)


def decode(table: Table, sibling: Callable[[str], Table]) -> Decoded:
    """`sibling(path)` reads another file of the export into a Table."""
    mine = kind(table.path)
    if mine is None:
        raise error(table.path, None, f"{NAME} file of another sensor ({Path(table.path).name}): pass the export's"
                    f" {FILES['total']}.csv, {FILES['user']}.csv or {FILES['gyr']}.csv")
    tables = {k: (table if k == mine else _sibling(table.path, k, sibling)) for k in FILES}
    if tables["gyr"] is None:
        raise _missing(table.path, "gyr", "the angular rate")
    origin = min(_first_time(t) for t in tables.values() if t is not None and t.rows)
    parts = {k: _part(t, origin) for k, t in tables.items() if t is not None}
    acc_part, force = _specific_force(table.path, parts)
    m = merge.onto_clock(acc_part.t_s, parts["gyr"].t_s, parts["gyr"].xyz)
    if not m.keep.any():
        raise error(table.path, None, f"{NAME}: {Path(acc_part.table.path).name} and"
                    f" {Path(parts['gyr'].table.path).name} do not overlap in time")
    values = np.column_stack([acc_part.t_s[m.keep], force[m.keep], m.acc])
    names = ("time (s)", *(f"acceleration {a}" for a in AXES), *(f"gyroscope {a}" for a in AXES))
    used = [acc_part] + ([parts["gravity"]] if acc_part is parts.get("user") else []) + [parts["gyr"]]
    notes = f"{NAME}: {' + '.join(Path(p.table.path).name for p in used)}, on the accelerometer's clock"
    source = acc_part.table.path if acc_part.table is not table else ""
    return Decoded(values, SCALE, names, acc_part.linenos[m.keep], NAME, "mps2", "rads", m.gaps, notes, source,
                   _remarks(parts))


def _sibling(path: str, k: str, sibling: Callable[[str], Table]) -> Table | None:
    """The export's file of kind `k` beside `path` (the same name with the sensor's word swapped), or None."""
    p = Path(path)
    word = FILES[kind(path)]
    stem = p.stem[: len(p.stem) - len(word)]
    other = p.with_name(stem + FILES[k] + p.suffix)
    return sibling(str(other)) if other.is_file() else None


def _missing(path: str, k: str, what: str):
    name = FILES[k] + Path(path).suffix
    return error(path, None, f"{NAME}: no {name} beside it ({what}); the app writes each sensor to its own file:"
                 f" keep the export's files together, named as the app named them")


def _first_time(table: Table) -> int:
    """The first sample's `time` (ns), from its line alone."""
    cell = table.rows[0][1].split(table.dialect.delimiter)[table.index("time")].strip()
    try:
        return int(cell)
    except ValueError:
        raise error(table.path, table.rows[0][0], f"time is not an integer: {cell[:30]!r}") from None


def _part(table: Table, origin: int) -> _Part:
    """A file's times and x/y/z; times must rise (a repeated time is folded into one sample, counted)."""
    ticks = table.integers("time")
    back = np.flatnonzero(np.diff(ticks) < 0)
    if back.size:
        i = int(back[0]) + 1
        raise error(table.path, int(table.linenos[i]), f"time {int(ticks[i])} ns is before the previous sample's"
                    f" {int(ticks[i - 1])}")
    t_s = seconds_since(ticks, origin, TICKS_PER_S)
    t_s, xyz, first = merge.fold_equal_times(t_s, table.numbers(AXES))
    return _Part(table, t_s, xyz, table.linenos[first], len(table.rows) - len(first))


def _specific_force(path: str, parts: dict) -> tuple[_Part, np.ndarray]:
    """The file on whose times the samples are read, and the specific force (m/s², gravity included, Android's
    signs: at rest it points up) at them."""
    if "total" in parts:
        return parts["total"], parts["total"].xyz
    if "user" not in parts:
        raise _missing(path, "total", f"the accelerometer: {FILES['total']}.csv, or {FILES['user']}.csv with"
                       f" {FILES['gravity']}.csv")
    if "gravity" not in parts:
        raise _missing(path, "gravity", f"{FILES['user']}.csv holds the acceleration without gravity; repscope needs"
                       f" it with gravity: {FILES['total']}.csv, or {FILES['gravity']}.csv to add")
    user, gravity = parts["user"], parts["gravity"]
    g = merge.onto_clock(user.t_s, gravity.t_s, gravity.xyz)
    force = np.full_like(user.xyz, np.nan)  # no gravity there: non-finite, skipped (and counted) by the screening
    force[g.keep] = user.xyz[g.keep] + g.acc
    return user, force * _sign(path)


def _sign(path: str) -> float:
    """+1 for Android's signs, −1 for iOS's (unless standardised), from the export's metadata.csv."""
    meta = Path(path).with_name(METADATA)
    try:
        with open(meta, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError):
        rows = []
    if len(rows) < 2:
        raise error(path, None, f"{NAME}: no readable {METADATA} beside it: it names the platform, and iOS and"
                    f" Android give the acceleration and gravity opposite signs (keep the export's files together,"
                    f" or pass {FILES['total']}.csv)")
    head = [c.strip().lower() for c in rows[0]]
    row = dict(zip(head, (c.strip().lower() for c in rows[1])))
    standardised = any(row.get(c, "") in TRUE for c in head if c.startswith(STANDARDISED))
    return -1.0 if row.get("platform", "").startswith("ios") and not standardised else 1.0


def _remarks(parts: dict) -> tuple[str, ...]:
    return tuple(f"{Path(p.table.path).name}: {p.folded} sample(s) at a repeated time folded into one (a repeat"
                 " dropped, differing samples averaged)" for p in parts.values() if p.folded)
