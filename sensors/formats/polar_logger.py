"""Polar Sensor Logger (Android app for Polar Verity Sense / OH1 / H10): its ACC and GYRO text files.

Published layout (the app's output files): semicolon-separated, header
`Phone timestamp;sensor timestamp [ns];X [mg];Y [mg];Z [mg]` in `…_ACC.txt` and
`Phone timestamp;sensor timestamp [ns];X [dps];Y [dps];Z [dps]` in `…_GYRO.txt`; `Phone timestamp` is the phone's
ISO local time of arrival, `sensor timestamp [ns]` the sensor's own clock in ns since 2000-01-01 (shared by both
files), acceleration in milli-g, angular rate in °/s. Passing either file reads both (`pairs.py`), merged onto
the gyroscope's clock (`merge.py`). The H10 has no gyroscope, so its ACC file alone cannot be analysed.
"""
from __future__ import annotations

import math
import re
from dataclasses import replace

import numpy as np

from sensors.formats import pairs
from sensors.formats.decoded import Decoded
from sensors.formats.pair_merge import merge_pair
from sensors.formats.table import Table, error

KEY = "polar_logger"
ENCODINGS: tuple[str, ...] = ()  # UTF-8 only
NAME = "Polar Sensor Logger"
TIME = "sensor timestamp [ns]"
TICKS_PER_S = 1e9
AXES = {"acc": ("X [mg]", "Y [mg]", "Z [mg]"), "gyr": ("X [dps]", "Y [dps]", "Z [dps]")}
SCALE = np.array([1.0] + [9.80665] * 3 + [math.pi / 180.0] * 3)  # acc is handed on in g (the unit checks know g)
MILLI = np.array([1.0, 1e-3, 1e-3, 1e-3, 1.0, 1.0, 1.0])
_DEVICE = re.compile(r"^(Polar_[^_]+_[0-9A-Fa-f]+)_")  # Polar_Sense_B5A5C22F_20231102_152102_ACC.txt
PAIR = pairs.PairSpec(NAME, {"acc": "_ACC", "gyr": "_GYRO"},
                      lambda name: (m.group(1) if (m := _DEVICE.match(name)) else ""))


def kind(columns: tuple[str, ...]) -> str | None:
    return next((k for k, axes in AXES.items() if all(c in columns for c in axes)), None)


def matches(columns: tuple[str, ...]) -> bool:
    return TIME in columns and kind(columns) is not None


def _kind(table: Table) -> str:
    """The sensor `table` holds ('acc' or 'gyr'), or the format's error naming the columns it lacks."""
    found = kind(table.columns)
    if found is None:
        expected = " or ".join(", ".join(axes) for axes in AXES.values())
        raise error(table.path, table.header_line, f"{NAME}: expected the columns {expected}")
    return found


def decode(table: Table, sibling) -> Decoded:
    d = merge_pair(table, sibling, PAIR, _kind(table), AXES, _clock, SCALE, ("g", "dps"))
    return replace(d, values=d.values * MILLI)


def _clock(table: Table) -> tuple[np.ndarray, float]:
    return table.integers(TIME), TICKS_PER_S
