"""WitMotion app / PC software: the data export of a WitMotion IMU (WT901BLECL, BWT901CL, …).

Published layout (the app's record files): one header line with `Time`, `Device name`, optionally
`Chip Time()`, then `Acceleration X(g)`, `Acceleration Y(g)`, `Acceleration Z(g)`, `Angular velocity X(°/s)`,
`Angular velocity Y(°/s)`, `Angular velocity Z(°/s)`, angles, magnetic field, temperature, quaternions…;
tab-separated in the PC software's .txt, comma-separated in the app's .csv, with decimal commas in some locales.
Times are wall-clock text, `2025-11-12 16:09:58.052` or `16:09:58.052` (the PC software writes the
milliseconds after a colon: `16:09:58:052`). The sensor's `Chip Time()` is used when the file has it, else the
phone's `Time`. One file may hold several sensors (`Device name`): repscope reads files holding one. The PC
software writes its header in GB2312 (`°` as bytes A1 E3), so a file that is not UTF-8 is tried as GB18030.
"""
from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np

from sensors.formats.decoded import Decoded
from sensors.formats.table import Table, error, show

KEY = "witmotion_app"
NAME = "WitMotion app"
TIMES = ("Chip Time()", "Time")  # the first present (and not empty) is the clock
DEVICE = "Device name"
ACC = ("Acceleration X(g)", "Acceleration Y(g)", "Acceleration Z(g)")
GYR = ("Angular velocity X(°/s)", "Angular velocity Y(°/s)", "Angular velocity Z(°/s)")
SCALE = np.array([1.0] + [9.80665] * 3 + [math.pi / 180.0] * 3)
DAY_S = 86400.0
ENCODINGS = ("gb18030",)
_CLOCK = re.compile(r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})[ T])?(\d{1,2}):(\d{2}):(\d{2})(?:[.:,](\d{1,6}))?$")


def matches(columns: tuple[str, ...]) -> bool:
    return all(c in columns for c in ACC + GYR)


def decode(table: Table, sibling=None) -> Decoded:
    _one_device(table)
    name = next((c for c in TIMES if c in table.columns and any(table.texts(c))), None)
    if name is None:
        raise error(table.path, table.header_line, f"{NAME} export without a time column ({' or '.join(TIMES)})")
    t_s = clock_seconds(table, name)
    values = table.numbers((*ACC, *GYR))
    values = np.column_stack([t_s, values])
    notes = f"{NAME}: time from {name}"
    return Decoded(values, SCALE, (f"time from {name} (s)", *ACC, *GYR), table.linenos, NAME, "g", "dps", notes=notes)


def _one_device(table: Table) -> None:
    if DEVICE not in table.columns:
        return
    names = list(dict.fromkeys(table.texts(DEVICE)))
    if len(names) > 1:
        raise error(table.path, None, f"{NAME} file holds {len(names)} sensors ({', '.join(names[:3])}): export one"
                    " sensor per file")


def clock_seconds(table: Table, name: str) -> np.ndarray:
    """Wall-clock text to seconds since the first sample; a time of day without a date that goes back by more
    than 12 h has passed midnight."""
    texts = table.texts(name)
    out = np.empty(len(texts))
    days = None
    for k, (text, (lineno, _)) in enumerate(zip(texts, table.rows)):
        m = _CLOCK.match(text)
        if m is None:
            raise error(table.path, lineno, f"{name} is not a time (YYYY-MM-DD hh:mm:ss.sss): {show(text)}")
        y, mo, d, hh, mm, ss, frac = m.groups()
        day = _days(int(y), int(mo), int(d)) if y else 0
        days = day if days is None else days
        seconds = int(hh) * 3600 + int(mm) * 60 + int(ss) + (int(frac) / 10 ** len(frac) if frac else 0.0)
        out[k] = (day - days) * DAY_S + seconds
    step = np.diff(out)
    out[1:] += DAY_S * np.cumsum(step < -DAY_S / 2)
    return out - out[0] if len(out) else out


def _days(y: int, m: int, d: int) -> int:
    return dt.date(y, m, d).toordinal()
