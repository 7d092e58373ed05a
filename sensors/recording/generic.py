"""The generic CSV import: a file with repscope's own column names (`time_s`, `acc_x_mps2` or `acc_x_g`,
`gyr_x_rads` or `gyr_x_dps`, …), by its fast route (numpy's or pandas' parse, a long file's values cached) or
line by line from a `Table` (the validating route, which names the line of every problem)."""
from __future__ import annotations

import codecs
import io
import math
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from sensors import cache, formats, validate
from sensors.batch import SensorInfo
from sensors.formats import column_map
from sensors.formats.table import SNIFF_ROWS, Dialect, FormatError, Table, names_list, sniff, unquote
from sensors.recording.model import (
    NUMBER_BYTES, PLACEMENT_PROBLEM, STAND_IN_PLACEMENT, STANDARD_GRAVITY_MPS2, Columns, NeedsValidatingPath, Read,
    ReadParams, Recording, RecordingError, RecordingMeta, SensorStream, error_at,
)
from sensors.recording.screen import build_stream
from sensors.recording.text import first_block, handle_torn, parse_cells, wide_encoding

_ACC_UNITS = {"mps2": 1.0, "g": STANDARD_GRAVITY_MPS2}
_GYR_UNITS = {"rads": 1.0, "dps": math.pi / 180.0}
_BODY_FORBIDDEN = (b"#", b'"', b"'")  # comments and quoting: the validating path's (blank lines: the row count)


@dataclass(frozen=True)
class _GenericLayout:
    """Where a generic CSV's seven columns are and what their names say about units."""

    cols: tuple[int, ...]
    spec: Columns


def _pick_axes(path, hline: int, columns: Sequence[str], prefix: str, units: dict) -> tuple[list[int], str, float]:
    """Column indices of `prefix`_x/y/z_UNIT for the first unit present, the unit and its scale to SI."""
    index = {name: i for i, name in enumerate(columns)}
    for unit, scale in units.items():
        names = [f"{prefix}_{ax}_{unit}" for ax in "xyz"]
        if all(n in index for n in names):
            return [index[n] for n in names], unit, scale
    options = " or ".join(f"{prefix}_x_{u}" for u in units)
    raise error_at(path, hline, f"missing column(s): need {options} (and y, z); found {names_list(columns)}")


def _generic_layout(path, hline: int, columns: Sequence[str]) -> _GenericLayout:
    if "time_s" not in columns:
        raise error_at(path, hline, f"missing column time_s (found {names_list(columns)})")
    acc_cols, acc_unit, acc_scale = _pick_axes(path, hline, columns, "acc", _ACC_UNITS)
    gyr_cols, gyr_unit, gyr_scale = _pick_axes(path, hline, columns, "gyr", _GYR_UNITS)
    cols = (list(columns).index("time_s"), *acc_cols, *gyr_cols)
    names = tuple(columns[c] for c in cols)
    spec = Columns(names, np.array([1.0] + [acc_scale] * 3 + [gyr_scale] * 3), acc_unit, gyr_unit, generic=True)
    return _GenericLayout(cols, spec)


def _check_generic(path, hline: int, columns: Sequence[str], layout: _GenericLayout, placement: str | None) -> None:
    if placement is None:
        raise error_at(path, None, "a generic CSV carries no placement: pass --placement (pelvis, thigh_left or"
                       " thigh_right)")
    twice = [columns[c] for c in layout.cols if list(columns).count(columns[c]) > 1]
    if twice:
        raise error_at(path, hline, f"duplicate column(s) {', '.join(twice)}: which one holds the samples?")


def generic_recording(path, stream: SensorStream, skipped: int, comments: Sequence[str]) -> Recording:
    t = stream.t_s
    rate = float(1.0 / np.median(np.diff(t))) if len(t) > 1 else float("nan")
    stream = replace(stream, info=replace(stream.info, rate_hz=rate))
    notes = " ".join(text.lstrip("# ") for text in comments)[:500]
    return Recording(path, RecordingMeta(notes=notes), (stream,), (), generic=True, skipped=skipped)


def generic_info(placement: str, model: str = "generic CSV") -> SensorInfo:
    return SensorInfo(sensor_id=placement, placement=placement, model=model)


