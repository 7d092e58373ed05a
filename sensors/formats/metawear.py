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
from sensors.formats.pair_merge import axes_kind, merge_pair, table_kind
from sensors.formats.table import Table

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


def matches(columns: tuple[str, ...]) -> bool:
    return EPOCH in columns and axes_kind(columns, AXES) is not None


def decode(table: Table, sibling) -> Decoded:
    """`sibling(path)` reads the other file of the pair into a Table."""
    return merge_pair(table, sibling, PAIR, table_kind(table, AXES, NAME), AXES, _clock, SCALE, ("g", "dps"))


def _clock(table: Table) -> tuple[np.ndarray, float]:
    return table.integers(EPOCH), TICKS_PER_S
