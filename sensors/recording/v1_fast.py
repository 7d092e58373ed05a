"""The v1 reader's fast routes: a file the writer made, parsed by numpy (whole, or a block of lines at a time from
its binary cache's next read) or by pandas' C parser, then screened as every file is. Each returns None when
anything looks off; the validating reader (`v1_reader.py`) then reads the file and names the line."""
from __future__ import annotations

import io
import re
from typing import Sequence

import numpy as np

from sensors import cache
from sensors.batch import SensorInfo
from sensors.recording.model import (
    MAGIC, NUMBER_BYTES, V1_COLUMNS, V1_NUMERIC, Event, NeedsValidatingPath, Read, ReadParams, Recording,
    RecordingError, RecordingMeta, SensorStream,
)
from sensors.recording.screen import build_stream, gaps_of
from sensors.recording.text import first_block, wide_encoding
from sensors.recording.v1_header import parse_events, parse_v1_header

_NUMBER_CHARS = re.compile(rb"[0-9.eE+-]*")


def read_v1_whole(path, raw: bytes, params: ReadParams = ReadParams()) -> Read | None:
    """Fast path for well-formed v1 files (a vectorised parse, vectorised checks); None when anything looks off.

    Any doubt sends the file through `read_validating`, which is slower but names the exact line and problem.
    """
    if not raw.startswith(MAGIC.encode() + b"\n") or not raw.endswith(b"\n"):
        return None
    m = re.search(rb"^[^#\s]", raw, re.M)
    if m is None:
        return None
    try:
        head = raw[: m.start()].decode("utf-8").split("\n")
        meta, sensors = parse_v1_header(path, list(enumerate(head, start=1))[1:])
        events = parse_events(path, _body_comment_lines(raw, m.start()))
    except (UnicodeDecodeError, RecordingError):
        return None
    table = _v1_table(raw, m.start(), [s.sensor_id for s in sensors], params.numpy_parse_max_bytes)
    if table is None:
        return None
    codes, values = table
    parts = [values if len(sensors) == 1 else values[codes == k] for k in range(len(sensors))]
    del table, codes, values  # one copy of the samples at a time beside the file's bytes
    rec = _fast_recording(path, meta, sensors, parts, events)
    return None if rec is None else Read(rec, "v1 whole")


def read_v1_long(path: str, params: ReadParams = ReadParams()) -> Read | None:
    """`read_v1_whole` for a v1 file whose body is over `params.numpy_parse_max_bytes`, without holding the file's
    bytes: the header from its first block, then the samples and event lines a block of lines at a time, the
    samples straight into each sensor's table (`_v1_parts`), or both from the binary cache of an earlier read of
    the same file (`sensors.cache`: written here after a parse). The same recording as `read_v1_whole` (both
    parses are correctly rounded); None when anything looks off (the caller then reads the file whole)."""
    head = _long_head(path, params)
    if head is None:
        return None
    meta, sensors, start, lines_before = head
    ids = [s.sensor_id for s in sensors]
    key = cache.csv_key(path)
    read = cache.load(path, key, ids) if key is not None else None
    fresh = read is None
    if fresh:
        read = _v1_parts(path, start, lines_before, ids, params.large_block_bytes)
    if read is None:
        return None
    parts, comments = read
    try:
        events = parse_events(path, comments)
    except (UnicodeDecodeError, RecordingError):
        return None
    if fresh and key is not None:
        cache.store(path, key, ids, parts, comments)
    rec = _fast_recording(path, meta, sensors, parts, events)
    if rec is None:
        cache.drop(path)  # values the checks send to the validating path: not worth keeping
        return None
    return Read(rec, "v1 long" if fresh else "v1 long, cached")


def _long_head(path: str, params: ReadParams) -> tuple[RecordingMeta, list[SensorInfo], int, int] | None:
    """A long v1 file's metadata, sensors, the column header's byte offset and the lines before it, from its
    first block; None when the file is not one (short, not v1, not UTF-8, a header the checks refuse)."""
    first = first_block(path, params.large_head_bytes)
    if first is None:
        return None
    head, size = first
    m = re.search(rb"^[^#\s]", head, re.M)
    if not head.startswith(MAGIC.encode() + b"\n") or wide_encoding(head) is not None or m is None:
        return None
    end = head.find(b"\n", m.start())
    if end < 0 or size - end <= params.numpy_parse_max_bytes:
        return None
    try:
        meta, sensors = parse_v1_header(path, list(enumerate(head[: m.start()].decode("utf-8").split("\n"),
                                                              start=1))[1:])
    except (UnicodeDecodeError, RecordingError):
        return None
    return meta, sensors, m.start(), head[: m.start()].count(b"\n")