def read_generic_table(path, table: Table, comments: Sequence[str], torn: int | None, placement: str | None
                       ) -> Recording:
    """A generic CSV line by line. Everything wrong with a file that has no placement, or other column names, is
    said in one line (the columns `--columns` would map, the `--units` the numbers look like, `--placement`)."""
    columns, hline = table.columns, table.header_line
    try:
        layout = _generic_layout(path, hline, columns)
    except RecordingError as exc:
        raise _unknown_columns(table, placement, str(exc)) from None
    _check_generic(path, hline, columns, layout, placement or STAND_IN_PLACEMENT)
    with problems_joined(path, placement):
        return _generic_samples(path, table, comments, torn, layout, placement or STAND_IN_PLACEMENT)


def _generic_samples(path, table: Table, comments: Sequence[str], torn: int | None, layout: _GenericLayout,
                     placement: str) -> Recording:
    columns = table.columns
    data = list(table.rows)
    handle_torn(path, data, torn, len(columns), layout.cols, strict=False, dialect=table.dialect)
    if not data:
        raise error_at(path, None, "no samples")
    values = parse_cells(path, data, layout.cols, len(columns), layout.spec.names, table.dialect)
    linenos = np.fromiter((r[0] for r in data), dtype=np.int64, count=len(data))
    stream, skipped = build_stream(path, generic_info(placement), values, linenos, (), layout.spec, None)
    return generic_recording(path, stream, skipped, comments)


@contextmanager
def problems_joined(path, placement: str | None):
    """Without a placement: the file is read on a stand-in one, and the missing placement is said with whatever
    else is wrong (one line, each problem with its option), or alone."""
    try:
        yield
    except RecordingError as exc:
        if placement is None:
            raise RecordingError(f"{exc}; {PLACEMENT_PROBLEM}") from None
        raise
    if placement is None:
        raise error_at(path, None, PLACEMENT_PROBLEM)


def _unknown_columns(table: Table, placement: str | None, problem: str) -> RecordingError:
    """The error for a CSV without repscope's column names: the problem, the `--columns` (and `--units`) its own
    names and numbers read as when they can be told apart (`column_map.guess`, `validate.guess_units`), and the
    missing placement."""
    guessed = column_map.guess(table.columns)
    fix = ("name the columns with --columns time=…,acc_x=…,acc_y=…,acc_z=…,gyr_x=…,gyr_y=…,gyr_z=… (and their"
           " units with --units time=…,acc=…,gyr=…)")
    if guessed is not None:
        units = _units_of(table, guessed)
        unknown = [k for k, u in zip(("time", "acc", "gyr"), units) if u is None]
        fix = f"this header reads as {column_map.suggestion(guessed, units)}" + (
            f" (the {' and '.join(unknown)} unit(s) not told by the numbers: add them to --units)" if unknown else "")
    text = f"{problem}: {fix}" + ("" if placement is not None else f"; {PLACEMENT_PROBLEM}")
    return RecordingError(text)


def _units_of(table: Table, names: tuple[str, ...]) -> tuple[str | None, str | None, str | None]:
    """The units the named columns' numbers look like (None each when a cell is not a number)."""
    try:
        d = column_map.decode(table, column_map.ColumnMap(names))
    except FormatError:
        return None, None, None
    return validate.guess_units(d.values[:, 0], d.values[:, 1:4], d.values[:, 4:7])


@dataclass(frozen=True)
class _Head:
    """What a well-formed generic CSV's lines before its body say: its columns, dialect, layout and comments."""

    columns: tuple[str, ...]
    dialect: Dialect
    layout: _GenericLayout
    comments: list[str]


def read_generic_whole(path, raw: bytes, placement: str, params: ReadParams = ReadParams()) -> Read | None:
    """Fast route for a well-formed generic CSV: numpy's or pandas' C parser (a long file's values cached beside
    it for the next read, `sensors.cache`) and the vectorised screening; None when anything looks off (then
    `read_validating` reads it, naming the line and problem). Same result as that route."""
    found = _well_formed(path, raw, placement)
    if found is None:
        return None
    body, part = found
    n_lines = body.count(b"\n")
    if body.count(part.dialect.delimiter.encode()) != (len(part.columns) - 1) * n_lines:
        return None  # a line with a wrong number of fields
    names = part.layout.spec.names
    key = cache.csv_key(path) if len(body) > params.numpy_parse_max_bytes else None  # a long file's parse is cached
    cached = cache.load(path, key, names) if key is not None else None
    values = cached[0][0] if cached is not None else _generic_values(body, part, params.numpy_parse_max_bytes)
    del body
    return _finished(path, values, n_lines, part, placement, key, cached is not None, "generic whole")


