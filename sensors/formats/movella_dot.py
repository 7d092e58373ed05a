"""Movella DOT (formerly Xsens DOT): the CSV the Movella DOT app and SDK logger export.

Published layout (Movella DOT SDK's logger): an Excel `sep=,` line and `Key:,value,,,…` preamble lines
(`DeviceTag`, `FirmwareVersion`, `AppVersion`, `SyncStatus`, `OutputRate`, `FilterProfile`, `Measurement Mode`,
`StartTime`, a copyright line), a blank line, then the column header and one row per sample, cells separated by
", ". `PacketCounter` counts packets; `SampleTimeFine` is the sensor clock in µs, a uint32 that wraps every
71.6 min. `Acc_X/Y/Z` is the specific force in m/s², `Gyr_X/Y/Z` the angular rate in °/s, both in the sensor
frame; only measurement modes that include them (e.g. "rate quantities", custom mode 5) can be analysed.
"""
from __future__ import annotations

import math

import numpy as np

from sensors.formats.decoded import Decoded
from sensors.formats.table import Table, error
from sensors.formats.timebase import UINT32_MODULUS, seconds_since, unwrap_counter

KEY = "movella_dot"
ENCODINGS: tuple[str, ...] = ()  # UTF-8 only
NAME = "Movella DOT"
TIME = "SampleTimeFine"
TICKS_PER_S = 1e6
ACC = ("Acc_X", "Acc_Y", "Acc_Z")  # m/s²
GYR = ("Gyr_X", "Gyr_Y", "Gyr_Z")  # °/s
SCALE = np.array([1.0, 1.0, 1.0, 1.0] + [math.pi / 180.0] * 3)
MT_MANAGER_PREAMBLE = "//"  # Xsens MT Manager's exports share the column names, with `// …` preamble lines
PREAMBLE_KEYS = ("DeviceTag", "FirmwareVersion", "OutputRate", "Measurement Mode", "StartTime")


def matches(columns: tuple[str, ...]) -> bool:
    return "PacketCounter" in columns and TIME in columns


def decode(table: Table, sibling=None) -> Decoded:
    if any(text.startswith(MT_MANAGER_PREAMBLE) for _, text in table.preamble):
        raise error(table.path, table.header_line, "an Xsens MT Manager export, not a Movella DOT one: repscope does"
                    " not read those (SampleTimeFine in 100 µs ticks, Gyr_* in rad/s)")
    missing = [c for c in ACC + GYR if c not in table.columns]
    if missing:
        mode = _preamble(table).get("Measurement Mode", "unknown")
        raise error(table.path, table.header_line, f"{NAME} export without {', '.join(missing)} (measurement mode "
                    f"{mode}): export a mode with acceleration and angular rate (Acc_*, Gyr_*)")
    ticks = unwrap_counter(table.integers(TIME), UINT32_MODULUS)
    values = table.numbers((TIME, *ACC, *GYR))
    values[:, 0] = seconds_since(ticks, ticks[0], TICKS_PER_S) if len(ticks) else values[:, 0]
    info = _preamble(table)
    model = NAME + (f" {info['DeviceTag']}" if info.get("DeviceTag") else "")
    notes = "; ".join(f"{k}: {info[k]}" for k in PREAMBLE_KEYS if info.get(k))
    return Decoded(
        values, SCALE, (f"time from {TIME} (s)", *ACC, *GYR), table.linenos, model, "mps2", "dps", notes=notes
    )


def _preamble(table: Table) -> dict[str, str]:
    """`Key:,value,,,` lines before the header as {key: value}."""
    out = {}
    for _, text in table.preamble:
        key, sep, rest = text.partition(":")
        if sep:
            out[key.strip()] = rest.strip().strip(table.dialect.delimiter).split(table.dialect.delimiter)[0].strip()
    return out