def _fast_recording(path: str, meta: RecordingMeta, sensors, parts: list[np.ndarray], events) -> Recording | None:
    """The recording of the fast paths from each declared sensor's parsed rows (`parts`, in order, consumed one at
    a time so only one sensor's copy is made at once); None when a stream needs the validating path."""
    streams = []
    try:
        for info in sensors:
            streams.append(_fast_stream(path, info, parts.pop(0), events))
    except NeedsValidatingPath:
        return None
    return Recording(path, meta, tuple(streams), tuple(events))


def _fast_stream(path, info: SensorInfo, values: np.ndarray, events: Sequence[Event]) -> SensorStream:
    if len(values) == 0:
        raise NeedsValidatingPath
    stream, _ = build_stream(path, info, values, None, gaps_of(events, info.sensor_id), V1_NUMERIC, info.sensor_id)
    return stream


def _v1_parts(path: str, start: int, lines_before: int, sensor_ids: Sequence[str], block_bytes: int
              ) -> tuple[list[np.ndarray], list[tuple[int, str]]] | None:
    """Every sensor's (rows, 7) values of a long v1 file whose column header starts at byte `start` (after
    `lines_before` lines), in file order, and the `#` lines after it (`_body_comment_lines`), read a block of whole
    lines at a time (`_v1_block`); None when the text is not the plain form the writer makes or the last line is
    torn (the caller then reads the file whole)."""
    ids = [i.encode() for i in sensor_ids]
    if any(_NUMBER_CHARS.fullmatch(i) for i in ids):
        return None  # an id that looks like a number: the whole-file reader's
    parts: list[list[np.ndarray]] = [[] for _ in ids]
    comments: list[tuple[int, str]] = []
    carry = b""
    with open(path, "rb") as f:
        f.seek(start)
        if f.readline() != ",".join(V1_COLUMNS).encode() + b"\n":
            return None
        lines_before += 1
        while block := f.read(block_bytes):
            block = b"\n" + carry + block  # a newline before the first row: `_body_comment_lines` counts it line 2
            cut = block.rfind(b"\n") + 1
            carry, block = block[cut:], block[:cut]
            found = _body_comment_lines(block, 1) if b"#" in block else []  # no number has a '#
            comments += [(line + lines_before - 1, text) for line, text in found]
            table = _v1_block(_without_comment_lines(block) if found else block, ids)
            if table is None:
                return None
            codes, values = table
            lines_before += len(values) + len(found)
            for k, part in enumerate(parts):
                part.append(values if len(ids) == 1 else values[codes == k])
            del table, codes, values
    if carry or not any(len(c) for p in parts for c in p):
        return None  # a torn last line, or no rows
    out = []
    while parts:  # one sensor's blocks joined at a time, then let go
        blocks = parts.pop(0)
        out.append(np.concatenate(blocks))
        del blocks
    return out, comments


def _v1_block(body: bytes, ids: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray] | None:
    """(sensor index per row, (rows, 7) values) of v1 rows (`body` starts with a newline, every row ends with one,
    no comment lines), or None. The checks of `_v1_table`'s numpy parse: every row starts with a declared id and a
    comma and has 8 fields, and all but the ids is digits, `.eE+-`, commas and newlines; `np.loadtxt` then parses
    the numbers (correctly rounded, as `float()` and the validating path; ~2× faster than `np.fromstring`, and
    without pandas' import and its ~40 MB of modules)."""
    buf = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(buf == ord("\n"))
    if len(ends) < 2:
        return np.zeros(0, dtype=np.intp), np.zeros((0, 7))
    codes = _row_ids(buf, ends[:-1] + 1, ids)
    # 7 commas a row on the whole: none has more, as `np.loadtxt` stops at a row with fewer
    if codes is None or np.count_nonzero(buf == ord(",")) != (len(V1_COLUMNS) - 1) * len(codes):
        return None  # a row without a declared id, or with another number of fields
    letters = np.array([len(i.translate(None, NUMBER_BYTES)) for i in ids])[codes].sum()
    if len(body.translate(None, NUMBER_BYTES + b",\n")) != letters:
        return None  # a byte no plain number has (a space, a quote, CR, a letter)
    try:
        values = np.loadtxt(io.BytesIO(body[1:]), delimiter=",", usecols=range(1, len(V1_COLUMNS)), comments=None,
                            quotechar=None, dtype=np.float64, ndmin=2)
    except ValueError:
        return None  # a field that is not a number (`1e`, `1.2.3`, empty), or a row with fewer fields
    return codes, values