def _finished(path, values: np.ndarray | None, n_lines: int, part: _Head, placement: str, key: cache.CsvKey | None,
              cached: bool, route: str) -> Read | None:
    """The recording of a fast route's parsed (or cached) `values` of a body of `n_lines` lines, the cache written
    after a parse (`key`: None for a short file) and dropped for values the checks refuse; None: to the validating
    route."""
    if values is None or len(values) != n_lines:
        return None  # blank lines (pandas skipped them)
    if key is not None and not cached:
        cache.store(path, key, part.layout.spec.names, [values], [])
    try:
        stream, _ = build_stream(path, generic_info(placement), values, None, (), part.layout.spec, None)
    except NeedsValidatingPath:
        if key is not None:
            cache.drop(path)
        return None
    rec = generic_recording(path, stream, 0, part.comments)
    return Read(rec, f"{route}, cached" if cached else route)


def read_generic_long(path, placement: str, params: ReadParams = ReadParams()) -> Read | None:
    """`read_generic_whole` for a generic CSV whose body is over `params.numpy_parse_max_bytes`, without holding
    the file's text (~125 B a row of 17-digit numbers): the head from its first `large_head_bytes`, then the body
    checked and parsed by pandas `large_block_bytes` of lines at a time (or only checked, its values from the
    cache of an earlier read). The same recording, the same checks; None when anything looks off or the file is
    short (the caller then reads it whole)."""
    head = _long_head(path, placement, params)
    if head is None:
        return None
    part, start = head
    key = cache.csv_key(path)
    cached = cache.load(path, key, part.layout.spec.names) if key is not None else None
    scanned = _scan_body(path, start, part, params.large_block_bytes, parse=cached is None)
    if scanned is None:
        return None
    values, n_lines = scanned
    if cached is not None:
        values = cached[0][0]
    return _finished(path, values, n_lines, part, placement, key, cached is not None, "generic long")


def _long_head(path, placement: str, params: ReadParams) -> tuple[_Head, int] | None:
    """A long generic CSV's head (`_well_formed` on its first block's whole lines) and its body's byte offset;
    None when the file is short, not UTF-8 text, or not one the fast route takes."""
    first = first_block(path, params.large_head_bytes)
    if first is None:
        return None
    block, size = first
    block = block[:block.rfind(b"\n") + 1]
    if wide_encoding(block) is not None or block.count(b"\n") <= SNIFF_ROWS + 1:
        return None
    found = _well_formed(path, block, placement)
    if found is None:
        return None
    start = len(block) - len(found[0])
    return (found[1], start) if size - start > params.numpy_parse_max_bytes else None


def _scan_body(path, start: int, part: _Head, block_bytes: int, parse: bool
               ) -> tuple[np.ndarray | None, int] | None:
    """The body from byte `start` a block of whole lines at a time: the checks of `read_generic_whole` (no comment
    or quote, every line's separators, a final newline) and, when `parse`, its values by pandas' parse of each
    block; (values or None, lines), or None when a check fails or a block does not parse."""
    sep, n_sep = part.dialect.delimiter.encode(), len(part.columns) - 1
    chunks, n_lines, rest = [], 0, b""
    with open(path, "rb") as f:
        f.seek(start)
        while block := f.read(block_bytes):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            block, rest = block[:cut], block[cut:]
            if not block:
                continue
            lines = block.count(b"\n")
            # the first line's fields set pandas' width for the block, as the file's first line does for the whole
            if (any(b in block for b in _BODY_FORBIDDEN) or block.count(sep) != n_sep * lines
                    or block[:block.find(b"\n")].count(sep) != n_sep):
                return None
            n_lines += lines
            if parse:
                values = _generic_values_pandas(block, part.dialect, part.layout)
                if values is None:
                    return None
                chunks.append(values)
    if rest or not n_lines:
        return None  # no final newline
    if not parse:
        return None, n_lines
    values = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    return values, n_lines


