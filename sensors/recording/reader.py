"""`read_recording`: a file's route through the readers (long v1, whole v1, generic, validating) and the asked
placement and exercise."""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from sensors.batch import PLACEMENTS
from sensors.formats.column_map import ColumnMap
from sensors.formats.table import FormatError
from sensors.recording.foreign import read_foreign
from sensors.recording.generic import read_generic_long, read_generic_whole
from sensors.recording.model import MAGIC, Read, ReadParams, Recording, RecordingError, error_at
from sensors.recording.text import text_lines, wide_encoding
from sensors.recording.v1_fast import read_v1_long, read_v1_whole
from sensors.recording.v1_reader import read_v1_text


def read_recording(
    path: str | os.PathLike, *, placement: str | None = None, exercise: str | None = None,
    columns: ColumnMap | None = None, params: ReadParams = ReadParams(),
) -> Recording:
    """Read a v1 recording or a generic CSV (see FORMAT.md) into float64 arrays, validating everything.

    `placement` names the sensor placement of a generic CSV (required there) or, for v1 files, must be one of
    the file's sensors; `exercise` overrides the metadata's exercise. Raises `RecordingError` with a one-line
    `FILE:LINE: problem` message. Recoverable problems give a `RecordingWarning`: a torn last line (crash while
    writing) is dropped; bad samples (non-finite, out of range, an isolated timestamp outlier) are skipped and
    counted (`Recording.skipped`), repeated times folded (a repeat dropped, differing samples averaged); a declared
    sensor without samples is left out. Files from other apps (Movella DOT, MetaWear, Polar Sensor Logger,
    WitMotion, the phone apps Sensor Logger and phyphox) are recognised by their header (and Sensor Logger's by the
    file's name); `columns` maps any other CSV. `params`: where the parsers switch (`ReadParams`).
    """
    return read_routed(path, placement=placement, exercise=exercise, columns=columns, params=params).recording


def read_routed(
    path: str | os.PathLike, *, placement: str | None = None, exercise: str | None = None,
    columns: ColumnMap | None = None, params: ReadParams = ReadParams(),
) -> Read:
    """`read_recording`, with the route that read the file (`model.ROUTES`)."""
    path = str(path)
    if placement is not None and placement not in PLACEMENTS:
        raise RecordingError(f"{path}: unknown placement {placement!r} (expected one of {', '.join(PLACEMENTS)})")
    read = read_v1_long(path, params) if columns is None else None
    if read is None and columns is None and placement is not None:
        read = read_generic_long(path, placement, params)
    if read is None:
        raw = _file_bytes(path)
        read = read_v1_whole(path, raw, params) if columns is None else None
        if read is None and columns is None and placement is not None:
            read = read_generic_whole(path, raw, placement, params)
        if read is None:
            try:
                read = read_validating(path, raw, placement, columns)
            except FormatError as exc:
                if isinstance(exc, RecordingError):
                    raise
                raise RecordingError(str(exc)) from None
    return Read(_checked(path, read.recording, placement, exercise), read.route)


def _file_bytes(path: str) -> bytes:
    """The file's bytes; a one-line error when it cannot be read or is UTF-16/32 text."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise RecordingError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RecordingError(f"{path}: is a directory, not a recording") from None
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror})") from None
    encoding = wide_encoding(raw)
    if encoding is not None:
        raise error_at(path, None, f"file is {encoding} encoded; save it as UTF-8")
    return raw


def _checked(path, rec: Recording, placement: str | None, exercise: str | None) -> Recording:
    """The read recording with the asked placement (an error when it has none) and exercise."""
    if placement is not None and rec.stream(placement) is None:
        raise error_at(path, None, f"no sensor with placement {placement!r} (file has {', '.join(rec.placements)})")
    if exercise is not None:
        rec = replace(rec, meta=replace(rec.meta, exercise=exercise))
    return rec


def read_validating(path, raw: bytes, placement: str | None, columns: ColumnMap | None = None) -> Read:
    """The route that checks every line and names the line of each problem (v1, vendor, --columns, generic)."""
    lines, torn = text_lines(path, raw)
    if lines[0].startswith("# repscope-recording"):
        if lines[0].strip() != MAGIC:
            raise error_at(path, 1, f"unsupported format {lines[0][2:].strip()!r} (this repscope reads v1)")
        return Read(read_v1_text(path, lines, torn, placement), "validating")
    return Read(read_foreign(path, lines, torn, placement, columns), "validating")
