"""phyphox (RWTH Aachen's phone app): the CSV export of an experiment's data.

Published layout (the app's CSV export, comma or tab separated with a decimal point, or semicolons with a decimal
comma; quoted header cells): `"Time (s)"` (seconds since the experiment started), then the sensor's columns:
"Acceleration with g" writes `Acceleration x (m/s^2)`, `…y…`, `…z…` (the specific force, gravity included) and
`Absolute acceleration (m/s^2)`; "Gyroscope" writes `Gyroscope x (rad/s)`, `…y…`, `…z…` and `Absolute (rad/s)`.
An experiment recording both writes them in one table (one time column) or one file each (`Accelerometer.csv`,
`Gyroscope.csv`, on the experiment's one clock): passing either file reads the other, the one CSV beside it with
the other sensor's header, and the gyroscope is interpolated onto the accelerometer's times (`merge.onto_clock`).
"Linear Acceleration" (gravity removed) cannot be analysed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from sensors.formats import merge
from sensors.formats.decoded import Decoded
from sensors.formats.table import Table, error, unquote

KEY = "phyphox"
ENCODINGS: tuple[str, ...] = ()  # UTF-8 only
NAME = "phyphox"
TIME = "Time (s)"
AXES = {"acc": tuple(f"Acceleration {a} (m/s^2)" for a in "xyz"), "gyr": tuple(f"Gyroscope {a} (rad/s)" for a in "xyz")}
LINEAR = "Linear Acceleration x (m/s^2)"
SCALE = np.ones(7)
HEADER_BYTES = 4096  # a sibling candidate's header is read from its first bytes


def kinds(columns: tuple[str, ...]) -> tuple[str, ...]:
    """The sensors ('acc', 'gyr') whose three columns the header holds."""
    return tuple(k for k, axes in AXES.items() if all(c in columns for c in axes))


def matches(columns: tuple[str, ...]) -> bool:
    return TIME in columns and (bool(kinds(columns)) or LINEAR in columns)


def decode(table: Table, sibling: Callable[[str], Table]) -> Decoded:
    """One table with both sensors, or this file and its sibling (`sibling(path)` reads it)."""
    have = kinds(table.columns)
    if not have:
        raise error(table.path, table.header_line, f"{NAME} 'Linear Acceleration' export: the acceleration without"
                    " gravity; record the experiment 'Acceleration with g' (and 'Gyroscope')")
    if len(have) == 2:
        values = table.numbers((TIME, *AXES["acc"], *AXES["gyr"]))
        return Decoded(values, SCALE, (TIME, *AXES["acc"], *AXES["gyr"]), table.linenos, NAME, notes=f"{NAME}")
    other_kind = "gyr" if have[0] == "acc" else "acc"
    other = sibling(str(_sibling_path(table.path, other_kind)))
    acc, gyr = (table, other) if have[0] == "acc" else (other, table)
    (t_acc, xyz_acc, first_acc), (t_gyr, xyz_gyr, first_gyr) = _samples(acc, "acc"), _samples(gyr, "gyr")
    m = merge.onto_clock(t_acc, t_gyr, xyz_gyr)
    if not m.keep.any():
        raise error(table.path, None, f"{NAME}: {Path(acc.path).name} and {Path(gyr.path).name} do not overlap"
                    " in time")
    values = np.column_stack([t_acc[m.keep], xyz_acc[m.keep], m.acc])
    notes = f"{NAME}: {Path(acc.path).name} + {Path(gyr.path).name}, on the accelerometer's clock"
    linenos = acc.linenos[first_acc][m.keep]
    remarks = tuple(f"{Path(t.path).name}: {len(t.rows) - len(first)} sample(s) at a repeated time folded into one"
                    " (a repeat dropped, differing samples averaged)"
                    for t, first in ((acc, first_acc), (gyr, first_gyr)) if len(first) < len(t.rows))
    return Decoded(values, SCALE, (TIME, *AXES["acc"], *AXES["gyr"]), linenos, NAME, gaps=m.gaps, notes=notes,
                   source=acc.path if acc is not table else "", remarks=remarks)


def _sibling_path(path: str, want: str) -> Path:
    """The one other CSV in the folder whose header holds the `want` sensor's columns."""
    p = Path(path)
    found = [f for f in sorted(p.parent.glob(f"*{p.suffix}")) if f != p and want in kinds(_header(f))]
    if len(found) == 1:
        return found[0]
    what = "gyroscope" if want == "gyr" else "accelerometer"
    listed = f" ({', '.join(f.name for f in found[:3])})" if found else ""
    raise error(path, None, f"{NAME}: {len(found) or 'no'} file(s) with the {what}'s columns beside it{listed};"
                f" record both sensors, and keep the export's files together (or export them as one table)")


def _header(path: Path) -> tuple[str, ...]:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as f:
            line = f.readline(HEADER_BYTES)
    except OSError:
        return ()
    sep = max(("\t", ";", ","), key=line.count)
    return tuple(unquote(c) for c in line.strip().split(sep))


def _samples(table: Table, k: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A file's times and x/y/z, the times rising (a repeated time folded into one sample: `fold_equal_times`)."""
    values = table.numbers((TIME, *AXES[k]))
    t_s = values[:, 0]
    back = np.flatnonzero(np.diff(t_s) < 0)
    if back.size:
        i = int(back[0]) + 1
        raise error(table.path, int(table.linenos[i]), f"{TIME} {t_s[i]!r} is before the previous sample's"
                    f" {t_s[i - 1]!r}")
    return merge.fold_equal_times(t_s, values[:, 1:])