def _well_formed(path, raw: bytes, placement: str) -> tuple[bytes, _Head] | None:
    """The body and head of a generic CSV the fast route can take: a header after `#` lines only, a body without
    comments, quotes or empty first rows, ending with a newline, the layout's columns; else None."""
    raw = raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw
    m = re.search(rb"^[^#\s]", raw, re.M)
    if m is None or not raw.endswith(b"\n") or raw.startswith(b"# repscope-recording"):
        return None
    end = raw.find(b"\n", m.start())
    body = raw[end + 1:]
    if not body or any(b in body for b in _BODY_FORBIDDEN):
        return None
    try:
        head = raw[:end].decode("utf-8").split("\n")
        samples = _first_lines(body, SNIFF_ROWS)
    except UnicodeDecodeError:
        return None
    header, comments = head[-1].rstrip("\r").strip(), [ln.strip() for ln in head[:-1] if ln.strip()]
    if any(not c.startswith("#") for c in comments) or any(not s for s in samples):
        return None
    dialect = sniff(header, samples)
    columns = tuple(unquote(c) for c in header.split(dialect.delimiter))
    if formats.detect(columns) is not None:
        return None
    try:
        layout = _generic_layout(path, len(head), columns)
        _check_generic(path, len(head), columns, layout, placement)
    except RecordingError:
        return None
    return body, _Head(columns, dialect, layout, comments)


def _generic_values(body: bytes, head: _Head, max_bytes: int) -> np.ndarray | None:
    """The layout's (rows, 7) columns of a generic body: numpy's parse up to `max_bytes` (when every
    column is a number), else pandas'; None when they do not parse."""
    cols, n = list(head.layout.cols), len(head.columns)
    table = _parse_numeric(body, n, head.dialect.delimiter, head.dialect.decimal) if len(body) <= max_bytes else None
    if table is None:
        return _generic_values_pandas(body, head.dialect, head.layout)
    return table if cols == list(range(n)) else table[:, cols]


def _parse_numeric(body: bytes, n_fields: int, delimiter: str, decimal: str) -> np.ndarray | None:
    """(rows, n_fields) float64 of delimited lines (each ending with a newline) of plain decimal numbers, parsed
    by numpy (correctly rounded, as `float()` and the validating path's `np.loadtxt`); None if any line is not
    `n_fields` such numbers (a space, an empty field, a letter, a blank line)."""
    sep = delimiter.encode()
    if decimal != ".":
        body = body.replace(decimal.encode(), b".")
    n = body.count(b"\n")
    if n == 0 or body.translate(None, NUMBER_BYTES + sep + b"\n") or not _fields_per_line(body, sep, n_fields):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns (and stops) at text that is not a number
        try:
            values = np.fromstring(body[:-1].replace(b"\n", sep), dtype=np.float64, sep=delimiter)
        except (DeprecationWarning, ValueError):
            return None
    return values.reshape(n, n_fields) if values.size == n * n_fields else None


def _fields_per_line(body: bytes, sep: bytes, n_fields: int) -> bool:
    """Whether every line of `body` (each ending with a newline) has n_fields − 1 one-byte separators."""
    buf = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(buf == ord("\n"))
    per_line = np.diff(np.searchsorted(np.flatnonzero(buf == ord(sep)), ends), prepend=0)
    return bool(np.all(per_line == n_fields - 1))


def _generic_values_pandas(body: bytes, dialect: Dialect, layout: _GenericLayout) -> np.ndarray | None:
    """The layout's columns of a generic body by pandas' C parser (long files; other columns need not be numbers)."""
    import pandas as pd  # here, not at the top: `repscope --help` and short files do not need it

    try:
        df = pd.read_csv(io.BytesIO(body), sep=dialect.delimiter, decimal=dialect.decimal, header=None,
                         usecols=list(layout.cols), dtype=np.float64, engine="c")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError):
        return None
    return df[list(layout.cols)].to_numpy(dtype=np.float64)


def _first_lines(body: bytes, n: int) -> list[str]:
    """The first `n` lines of `body`, decoded and stripped (as the validating path sees them)."""
    out, pos = [], 0
    while len(out) < n and pos < len(body):
        nl = body.find(b"\n", pos)
        out.append(body[pos:nl].decode("utf-8").strip())
        pos = nl + 1
    return out
