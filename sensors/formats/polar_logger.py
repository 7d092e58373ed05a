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
from sensors.formats.pair_merge import axes_kind, merge_pair, table_kind
from sensors.formats.table import Table

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


def matches(columns: tuple[str, ...]) -> bool:
    return TIME in columns and axes_kind(columns, AXES) is not None


def decode(table: Table, sibling) -> Decoded:
    d = merge_pair(table, sibling, PAIR, table_kind(table, AXES, NAME), AXES, _clock, SCALE, ("g", "dps"))
    return replace(d, values=d.values * MILLI)


def _clock(table: Table) -> tuple[np.ndarray, float]:
    return table.integers(TIME), TICKS_PER_S
