"""Files from other apps (the vendor formats of `sensors.formats`, recognised by their header) and files mapped
by `--columns`: decoded, then screened as every file is."""
from __future__ import annotations

from pathlib import Path

from sensors import formats
from sensors.formats import column_map
from sensors.formats.column_map import ColumnMap
from sensors.formats.decoded import Decoded
from sensors.formats.table import FormatError, Table, find_table, names_list
from sensors.recording.generic import generic_info, generic_recording, problems_joined, read_generic_table
from sensors.recording.model import (
    PLACEMENT_PROBLEM, STAND_IN_PLACEMENT, Columns, Recording, RecordingError, SensorStream, error_at, warn_at,
)
from sensors.recording.screen import build_stream
from sensors.recording.text import comment_lines, text_lines, wide_encoding, without_torn


def read_foreign(path, lines: list[str], torn: int | None, placement: str | None,
                 columns: ColumnMap | None) -> Recording:
    """A CSV that is not v1: a vendor format recognised by its header, a --columns mapped file, or generic. A file
    without a placement is read on a stand-in one, so its other problems are said in the same line."""
    if columns is not None:
        table = _mapped_table(path, lines, columns, placement)

        def decode(t: Table, _sibling) -> Decoded:
            return column_map.decode(t, columns, _sibling_table)
    else:
        table = find_table(path, lines, lambda cells: formats.detect(cells) is not None)
        fmt = formats.detect(table.columns)
        if fmt is None:
            comments = [text for _, text in comment_lines(lines[: table.header_line - 1])]
            return read_generic_table(path, table, comments, torn, placement)
        decode = fmt.decode
    with problems_joined(path, placement):
        table = without_torn(path, table, torn)
        if not table.rows:
            raise error_at(path, None, "no samples")
        try:
            decoded = decode(table, _sibling_table)
            for remark in decoded.remarks:
                warn_at(path, None, remark)
            stream, skipped = _decoded_stream(path, decoded, placement or STAND_IN_PLACEMENT)
        except FormatError as exc:
            raise RecordingError(column_map.hint(str(exc)) if columns is not None else str(exc)) from None
        return generic_recording(path, stream, skipped, [decoded.notes] if decoded.notes else [])


def _mapped_table(path, lines: list[str], columns: ColumnMap, placement: str | None) -> Table:
    """The table whose header holds the --columns names (HEADER_MIN_NAMES of them pick the line); an error naming
    the missing ones (and a missing placement)."""
    need = column_map.HEADER_MIN_NAMES
    table = find_table(path, lines, lambda cells: sum(n in cells for n in columns.names) >= need)
    missing = [n for n in columns.names if n not in table.columns]
    if missing:
        also = "" if placement is not None else f"; {PLACEMENT_PROBLEM}"
        raise error_at(path, table.header_line, f"--columns: no column(s) {', '.join(missing)} in the header (found"
                       f" {names_list(table.columns)}){also}")
    return table


def _sibling_table(path: str, is_header=None) -> Table:
    """The second file of an accelerometer/gyroscope pair, read as text and cut into its table (its header: the
    line `is_header` accepts, by default a vendor format's)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror})") from None
    encoding = wide_encoding(raw)
    if encoding is not None:
        raise error_at(path, None, f"file is {encoding} encoded; save it as UTF-8")
    lines, torn = text_lines(path, raw)
    is_header = is_header or (lambda cells: formats.detect(cells) is not None)
    return without_torn(path, find_table(path, lines, is_header), torn)


def _decoded_stream(path, d: Decoded, placement: str) -> tuple[SensorStream, int]:
    """A decoded foreign stream through the same screening as every file (line numbers in `d.source` if set)."""
    spec = Columns(d.names, d.scale, d.acc_unit, d.gyr_unit, generic=False)
    return build_stream(d.source or path, generic_info(placement, d.model), d.values, d.linenos, d.gaps, spec, None)