def _row_ids(buf: np.ndarray, starts: np.ndarray, ids: Sequence[bytes]) -> np.ndarray | None:
    """The index in `ids` of the id each row (first byte at `starts` in `buf`) starts with, followed by a comma;
    None when a row starts with none of them."""
    codes = np.full(len(starts), -1, dtype=np.intp)
    last = len(buf) - 1
    for k, i in enumerate(ids):
        match = np.ones(len(starts), dtype=bool)
        for j, byte in enumerate(i + b","):
            match &= buf[np.minimum(starts + j, last)] == byte
        codes[match] = k
    return None if (codes < 0).any() else codes


def _v1_table(raw: bytes, start: int, sensor_ids: Sequence[str], max_bytes: int
              ) -> tuple[np.ndarray, np.ndarray] | None:
    """(sensor index per row, (rows, 7) values) of a v1 body whose column header starts at byte `start`, or None
    (the validating path then reads the file). numpy parses files the writer made, up to `max_bytes`;
    longer ones and anything else (spaces, CRLF, blank lines, ids that look like numbers) go to pandas."""
    end = raw.find(b"\n", start)
    if raw[start:end] == ",".join(V1_COLUMNS).encode() and len(raw) - end <= max_bytes:
        ids = [i.encode() for i in sensor_ids]
        if not any(_NUMBER_CHARS.fullmatch(i) for i in ids):
            # from the header's newline: every row follows a newline (as a long file's blocks, `_v1_parts`)
            table = _v1_block(_without_comment_lines(raw[end:]), ids)
            if table is not None and len(table[0]):
                return table
    return _v1_table_pandas(raw, sensor_ids)


def _v1_table_pandas(raw: bytes, sensor_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """`_v1_table` by pandas' C parser: faster than numpy's on long files, once pandas is imported (~0.4 s)."""
    import pandas as pd  # here, not at the top: writing, replaying, short files and `repscope --help` do without

    try:  # the sensor column as a category: its ids are hashed in C, not made into one string object per row
        df = pd.read_csv(io.BytesIO(raw), comment="#", engine="c",
                         dtype={c: ("category" if c == "sensor" else np.float64) for c in V1_COLUMNS})
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError):
        return None
    if list(df.columns) != list(V1_COLUMNS) or df.empty:
        return None
    sensor = df["sensor"].cat
    index = np.array([sensor_ids.index(c) if c in sensor_ids else -1 for c in sensor.categories] + [-1])
    codes = index[sensor.codes.to_numpy()]  # a missing id (code −1) takes the last entry: −1
    if (codes < 0).any():
        return None  # an undeclared or missing sensor id
    return codes, df.iloc[:, 1:].to_numpy(dtype=np.float64)


def _without_comment_lines(body: bytes) -> bytes:
    """`body` (starting at a newline, ending with one) without its `#` lines."""
    parts, pos = [], 0
    hit = body.find(b"\n#")
    while hit >= 0:
        parts.append(body[pos:hit])
        pos = body.find(b"\n", hit + 1)
        hit = body.find(b"\n#", pos)
    return b"".join(parts) + body[pos:] if parts else body


def _body_comment_lines(raw: bytes, start: int) -> list[tuple[int, str]]:
    """The `#` lines after byte `start` as (1-based line number, stripped text)."""
    out = []
    line, pos = raw.count(b"\n", 0, start) + 1, start
    hit = raw.find(b"\n#", start - 1)
    while hit >= 0:
        line += raw.count(b"\n", pos, hit + 1)
        pos = hit + 1
        end = raw.find(b"\n", pos)
        out.append((line, raw[pos:end].decode("utf-8", "replace").strip()))
        hit = raw.find(b"\n#", end)
    return out
