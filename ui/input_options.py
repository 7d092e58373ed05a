"""The input options every command that reads a recording shares (read by `ui.file_analysis`).

FILE is a repscope recording (v1), a generic CSV, a CSV export of another app (Movella DOT, MetaWear/MetaBase,
Polar Sensor Logger, WitMotion), or any CSV mapped with `--columns`/`--units` (see recordings/FORMAT.md).
"""
from __future__ import annotations

import argparse

from sensors.exercises import EXERCISES, PLACEMENTS


class _JoinedMaps(argparse.Action):
    """A repeated --columns (one map per file of a pair) as one text, the maps joined by ";"."""

    def __call__(self, parser, namespace, values, option_string=None):
        before = getattr(namespace, self.dest, None)
        setattr(namespace, self.dest, values if before is None else f"{before};{values}")


def add_input_arguments(p) -> None:
    """FILE, --placement, --exercise, --columns, --units."""
    p.add_argument("file", metavar="FILE", help="recording (format v1), generic CSV, or another app's CSV export")
    add_reading_arguments(p)


def add_reading_arguments(p) -> None:
    """--placement, --exercise, --columns, --units: how to read a file (`ui.file_analysis.ReadOptions`)."""
    p.add_argument("--placement", choices=PLACEMENTS,
                   help="sensor placement (required for a CSV; for a v1 file, analyse only this sensor)")
    p.add_argument("--exercise", choices=EXERCISES, help="exercise (default: from the recording's metadata)")
    p.add_argument("--columns", metavar="MAP", action=_JoinedMaps,
                   help="read any CSV: its column names, e.g. time=ts,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,"
                        "gyr_z=gz; accelerometer and gyroscope in two files: give it twice, FILE's map first, the "
                        "other's naming its file: file=gyro.csv,time=ts,gyr_x=x,gyr_y=y,gyr_z=z")
    p.add_argument("--units", metavar="MAP",
                   help="units of the --columns, e.g. time=ms,acc=g,gyr=dps (time s|ms|us|ns, acc mps2|g|mg,"
                        " gyr rads|dps; default s, mps2, rads)")
