"""The input options every command that reads a recording shares, and reading FILE with one-line errors.

FILE is a repscope recording (v1), a generic CSV, a CSV export of another app (Movella DOT, MetaWear/MetaBase,
Polar Sensor Logger, WitMotion), or any CSV mapped with `--columns`/`--units` (see recordings/FORMAT.md).
"""
from __future__ import annotations

import sys
import warnings

from typing import TYPE_CHECKING

from sensors.exercises import EXERCISES, PLACEMENTS
from ui.errors import UserError, one_line

if TYPE_CHECKING:  # the readers (numpy) are imported when a file is read, not to build the parser (`--help`)
    from sensors.recording import Recording


def add_input_arguments(p) -> None:
    """FILE, --placement, --exercise, --columns, --units."""
    p.add_argument("file", metavar="FILE", help="recording (format v1), generic CSV, or another app's CSV export")
    p.add_argument("--placement", choices=PLACEMENTS,
                   help="sensor placement (required for a CSV; for a v1 file, analyse only this sensor)")
    p.add_argument("--exercise", choices=EXERCISES, help="exercise (default: from the recording's metadata)")
    p.add_argument("--columns", metavar="MAP",
                   help="read any CSV: its column names, e.g. time=ts,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,"
                        "gyr_z=gz")
    p.add_argument("--units", metavar="MAP",
                   help="units of the --columns, e.g. time=ms,acc=g,gyr=dps (time s|ms|us|ns, acc mps2|g|mg,"
                        " gyr rads|dps; default s, mps2, rads)")


def read_input(args) -> Recording:
    from sensors.formats import column_map
    from sensors.recording import RecordingError, RecordingWarning, read_recording

    """Read FILE as the options say; recoverable problems (a torn last line, skipped bad samples) are warned on
    stderr, one line each; anything else is a UserError naming the file or option."""
    try:
        cmap = column_map.parse(getattr(args, "columns", None), getattr(args, "units", None))
    except column_map.ColumnMapError as exc:
        raise UserError(str(exc)) from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RecordingWarning)
        try:
            rec = read_recording(args.file, placement=args.placement, exercise=args.exercise, columns=cmap)
        except RecordingError as exc:
            raise UserError(str(exc)) from None
    for w in caught:
        print(f"repscope: warning: {one_line(str(w.message))}", file=sys.stderr)
    return rec
