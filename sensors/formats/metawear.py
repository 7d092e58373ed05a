"""MbientLab MetaWear / MetaMotion: the CSV files the MetaBase app exports, one per sensor.

Published layout (MetaBase and the MetaWear SDK's CSV writers): header
`epoch (ms),time (<UTC offset>),elapsed (s),x-axis (g),y-axis (g),z-axis (g)` for the accelerometer and
`…,x-axis (deg/s),y-axis (deg/s),z-axis (deg/s)` for the gyroscope; `epoch (ms)` is Unix time in ms, `time` the
same as local text, `elapsed (s)` seconds since that file's first sample. MetaBase names the files
`<device>_<session start>_<MAC>_Accelerometer_<version>.csv` and `…_Gyroscope_…`: passing either file reads both
(`sensors/formats/pairs.py`), merged onto the gyroscope's clock (`sensors/formats/merge.py`).
"""
from __future__ import annotations

import math
import re

import numpy as np

from sensors.formats import pairs
from sensors.formats.decoded import Decoded
from sensors.formats.pair_merge import merge_pair
from sensors.formats.table import Table, error

KEY = "metawear"
ENCODINGS: tuple[str, ...] = ()  # UTF-8 only
NAME = "MetaWear (MetaBase)"
EPOCH = "epoch (ms)"
TICKS_PER_S = 1e3
AXES = {"acc": ("x-axis (g)", "y-axis (g)", "z-axis (g)"),
        "gyr": ("x-axis (deg/s)", "y-axis (deg/s)", "z-axis (deg/s)")}
SCALE = np.array([1.0] + [9.80665] * 3 + [math.pi / 180.0] * 3)
_MAC = re.compile(r"_([0-9A-Fa-f]{12})_")
PAIR = pairs.PairSpec(NAME, {"acc": "Accelerometer", "gyr": "Gyroscope"},
                      lambda name: (m.group(1) if (m := _MAC.search(name)) else ""))


def kind(columns: tuple[str, ...]) -> str | None:
    return next((k for k, axes in AXES.items() if all(c in columns for c in axes)), None)


def matches(columns: tuple[str, ...]) -> bool:
    return EPOCH in columns and kind(columns) is not None


def _kind(table: Table) -> str:
    """The sensor `table` holds ('acc' or 'gyr'), or the format's error naming the columns it lacks."""
    found = kind(table.columns)
    if found is None:
        expected = " or ".join(", ".join(axes) for axes in AXES.values())
        raise error(table.path, table.header_line, f"{NAME}: expected the columns {expected}")
    return found


def decode(table: Table, sibling) -> Decoded:
    """`sibling(path)` reads the other file of the pair into a Table."""
    return merge_pair(table, sibling, PAIR, _kind(table), AXES, _clock, SCALE, ("g", "dps"))


def _clock(table: Table) -> tuple[np.ndarray, float]:
    return table.integers(EPOCH), TICKS_PER_S
