"""A file's bytes as text lines: encodings, torn last lines, comment and header lines, cells."""
from __future__ import annotations

import codecs
import os
from dataclasses import replace
from typing import Sequence

import numpy as np

from sensors import formats
from sensors.formats.table import Dialect, FormatError, Table, find_table, is_float, parse_numbers
from sensors.recording.model import V1_COLUMNS, RecordingError, error_at, warn_at


ENCODING_SNIFF_BYTES = 4096
WIDE_ZERO_FRACTION = 0.9  # UTF-16/32 text: nearly every 2nd (4th) byte position is zero
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
         (codecs.BOM_UTF16_BE, "UTF-16"))


def wide_encoding(raw: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes are text in one of those (with or without byte-order mark)."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    head = raw[: ENCODING_SNIFF_BYTES // 4 * 4]
    if len(head) < 4 or b"\x00" not in head:
        return None
    usable = len(head) // 4 * 4
    zeros = (np.frombuffer(head[:usable], dtype=np.uint8).reshape(-1, 4) == 0).mean(axis=0) >= WIDE_ZERO_FRACTION
    if zeros.sum() == 3:
        return "UTF-32"
    if (zeros[0] and zeros[2]) or (zeros[1] and zeros[3]):
        return "UTF-16"
    return None


def first_block(path, n_bytes: int) -> tuple[bytes, int] | None:
    """A long file's first `n_bytes` and its size in bytes (None when it cannot be opened): the fast readers
    judge a file from its head before they parse its body."""
    try:
        with open(path, "rb") as f:
            return f.read(n_bytes), os.fstat(f.fileno()).st_size
    except OSError:
        return None


def text_lines(path, raw: bytes) -> tuple[list[str], int | None]:
    """The file's lines (CR stripped) and the number of a last line without its newline (None if it has one)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = _vendor_text(path, raw)
        if text is None:
            line = raw[: exc.start].count(b"\n") + 1
            raise error_at(path, line, "not UTF-8 text (is this a CSV recording?)") from None
    if not text.strip():
        raise error_at(path, None, "empty file")
    lines = text.split("\n" if "\n" in text else "\r")  # old Mac spreadsheets end lines with CR alone
    torn = None
    if lines[-1] == "":
        lines.pop()
    else:
        torn = len(lines)  # no newline at the end: the writer was interrupted mid-line (or another tool wrote it)
    return [ln.rstrip("\r") for ln in lines], torn


def _vendor_text(path, raw: bytes) -> str | None:
    """The text of a file that is not UTF-8 but in an encoding an app writes, when its header is that app's."""
    for fmt, encoding in formats.other_encodings():
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        try:
            table = find_table(path, text.splitlines(), fmt.matches)
        except FormatError:
            continue
        if formats.detect(table.columns) is fmt:
            return text
    return None


def split_comments(path, lines: list[str]):
    """Return (header comment lines with numbers, column header (lineno, text), body lines with numbers)."""
    header_comments, body_comments, data = [], [], []
    column_header = None
    for i, ln in enumerate(lines, start=1):
        stripped = ln.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            (header_comments if column_header is None else body_comments).append((i, stripped))
        elif column_header is None:
            column_header = (i, stripped)
        else:
            data.append((i, stripped))
    if column_header is None:
        raise error_at(path, None, "no column header line (expected a CSV header such as " + ",".join(V1_COLUMNS) + ")")
    return header_comments, column_header, body_comments, data


def handle_torn(
    path, data: list[tuple[int, str]], torn: int | None, n_fields: int, numeric_cols: Sequence[int], strict: bool,
    dialect: Dialect = Dialect(),
) -> None:
    if torn is None or not data or data[-1][0] != torn:
        return
    lineno, text = data[-1]
    fields = text.split(dialect.delimiter)
    numbers = [fields[c].replace(",", ".") if dialect.decimal == "," else fields[c] for c in numeric_cols
               if c < len(fields)]
    complete = len(fields) == n_fields and all(is_float(f) for f in numbers)
    if strict or not complete:
        # The v1 writer always ends a line with a newline: a line without one was cut by a crash, and even a
        # line that looks complete may have lost digits of its last number.
        data.pop()
        warn_at(path, lineno, "incomplete last line dropped (recording was interrupted)")


def parse_cells(path, rows: list[tuple[int, str]], cols: Sequence[int], n_fields: int, names: Sequence[str],
                dialect: Dialect = Dialect()) -> np.ndarray:
    """Parse the given columns of CSV rows to float64 (NaN/inf kept, for the caller to skip); on a field that is
    not a number or a wrong field count, name the first bad line and cell."""
    try:
        return parse_numbers(path, rows, cols, n_fields, names, dialect)
    except FormatError as exc:
        raise RecordingError(str(exc)) from None


def comment_lines(lines: Sequence[str]) -> list[tuple[int, str]]:
    return [(i, ln.strip()) for i, ln in enumerate(lines, start=1) if ln.strip().startswith("#")]


def without_torn(path, table: Table, torn: int | None) -> Table:
    """A last line without its newline is kept when it has every field, else dropped with a warning."""
    data = list(table.rows)
    handle_torn(path, data, torn, len(table.columns), (), strict=False, dialect=table.dialect)
    return table if len(data) == len(table.rows) else replace(table, rows=tuple(data))
