"""Read both files of an accelerometer/gyroscope pair (`pairs.py`) and merge them onto one clock (`merge.py`)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from sensors.formats import merge, pairs
from sensors.formats.decoded import Decoded
from sensors.formats.table import Table, error
from sensors.formats.timebase import seconds_since

Clock = Callable[[Table], tuple[np.ndarray, float]]  # a table's integer timestamps and their ticks per second


def axes_kind(columns: tuple[str, ...], axes: dict) -> str | None:
    """The sensor ('acc' or 'gyr') whose three columns `axes[kind]` all stand in `columns`, else None."""
    return next((k for k, names in axes.items() if all(c in columns for c in names)), None)


def table_kind(table: Table, axes: dict, name: str) -> str:
    """The sensor `table` holds ('acc' or 'gyr'), or format `name`'s error naming the columns it lacks."""
    found = axes_kind(table.columns, axes)
    if found is None:
        expected = " or ".join(", ".join(names) for names in axes.values())
        raise error(table.path, table.header_line, f"{name}: expected the columns {expected}")
    return found


def merge_pair(table: Table, sibling: Callable[[str], Table], spec: pairs.PairSpec, kind: str, axes: dict,
               clock: Clock, scale: np.ndarray, units: tuple[str, str]) -> Decoded:
    """`table` holds `kind` ('acc' or 'gyr'); `axes[kind]` names its three columns; `clock` reads its time."""
    other_path = pairs.find_sibling(table.path, spec, kind)
    other = sibling(str(other_path))
    want = axes[pairs.other(kind)]
    if not all(c in other.columns for c in want):
        raise error(other.path, other.header_line, f"{spec.name}: expected the columns {', '.join(want)}")
    acc, gyr = (table, other) if kind == "acc" else (other, table)
    for t in (acc, gyr):
        if not t.rows:
            raise error(t.path, None, "no samples")
    (ta, per_s), (tg, _) = clock(acc), clock(gyr)
    origin = int(min(ta[0], tg[0]))
    t_acc, t_gyr = seconds_since(ta, origin, per_s), seconds_since(tg, origin, per_s)
    for t_s, ticks, t in ((t_acc, ta, acc), (t_gyr, tg, gyr)):
        _check_increasing(t, t_s, ticks)
    m = merge.onto_gyro_clock(t_gyr, t_acc, acc.numbers(axes["acc"]))
    if not m.keep.any():
        raise error(gyr.path, None, f"{spec.name}: {Path(acc.path).name} and {Path(gyr.path).name} do not overlap"
                    " in time")
    values = np.column_stack([t_gyr[m.keep], m.acc, gyr.numbers(axes["gyr"])[m.keep]])
    names = ("time (s)", *(f"accelerometer {c}" for c in axes["acc"]), *(f"gyroscope {c}" for c in axes["gyr"]))
    notes = f"{spec.name}: {Path(acc.path).name} + {Path(gyr.path).name}, accelerometer on the gyroscope's clock"
    source = gyr.path if gyr is not table else ""
    return Decoded(values, scale, names, gyr.linenos[m.keep], spec.name, *units, m.gaps, notes, source)


def _check_increasing(table: Table, t_s: np.ndarray, ticks: np.ndarray) -> None:
    back = np.flatnonzero(np.diff(t_s) <= 0)
    if back.size:
        i = int(back[0]) + 1
        raise error(table.path, int(table.linenos[i]), f"timestamp {int(ticks[i])} is not after the previous"
                    f" sample's {int(ticks[i - 1])}")
