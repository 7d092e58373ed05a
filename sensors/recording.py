"""Recording format v1: crash-safe CSV writer and a validating reader (also the generic CSV import).

The format is documented in `recordings/FORMAT.md`. In short: `#` comment lines carry the metadata (one JSON value
per `# key: value` line, one `# sensor: {...}` line per sensor) and events (`# event: {...}` anywhere after the
column header); the body is long-format CSV, one row per sample of one sensor, so two sensors at different rates
share one file and `pandas.read_csv(path, comment="#")` gives every sample (the reader parses the files the
writer makes with numpy alone: short ones whole, long ones a block of lines at a time; others long ones with pandas).
"""
from __future__ import annotations

import codecs
import io
import json
import math
import os
import re
import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from sensors import cache, formats, validate
from sensors.batch import PLACEMENTS, SampleBatch, SensorInfo
from sensors.formats import column_map
from sensors.formats.column_map import ColumnMap
from sensors.formats.decoded import Decoded
from sensors.formats.table import (
    SNIFF_ROWS, Dialect, FormatError, Table, find_table, is_float, parse_numbers, sniff, unquote,
)

MAGIC = "# repscope-recording v1"
FORMAT_VERSION = 1
V1_COLUMNS = (
    "sensor",
    "time_s",
    "acc_x_mps2",
    "acc_y_mps2",
    "acc_z_mps2",
    "gyr_x_rads",
    "gyr_y_rads",
    "gyr_z_rads",
)
UNITS = {"time_s": "s", "acc_*_mps2": "m/s^2 (specific force, gravity included)", "gyr_*_rads": "rad/s"}
STANDARD_GRAVITY_MPS2 = validate.STANDARD_GRAVITY_MPS2
FSYNC_INTERVAL_S = 1.0

# Generic import: accelerometer in m/s² or g, gyroscope in rad/s or deg/s; scale to SI.
_ACC_UNITS = {"mps2": 1.0, "g": STANDARD_GRAVITY_MPS2}
_GYR_UNITS = {"rads": 1.0, "dps": math.pi / 180.0}


class RecordingError(FormatError):
    """A recording file cannot be read; the message is one line: `FILE:LINE: problem`."""


class RecordingWarning(UserWarning):
    """A recoverable problem: a torn last line after a crash, skipped bad samples, a sensor without samples."""


@dataclass(frozen=True)
class RecordingMeta:
    """Session metadata stored in the header. `tempo` is the prescribed tempo string (`E-B-C-T`) or None."""

    format_version: int = FORMAT_VERSION
    exercise: str | None = None
    side: str | None = None
    tempo: str | None = None
    start_utc: str | None = None
    simulated: bool = False
    notes: str = ""


@dataclass(frozen=True)
class Event:
    """A comment event in the body (gap, dropped samples, reconnect, set start, …); `line` is 1-based."""

    kind: str
    sensor_id: str | None
    t_s: float
    info: dict = field(default_factory=dict)
    line: int = 0


@dataclass(frozen=True)
class SensorStream:
    """All samples of one sensor: `t_s` (n,) s, `acc_mps2` (n,3), `gyr_rads` (n,3), gaps as (t0_s, t1_s) pairs."""

    info: SensorInfo
    t_s: np.ndarray
    acc_mps2: np.ndarray
    gyr_rads: np.ndarray
    gaps: tuple[tuple[float, float], ...] = ()

    @property
    def placement(self) -> str:
        return self.info.placement

    def __len__(self) -> int:
        return len(self.t_s)


@dataclass(frozen=True)
class Recording:
    path: str
    meta: RecordingMeta
    streams: tuple[SensorStream, ...]
    events: tuple[Event, ...] = ()
    generic: bool = False  # True when read through the generic CSV import
    skipped: int = 0  # bad samples left out (each reason warned about)

    def stream(self, placement: str) -> SensorStream | None:
        for s in self.streams:
            if s.info.placement == placement or s.info.sensor_id == placement:
                return s
        return None

    @property
    def placements(self) -> tuple[str, ...]:
        return tuple(s.info.placement for s in self.streams)


# ---------------------------------------------------------------------------------------------------------- writing


def _json(value) -> str:
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False, allow_nan=False)


def _sensor_header(info: SensorInfo) -> dict:
    d = asdict(info)
    # NaN is not JSON; unknown numeric facts are written as null.
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in d.items()}


def _header_lines(meta: RecordingMeta, sensors: Sequence[SensorInfo]) -> list[str]:
    lines = [MAGIC]
    for key, value in asdict(meta).items():
        lines.append(f"# {key}: {_json(value)}")
    lines.append(f"# units: {_json(UNITS)}")
    for info in sensors:
        lines.append(f"# sensor: {_json(_sensor_header(info))}")
    lines.append(",".join(V1_COLUMNS))
    return lines


def _format_rows(sensor_id: str, t_s: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> str:
    # repr() of a Python float is the shortest string that round-trips exactly: lossless float64.
    block = np.column_stack([t_s, acc, gyr]).tolist()
    prefix = sensor_id + ","
    return "".join(prefix + ",".join(map(repr, row)) + "\n" for row in block)


def _check_sensors(sensors: Sequence[SensorInfo]) -> None:
    ids = [s.sensor_id for s in sensors]
    if not ids:
        raise ValueError("a recording needs at least one sensor")
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate sensor ids {ids}")
    for s in sensors:
        if not s.sensor_id or any(c in s.sensor_id for c in ",#\n\r\" "):
            raise ValueError(f"sensor id {s.sensor_id!r} must be non-empty without commas, quotes, '#' or spaces")


class RecordingWriter:
    """Appends sample batches to a v1 recording, crash-safely.

    Every `write` appends whole lines and flushes them to the OS, so a killed process loses nothing already
    written; the file is fsynced at least once per second (and on close) so a power loss loses at most ~1 s.
    Samples that would break the format (non-finite values, time not increasing) are skipped and counted in
    `skipped`, with an event line, instead of raising: a live stream must never stop on one bad sample.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        meta: RecordingMeta,
        sensors: Sequence[SensorInfo],
        *,
        overwrite: bool = False,
    ) -> None:
        _check_sensors(sensors)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "w" if overwrite else "x", encoding="utf-8", newline="\n")
        self._sensors = {s.sensor_id: s for s in sensors}
        self._last_t = {s.sensor_id: -math.inf for s in sensors}
        self.samples_written = {s.sensor_id: 0 for s in sensors}
        self.skipped = 0
        self._last_fsync = -math.inf
        self._file.write("\n".join(_header_lines(meta, sensors)) + "\n")
        self._sync(force=True)

    def _sync(self, force: bool = False) -> None:
        self._file.flush()
        now = time.monotonic()
        if force or now - self._last_fsync >= FSYNC_INTERVAL_S:
            os.fsync(self._file.fileno())
            self._last_fsync = now

    def write(self, batch: SampleBatch) -> None:
        sid = batch.sensor_id
        if sid not in self._sensors:
            raise ValueError(f"{self.path}: sensor {sid!r} is not declared in this recording")
        if len(batch) == 0:
            return
        t = np.asarray(batch.t_s, dtype=np.float64)
        acc = np.asarray(batch.acc_mps2, dtype=np.float64)
        gyr = np.asarray(batch.gyr_rads, dtype=np.float64)
        finite = np.isfinite(t) & np.isfinite(acc).all(axis=1) & np.isfinite(gyr).all(axis=1)
        # Keep only samples strictly later than everything already written for this sensor.
        running_max = np.maximum.accumulate(np.where(finite, t, -np.inf))
        prev = np.concatenate([[self._last_t[sid]], running_max[:-1]])
        keep = finite & (t > prev)
        lines = []
        if batch.gap_before and self.samples_written[sid] > 0:
            t_gap = float(t[keep][0]) if keep.any() else float(self._last_t[sid])
            lines.append(
                "# event: "
                + _json({"kind": "gap", "sensor": sid, "t_s": t_gap, "dropped": int(batch.dropped),
                         "after_s": self._last_t[sid]})
                + "\n"
            )
        n_bad = int((~keep).sum())
        if n_bad:
            self.skipped += n_bad
            lines.append(
                "# event: "
                + _json({"kind": "skipped", "sensor": sid,
                         "t_s": float(self._last_t[sid]) if math.isfinite(self._last_t[sid]) else 0.0,
                         "count": n_bad, "reason": "non-finite value or time not increasing"})
                + "\n"
            )
        if keep.any():
            lines.append(_format_rows(sid, t[keep], acc[keep], gyr[keep]))
            self._last_t[sid] = float(t[keep][-1])
            self.samples_written[sid] += int(keep.sum())
        self._file.write("".join(lines))
        self._sync()

    def event(self, kind: str, sensor_id: str | None, t_s: float, **info) -> None:
        """Append an event comment (e.g. `gap`, `reconnect`, `set_start`); `t_s` on the session clock."""
        payload = {"kind": kind, "sensor": sensor_id, "t_s": float(t_s)}
        payload.update(info)
        self._file.write("# event: " + _json(payload) + "\n")
        self._sync()

    def close(self) -> None:
        if not self._file.closed:
            self._sync(force=True)
            self._file.close()

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_recording(
    path: str | os.PathLike, meta: RecordingMeta, streams: Sequence[SensorStream], *, overwrite: bool = True
) -> Path:
    """Write whole streams at once (simulator, converters). Written to a temp file then renamed: atomic."""
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    with RecordingWriter(tmp, meta, [s.info for s in streams], overwrite=True) as w:
        for s in streams:
            t = np.asarray(s.t_s, dtype=np.float64)
            # Split at recorded gaps (t1 = first sample after the gap) so they come back as gap events.
            starts = np.searchsorted(t, [g[1] for g in s.gaps])
            cut = [0, *sorted({int(i) for i in starts if 0 < i < len(t)}), len(t)]
            for a, b in zip(cut[:-1], cut[1:]):
                if b > a:
                    w.write(SampleBatch(s.info.sensor_id, t[a:b], s.acc_mps2[a:b], s.gyr_rads[a:b], gap_before=a > 0))
        if w.skipped:
            raise ValueError(f"{path}: {w.skipped} samples were non-finite or not strictly increasing in time")
    if path.exists() and not overwrite:
        tmp.unlink()
        raise FileExistsError(f"{path} exists")
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------------------------------------------------- reading

MAX_SKIPPED_FRACTION = 0.05  # more bad samples than this in one stream: the file is refused, not patched up
SENSOR_ID_FORBIDDEN = ',#\n\r" '
SIDES = ("left", "right")
SHOW_MAX_CHARS = 40
ENCODING_SNIFF_BYTES = 4096
WIDE_ZERO_FRACTION = 0.9  # UTF-16/32 text: nearly every 2nd (4th) byte position is zero
_META_KEYS = frozenset(RecordingMeta.__dataclass_fields__)
_META_STRINGS = ("exercise", "tempo", "start_utc", "notes")
_SENSOR_NUMBERS = ("rate_hz", "acc_range_g", "gyr_range_dps")
_SENSOR_STRINGS = ("model", "address")
_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"), (codecs.BOM_UTF16_LE, "UTF-16"),
         (codecs.BOM_UTF16_BE, "UTF-16"))
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_NUMBER_BYTES = b"0123456789.eE+-"  # all a number the writer (`repr`) or a spreadsheet's plain export makes uses
_NUMBER_CHARS = re.compile(rb"[0-9.eE+-]*")
NUMPY_PARSE_MAX_BYTES = 16_000_000  # longer bodies: pandas' parser (~4× faster per byte) pays for its import
LARGE_HEAD_BYTES = 1 << 20  # a long v1 file's header is read from this first block (else: the file whole)
LARGE_BLOCK_BYTES = 4 << 20  # a long file is scanned for its event lines, and parsed, a block at a time


@dataclass(frozen=True)
class _Columns:
    """A file's seven numeric columns (time, acc x/y/z, gyr x/y/z): names, scale to s, m/s², rad/s, and units."""

    names: tuple[str, ...]
    scale: np.ndarray
    acc_unit: str = "mps2"
    gyr_unit: str = "rads"
    generic: bool = False


_V1_NUMERIC = _Columns(V1_COLUMNS[1:], np.ones(len(V1_COLUMNS) - 1))


class _NeedsValidatingPath(Exception):
    """Raised inside the fast path when something has to be reported with its line number."""


def _one_line(text: str) -> str:
    return _CONTROL_CHARS.sub(lambda m: repr(m.group())[1:-1], text)


def _err(path, line: int | None, problem: str) -> RecordingError:
    where = f"{path}:{line}" if line else f"{path}"
    return RecordingError(_one_line(f"{where}: {problem}"))


def _warn(path, line: int | None, problem: str) -> None:
    where = f"{path}:{line}" if line else f"{path}"
    warnings.warn(_one_line(f"{where}: {problem}"), RecordingWarning, stacklevel=4)


def _show(value) -> str:
    """A header or event value as JSON text, shortened for a message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= SHOW_MAX_CHARS else text[:SHOW_MAX_CHARS] + "…"


def _is_number(value) -> bool:
    """A finite JSON number (not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def _split_key(text: str) -> tuple[str, str] | None:
    """`# key: value` → (key, value text); None for a free comment."""
    key, sep, value = text[1:].strip().partition(":")
    key = key.strip()
    if not sep or not key.replace("_", "").isalnum():
        return None
    return key, value


def _json_value(path, lineno: int, key: str, value: str):
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise _err(path, lineno, f"header value of {key!r} is not valid JSON: {value.strip()[:60]!r}") from None


def read_recording(
    path: str | os.PathLike, *, placement: str | None = None, exercise: str | None = None,
    columns: ColumnMap | None = None,
) -> Recording:
    """Read a v1 recording or a generic CSV (see FORMAT.md) into float64 arrays, validating everything.

    `placement` names the sensor placement of a generic CSV (required there) or, for v1 files, must be one of
    the file's sensors; `exercise` overrides the metadata's exercise. Raises `RecordingError` with a one-line
    `FILE:LINE: problem` message. Recoverable problems give a `RecordingWarning`: a torn last line (crash while
    writing) is dropped; bad samples (non-finite, out of range, an isolated timestamp outlier) are skipped and
    counted (`Recording.skipped`); a declared sensor without samples is left out. Files from other apps (Movella
    DOT, MetaWear, Polar Sensor Logger, WitMotion) are recognised by their header; `columns` maps any other CSV.
    """
    path = str(path)
    if placement is not None and placement not in PLACEMENTS:
        raise RecordingError(f"{path}: unknown placement {placement!r} (expected one of {', '.join(PLACEMENTS)})")
    rec = _read_fast_large(path) if columns is None else None
    if rec is not None:
        return _checked(path, rec, placement, exercise)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise RecordingError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RecordingError(f"{path}: is a directory, not a recording") from None
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror})") from None
    encoding = _wide_encoding(raw)
    if encoding is not None:
        raise _err(path, None, f"file is {encoding} encoded; save it as UTF-8")
    rec = _read_fast(path, raw) if columns is None else None
    if rec is None and columns is None and placement is not None:
        rec = _read_generic_fast(path, raw, placement)
    if rec is None:
        try:
            rec = _read_validating(path, raw, placement, columns)
        except FormatError as exc:
            if isinstance(exc, RecordingError):
                raise
            raise RecordingError(str(exc)) from None
    return _checked(path, rec, placement, exercise)


def _checked(path, rec: Recording, placement: str | None, exercise: str | None) -> Recording:
    """The read recording with the asked placement (an error when it has none) and exercise."""
    if placement is not None and rec.stream(placement) is None:
        raise _err(path, None, f"no sensor with placement {placement!r} (file has {', '.join(rec.placements)})")
    if exercise is not None:
        rec = replace(rec, meta=replace(rec.meta, exercise=exercise))
    return rec


def _wide_encoding(raw: bytes) -> str | None:
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


def _read_fast_large(path: str) -> Recording | None:
    """`_read_fast` for a v1 file over NUMPY_PARSE_MAX_BYTES, without holding the file's bytes: the header from
    its first block, then the samples and event lines a block of lines at a time, the samples straight into each
    sensor's table (`_v1_parts`), or both from the binary cache of an earlier read of the same file
    (`sensors.cache`: written here after a parse). The same recording as `_read_fast` (both parses are correctly
    rounded); None when anything looks off (the caller then reads the file whole)."""
    try:
        with open(path, "rb") as f:
            head = f.read(LARGE_HEAD_BYTES)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    m = re.search(rb"^[^#\s]", head, re.M)
    if not head.startswith(MAGIC.encode() + b"\n") or _wide_encoding(head) is not None or m is None:
        return None
    end = head.find(b"\n", m.start())
    if end < 0 or size - end <= NUMPY_PARSE_MAX_BYTES:
        return None
    try:
        meta, sensors = _parse_v1_header(path, list(enumerate(head[: m.start()].decode("utf-8").split("\n"),
                                                              start=1))[1:])
    except (UnicodeDecodeError, RecordingError):
        return None
    ids = [s.sensor_id for s in sensors]
    key = cache.csv_key(path)
    read = cache.load(path, key, ids) if key is not None else None
    fresh = read is None
    if fresh:
        read = _v1_parts(path, m.start(), head[: m.start()].count(b"\n"), ids)
    if read is None:
        return None
    parts, comments = read
    try:
        events = _parse_events(path, comments)
    except (UnicodeDecodeError, RecordingError):
        return None
    if fresh and key is not None:
        cache.store(path, key, ids, parts, comments)
    rec = _fast_recording(path, meta, sensors, parts, events)
    if rec is None:
        cache.drop(path)  # values the checks send to the validating path: not worth keeping
    return rec


def _fast_recording(path: str, meta: RecordingMeta, sensors, parts: list[np.ndarray], events) -> Recording | None:
    """The recording of the fast paths from each declared sensor's parsed rows (`parts`, in order, consumed one at
    a time so only one sensor's copy is made at once); None when a stream needs the validating path."""
    streams = []
    try:
        for info in sensors:
            streams.append(_fast_stream(path, info, parts.pop(0), events))
    except _NeedsValidatingPath:
        return None
    return Recording(path, meta, tuple(streams), tuple(events))


def _v1_parts(path: str, start: int, lines_before: int, sensor_ids: Sequence[str]
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
        while block := f.read(LARGE_BLOCK_BYTES):
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
    letters = np.array([len(i.translate(None, _NUMBER_BYTES)) for i in ids])[codes].sum()
    if len(body.translate(None, _NUMBER_BYTES + b",\n")) != letters:
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


def _read_fast(path, raw: bytes) -> Recording | None:
    """Fast path for well-formed v1 files (a vectorised parse, vectorised checks); None when anything looks off.

    Any doubt sends the file through `_read_validating`, which is slower but names the exact line and problem.
    """
    if not raw.startswith(MAGIC.encode() + b"\n") or not raw.endswith(b"\n"):
        return None
    m = re.search(rb"^[^#\s]", raw, re.M)
    if m is None:
        return None
    try:
        head = raw[: m.start()].decode("utf-8").split("\n")
        meta, sensors = _parse_v1_header(path, list(enumerate(head, start=1))[1:])
        events = _parse_events(path, _body_comment_lines(raw, m.start()))
    except (UnicodeDecodeError, RecordingError):
        return None
    table = _v1_table(raw, m.start(), [s.sensor_id for s in sensors])
    if table is None:
        return None
    codes, values = table
    parts = [values if len(sensors) == 1 else values[codes == k] for k in range(len(sensors))]
    del table, codes, values  # one copy of the samples at a time beside the file's bytes
    return _fast_recording(path, meta, sensors, parts, events)


def _v1_table(raw: bytes, start: int, sensor_ids: Sequence[str]) -> tuple[np.ndarray, np.ndarray] | None:
    """(sensor index per row, (rows, 7) values) of a v1 body whose column header starts at byte `start`, or None
    (the validating path then reads the file). numpy parses files the writer made, up to NUMPY_PARSE_MAX_BYTES;
    longer ones and anything else (spaces, CRLF, blank lines, ids that look like numbers) go to pandas."""
    end = raw.find(b"\n", start)
    if raw[start:end] == ",".join(V1_COLUMNS).encode() and len(raw) - end <= NUMPY_PARSE_MAX_BYTES:
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


def _parse_numeric(body: bytes, n_fields: int, delimiter: str, decimal: str) -> np.ndarray | None:
    """(rows, n_fields) float64 of delimited lines (each ending with a newline) of plain decimal numbers, parsed
    by numpy (correctly rounded, as `float()` and the validating path's `np.loadtxt`); None if any line is not
    `n_fields` such numbers (a space, an empty field, a letter, a blank line)."""
    sep = delimiter.encode()
    if decimal != ".":
        body = body.replace(decimal.encode(), b".")
    n = body.count(b"\n")
    if n == 0 or body.translate(None, _NUMBER_BYTES + sep + b"\n") or not _fields_per_line(body, sep, n_fields):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns (and stops) at text that is not a number
        try:
            values = np.fromstring(body[:-1].replace(b"\n", sep), dtype=np.float64, sep=delimiter)
        except (DeprecationWarning, ValueError):
            return None
    return values.reshape(n, n_fields) if values.size == n * n_fields else None


def _fast_stream(path, info: SensorInfo, values: np.ndarray, events: Sequence[Event]) -> SensorStream:
    if len(values) == 0:
        raise _NeedsValidatingPath
    stream, _ = _build_stream(path, info, values, None, _gaps(events, info.sensor_id), _V1_NUMERIC, info.sensor_id)
    return stream


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


def _gaps(events: Sequence[Event], sensor_id: str) -> tuple[tuple[float, float], ...]:
    return tuple((e.info["after_s"], e.t_s) for e in events if e.kind == "gap" and e.sensor_id == sensor_id)


def _text_lines(path, raw: bytes) -> tuple[list[str], int | None]:
    """The file's lines (CR stripped) and the number of a last line without its newline (None if it has one)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = _vendor_text(path, raw)
        if text is None:
            line = raw[: exc.start].count(b"\n") + 1
            raise _err(path, line, "not UTF-8 text (is this a CSV recording?)") from None
    if not text.strip():
        raise _err(path, None, "empty file")
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


def _read_validating(path, raw: bytes, placement: str | None, columns: ColumnMap | None = None) -> Recording:
    lines, torn = _text_lines(path, raw)
    if lines[0].startswith("# repscope-recording"):
        if lines[0].strip() != MAGIC:
            raise _err(path, 1, f"unsupported format {lines[0][2:].strip()!r} (this repscope reads v1)")
        return _read_v1(path, lines, torn, placement)
    return _read_foreign(path, lines, torn, placement, columns)


def _split_comments(path, lines: list[str]):
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
        raise _err(path, None, "no column header line (expected a CSV header such as " + ",".join(V1_COLUMNS) + ")")
    return header_comments, column_header, body_comments, data


def _handle_torn(
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
        _warn(path, lineno, "incomplete last line dropped (recording was interrupted)")


def _parse_numbers(path, rows: list[tuple[int, str]], cols: Sequence[int], n_fields: int, names: Sequence[str],
                   dialect: Dialect = Dialect()) -> np.ndarray:
    """Parse the given columns of CSV rows to float64 (NaN/inf kept, for the caller to skip); on a field that is
    not a number or a wrong field count, name the first bad line and cell."""
    try:
        return parse_numbers(path, rows, cols, n_fields, names, dialect)
    except FormatError as exc:
        raise RecordingError(str(exc)) from None


def _check_time(path, t_s: np.ndarray, linenos: np.ndarray | None, sensor_id: str | None,
                name: str = "time_s") -> None:
    """Strictly increasing time, or an error naming the line (fast path: hand over to the validating path)."""
    if len(t_s) == 0:
        return
    dt = np.diff(t_s)
    bad = np.flatnonzero(dt <= 0)
    if bad.size:
        if linenos is None:
            raise _NeedsValidatingPath
        i = bad[0] + 1
        kind = "duplicate" if dt[bad[0]] == 0 else "non-monotonic"
        label = f" for sensor {sensor_id}" if sensor_id else ""
        raise _err(path, int(linenos[i]), f"{kind} {name} {float(t_s[i])!r} after {float(t_s[i - 1])!r}{label}")


# ---------------------------------------------------------------------------------------------------------- samples


def _expand(indices: np.ndarray, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[indices] = True
    return mask


def _time_flags(values: np.ndarray, keep: np.ndarray, gaps: Sequence[tuple[float, float]]) -> list[validate.Flag]:
    idx = np.flatnonzero(keep)
    jumps = validate.time_outliers(values[idx, 0], [g[1] for g in gaps])
    if not jumps.any():
        return []
    first = values[idx[jumps][0], 0]
    reason = f"time_s {first:.6g} is far off its neighbours (timestamp outlier)"
    return [validate.Flag(_expand(idx[jumps], len(values)), reason)]


def _screen(path, info: SensorInfo, values: np.ndarray, linenos: np.ndarray | None, gaps, cols: _Columns,
            sensor_id: str | None) -> np.ndarray:
    """Mask of the samples to keep. Bad samples (non-finite, isolated timestamp outliers, out of range) are
    skipped with one warning per reason; disordered time, unit mistakes and too many bad samples raise.
    With `linenos` None (the fast path), anything to report raises `_NeedsValidatingPath` instead."""
    nonfinite = validate.nonfinite(values, cols.names)
    flags = [nonfinite] if nonfinite else []
    keep = ~nonfinite.mask if nonfinite else np.ones(len(values), dtype=bool)
    flags += _time_flags(values, keep, gaps)
    keep = ~np.logical_or.reduce([f.mask for f in flags]) if flags else keep
    if flags and linenos is None:
        raise _NeedsValidatingPath
    kept = values if keep.all() else values[keep]  # no copy of a clean table
    _check_time(path, kept[:, 0], None if linenos is None else linenos[keep], sensor_id, cols.names[0])
    norms = validate.norms(kept, cols.scale)  # once for the unit and the range checks
    problem = validate.unit_problem(kept, cols.scale, cols.acc_unit, cols.gyr_unit, cols.generic, norms)
    if problem:
        raise _err(path, None, f"sensor {sensor_id}: {problem}" if sensor_id else problem)
    idx = np.flatnonzero(keep)
    for f in validate.out_of_range(kept, cols.scale, cols.names, info.acc_range_g, info.gyr_range_dps, norms):
        flags.append(validate.Flag(_expand(idx[f.mask], len(values)), f.reason))
    if not flags:
        return keep
    if linenos is None:
        raise _NeedsValidatingPath
    _report_skipped(path, flags, linenos, sensor_id)
    return ~np.logical_or.reduce([f.mask for f in flags])


def _report_skipped(path, flags: Sequence[validate.Flag], linenos: np.ndarray, sensor_id: str | None) -> None:
    """One warning per reason; an error when more than MAX_SKIPPED_FRACTION of the samples are bad."""
    n = len(linenos)
    count = int(np.logical_or.reduce([f.mask for f in flags]).sum())
    of = f" of sensor {sensor_id}" if sensor_id else ""
    if count > MAX_SKIPPED_FRACTION * n:
        first = min(flags, key=lambda f: f.first)
        problem = f"{first.reason}; {count} of {n} samples{of} are bad, too many to skip"
        raise _err(path, int(linenos[first.first]), problem)
    for f in flags:
        k = int(f.mask.sum())
        what = "sample skipped" if k == 1 else f"{k} such samples{of} skipped"
        _warn(path, int(linenos[f.first]), f"{f.reason}: {what}")


def _build_stream(path, info: SensorInfo, values: np.ndarray, linenos: np.ndarray | None, gaps, cols: _Columns,
                  sensor_id: str | None) -> tuple[SensorStream, int]:
    """A validated stream from raw (n, 7) values in file units, and the number of samples skipped."""
    keep = _screen(path, info, values, linenos, gaps, cols, sensor_id)
    v = values if keep.all() else values[keep]
    s = cols.scale  # each product is the column's own copy: no scaled copy of the whole table beside it
    return SensorStream(info, v[:, 0] * s[0], v[:, 1:4] * s[1:4], v[:, 4:7] * s[4:7], tuple(gaps)), int((~keep).sum())


# ---------------------------------------------------------------------------------------------------------- v1 files


def _parse_v1_header(path, header_comments: Sequence[tuple[int, str]]) -> tuple[RecordingMeta, list[SensorInfo]]:
    fields: dict[str, tuple[int, object]] = {}
    sensors: list[tuple[int, SensorInfo]] = []
    for lineno, text in header_comments:
        kv = _split_key(text)
        if kv is None:
            continue
        key, value = kv[0], _json_value(path, lineno, *kv)
        if key == "sensor":
            sensors.append((lineno, _sensor_info(path, lineno, value)))
        elif key in _META_KEYS:
            if key in fields:
                raise _err(path, lineno, f"duplicate header line {key!r} (first on line {fields[key][0]})")
            fields[key] = (lineno, value)
    if not sensors:
        raise _err(path, None, "no '# sensor: {...}' header line")
    _check_sensor_set(path, sensors)
    return RecordingMeta(**{key: _meta_value(path, line, key, value) for key, (line, value) in fields.items()}), [
        info for _, info in sensors
    ]


def _meta_value(path, lineno: int, key: str, value):
    """One metadata value, type-checked (JSON `true` is not the format version 1)."""
    if key == "format_version":
        if type(value) is not int or value != FORMAT_VERSION:
            raise _err(path, lineno, f"format_version {_show(value)} is not {FORMAT_VERSION} (this repscope reads v1)")
        return value
    if key == "simulated":
        if value is not None and not isinstance(value, bool):
            raise _err(path, lineno, f"simulated must be true or false, not {_show(value)}")
        return bool(value)
    if key == "side":
        if value is not None and value not in SIDES:
            raise _err(path, lineno, f"side must be \"left\", \"right\" or null, not {_show(value)}")
        return value
    if value is not None and not isinstance(value, str):
        raise _err(path, lineno, f"{key} must be a string or null, not {_show(value)}")
    return "" if value is None and key == "notes" else value


def _sensor_info(path, lineno: int, d) -> SensorInfo:
    if not isinstance(d, dict) or "sensor_id" not in d:
        raise _err(path, lineno, "sensor header must be a JSON object with sensor_id")
    sid = d["sensor_id"]
    if not isinstance(sid, str) or not sid or any(c in sid for c in SENSOR_ID_FORBIDDEN):
        rule = "a non-empty string without commas, quotes, '#' or spaces"
        raise _err(path, lineno, f"sensor_id must be {rule}, not {_show(sid)}")
    placement = d.get("placement", sid)
    if not isinstance(placement, str) or placement not in PLACEMENTS:
        raise _err(path, lineno, f"unknown placement {_show(placement)} (expected one of {', '.join(PLACEMENTS)})")
    kwargs: dict = {"sensor_id": sid, "placement": placement}
    for key in _SENSOR_NUMBERS:
        value = d.get(key)
        if value is not None and not (_is_number(value) and value > 0):
            raise _err(path, lineno, f"{key} must be a positive number or null, not {_show(value)}")
        kwargs[key] = float("nan") if value is None else float(value)
    for key in _SENSOR_STRINGS:
        value = d.get(key)
        if value is not None and not isinstance(value, str):
            raise _err(path, lineno, f"{key} must be a string, not {_show(value)}")
        if value is not None:
            kwargs[key] = value
    extra = d.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise _err(path, lineno, f"extra must be a JSON object, not {_show(extra)}")
    return SensorInfo(**kwargs, extra=extra or {})


def _check_sensor_set(path, sensors: Sequence[tuple[int, SensorInfo]]) -> None:
    """Sensor ids and placements are unique (repscope tells the sensors apart by placement)."""
    ids: dict[str, int] = {}
    placements: dict[str, SensorInfo] = {}
    for lineno, info in sensors:
        if info.sensor_id in ids:
            first = ids[info.sensor_id]
            raise _err(path, lineno, f"duplicate sensor {info.sensor_id!r} (first declared on line {first})")
        if info.placement in placements:
            other = placements[info.placement].sensor_id
            raise _err(path, lineno, f"sensors {other!r} and {info.sensor_id!r} both have placement {info.placement}")
        ids[info.sensor_id] = lineno
        placements[info.placement] = info


def _parse_events(path, body_comments: Iterable[tuple[int, str]]) -> list[Event]:
    events = []
    for lineno, text in body_comments:
        kv = _split_key(text)
        if kv is not None and kv[0] == "event":
            events.append(_event(path, lineno, _json_value(path, lineno, *kv)))
    return events


def _event(path, lineno: int, d) -> Event:
    if not isinstance(d, dict) or not isinstance(d.get("kind"), str) or not d["kind"]:
        raise _err(path, lineno, "event must be a JSON object with a 'kind' string")
    sensor = d.get("sensor")
    if sensor is not None and not isinstance(sensor, str):
        raise _err(path, lineno, f"event sensor must be a sensor_id string or null, not {_show(sensor)}")
    t_s = _event_time(path, lineno, d, "t_s", 0.0)
    info = {k: v for k, v in d.items() if k not in ("kind", "sensor", "t_s")}
    if d["kind"] == "gap":
        info["after_s"] = _event_time(path, lineno, d, "after_s", t_s)
    return Event(d["kind"], sensor, t_s, info, lineno)


def _event_time(path, lineno: int, d: dict, key: str, default: float) -> float:
    value = d.get(key)
    if value is None:
        return default
    if not _is_number(value):
        raise _err(path, lineno, f"event {key} must be a number of seconds, not {_show(value)}")
    return float(value)


def _read_v1(path, lines: list[str], torn: int | None, placement: str | None) -> Recording:
    header_comments, (hline, header), body_comments, data = _split_comments(path, lines)
    columns = [c.strip() for c in header.split(",")]
    if columns != list(V1_COLUMNS):
        missing = [c for c in V1_COLUMNS if c not in columns]
        what = (f"missing column(s) {', '.join(missing)}" if missing
                else f"columns must be exactly {','.join(V1_COLUMNS)}")
        raise _err(path, hline, what)
    meta, sensors = _parse_v1_header(path, header_comments[1:])
    _handle_torn(path, data, torn, len(V1_COLUMNS), range(1, 8), strict=True)
    if not data:
        raise _err(path, None, "no samples")
    events = _parse_events(path, body_comments)
    ids = [s.sensor_id for s in sensors]
    sensor_col = np.asarray([text.split(",", 1)[0] for _, text in data])
    unknown = ~np.isin(sensor_col, ids)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        sid = str(sensor_col[i])[:SHOW_MAX_CHARS]
        raise _err(path, data[i][0], f"sensor {sid!r} is not declared in the header ({', '.join(ids)})")
    values = _parse_numbers(path, data, range(1, 8), len(V1_COLUMNS), V1_COLUMNS[1:])
    linenos = np.fromiter((r[0] for r in data), dtype=np.int64, count=len(data))
    streams, skipped = [], 0
    for info in sensors:
        sel = sensor_col == info.sensor_id
        if not sel.any():
            _no_samples(path, info, placement)
            continue
        gaps = _gaps(events, info.sensor_id)
        stream, n_bad = _build_stream(path, info, values[sel], linenos[sel], gaps, _V1_NUMERIC, info.sensor_id)
        streams.append(stream)
        skipped += n_bad
    return Recording(path, meta, tuple(streams), tuple(events), skipped=skipped)


def _no_samples(path, info: SensorInfo, placement: str | None) -> None:
    """A declared sensor without samples (it never connected): an error if asked for, else a warning."""
    if placement in (info.placement, info.sensor_id):
        raise _err(path, None, f"sensor {info.sensor_id!r} (placement {info.placement}) has no samples")
    _warn(path, None, f"sensor {info.sensor_id!r} has no samples: reading the other sensor(s) only")


# ---------------------------------------------------------------------------------------------------------- generic CSV


def _pick_axes(path, hline: int, columns: Sequence[str], prefix: str, units: dict) -> tuple[list[int], str, float]:
    """Column indices of `prefix`_x/y/z_UNIT for the first unit present, the unit and its scale to SI."""
    index = {name: i for i, name in enumerate(columns)}
    for unit, scale in units.items():
        names = [f"{prefix}_{ax}_{unit}" for ax in "xyz"]
        if all(n in index for n in names):
            return [index[n] for n in names], unit, scale
    options = " or ".join(f"{prefix}_x_{u}" for u in units)
    raise _err(path, hline, f"missing column(s): need {options} (and y, z); found {', '.join(columns)[:120]}")


@dataclass(frozen=True)
class _GenericLayout:
    """Where a generic CSV's seven columns are and what their names say about units."""

    cols: tuple[int, ...]
    spec: _Columns


def _generic_layout(path, hline: int, columns: Sequence[str]) -> _GenericLayout:
    if "time_s" not in columns:
        raise _err(path, hline, f"missing column time_s (found {', '.join(columns)[:120]})")
    acc_cols, acc_unit, acc_scale = _pick_axes(path, hline, columns, "acc", _ACC_UNITS)
    gyr_cols, gyr_unit, gyr_scale = _pick_axes(path, hline, columns, "gyr", _GYR_UNITS)
    cols = (list(columns).index("time_s"), *acc_cols, *gyr_cols)
    names = tuple(columns[c] for c in cols)
    spec = _Columns(names, np.array([1.0] + [acc_scale] * 3 + [gyr_scale] * 3), acc_unit, gyr_unit, generic=True)
    return _GenericLayout(cols, spec)


def _check_generic(path, hline: int, columns: Sequence[str], layout: _GenericLayout, placement: str | None) -> None:
    if placement is None:
        raise _err(path, None, "a generic CSV carries no placement: pass --placement (pelvis, thigh_left or"
                   " thigh_right)")
    twice = [columns[c] for c in layout.cols if list(columns).count(columns[c]) > 1]
    if twice:
        raise _err(path, hline, f"duplicate column(s) {', '.join(twice)}: which one holds the samples?")


def _generic_recording(path, stream: SensorStream, skipped: int, comments: Sequence[str]) -> Recording:
    t = stream.t_s
    rate = float(1.0 / np.median(np.diff(t))) if len(t) > 1 else float("nan")
    stream = replace(stream, info=replace(stream.info, rate_hz=rate))
    notes = " ".join(text.lstrip("# ") for text in comments)[:500]
    return Recording(path, RecordingMeta(notes=notes), (stream,), (), generic=True, skipped=skipped)


def _generic_info(placement: str, model: str = "generic CSV") -> SensorInfo:
    return SensorInfo(sensor_id=placement, placement=placement, model=model)


def _read_generic(path, table: Table, comments: Sequence[str], torn: int | None, placement: str | None) -> Recording:
    columns, hline = table.columns, table.header_line
    layout = _generic_layout(path, hline, columns)
    _check_generic(path, hline, columns, layout, placement)
    data = list(table.rows)
    _handle_torn(path, data, torn, len(columns), layout.cols, strict=False, dialect=table.dialect)
    if not data:
        raise _err(path, None, "no samples")
    values = _parse_numbers(path, data, layout.cols, len(columns), layout.spec.names, table.dialect)
    linenos = np.fromiter((r[0] for r in data), dtype=np.int64, count=len(data))
    stream, skipped = _build_stream(path, _generic_info(placement), values, linenos, (), layout.spec, None)
    return _generic_recording(path, stream, skipped, comments)


# ------------------------------------------------------------------------------------------------------ fast generic

_BODY_FORBIDDEN = (b"#", b'"', b"'")  # comments and quoting: the validating path's (blank lines: the row count)


def _read_generic_fast(path, raw: bytes, placement: str) -> Recording | None:
    """Fast path for a well-formed generic CSV: numpy's or pandas' C parser (a long file's values cached beside it
    for the next read, `sensors.cache`) and the vectorised screening; None when anything looks off (then
    `_read_validating` reads it, naming the line and problem). Same result as that path."""
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
    n_lines = body.count(b"\n")
    if body.count(dialect.delimiter.encode()) != (len(columns) - 1) * n_lines:
        return None  # a line with a wrong number of fields
    key = cache.csv_key(path) if len(body) > NUMPY_PARSE_MAX_BYTES else None  # a long file's parse is cached
    cached = cache.load(path, key, layout.spec.names) if key is not None else None
    values = cached[0][0] if cached is not None else _generic_values(body, columns, dialect, layout)
    del body
    if values is None or len(values) != n_lines:
        return None  # blank lines (pandas skipped them)
    if key is not None and cached is None:
        cache.store(path, key, layout.spec.names, [values], [])
    try:
        stream, _ = _build_stream(path, _generic_info(placement), values, None, (), layout.spec, None)
    except _NeedsValidatingPath:
        if key is not None:
            cache.drop(path)
        return None
    return _generic_recording(path, stream, 0, comments)


def _generic_values(body: bytes, columns: Sequence[str], dialect: Dialect, layout: _GenericLayout
                    ) -> np.ndarray | None:
    """The layout's (rows, 7) columns of a generic body: numpy's parse up to NUMPY_PARSE_MAX_BYTES (when every
    column is a number), else pandas'; None when they do not parse."""
    table = _parse_numeric(body, len(columns), dialect.delimiter, dialect.decimal) \
        if len(body) <= NUMPY_PARSE_MAX_BYTES else None
    if table is None:
        return _generic_values_pandas(body, dialect, layout)
    return table if list(layout.cols) == list(range(len(columns))) else table[:, list(layout.cols)]


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


# -------------------------------------------------------------------------------------------------------- other apps


def _read_foreign(path, lines: list[str], torn: int | None, placement: str | None,
                  columns: ColumnMap | None) -> Recording:
    """A CSV that is not v1: a vendor format recognised by its header, a --columns mapped file, or generic."""
    if columns is not None:
        need = column_map.HEADER_MIN_NAMES
        table = find_table(path, lines, lambda cells: sum(n in cells for n in columns.names) >= need)
        missing = [n for n in columns.names if n not in table.columns]
        if missing:
            raise _err(path, table.header_line, f"--columns: no column(s) {', '.join(missing)} in the header (found"
                       f" {', '.join(table.columns)[:120]})")

        def decode(t: Table, _sibling) -> Decoded:
            return column_map.decode(t, columns)
    else:
        table = find_table(path, lines, lambda cells: formats.detect(cells) is not None)
        fmt = formats.detect(table.columns)
        if fmt is None:
            comments = [text for _, text in _comment_lines(lines[: table.header_line - 1])]
            return _read_generic(path, table, comments, torn, placement)
        decode = fmt.decode
    if placement is None:
        raise _err(path, None, "a CSV from another app carries no placement: pass --placement (pelvis, thigh_left"
                   " or thigh_right)")
    table = _without_torn(path, table, torn)
    if not table.rows:
        raise _err(path, None, "no samples")
    decoded = decode(table, _sibling_table)
    try:
        stream, skipped = _decoded_stream(path, decoded, placement)
    except RecordingError as exc:
        raise RecordingError(column_map.hint(str(exc)) if columns is not None else str(exc)) from None
    return _generic_recording(path, stream, skipped, [decoded.notes] if decoded.notes else [])


def _comment_lines(lines: Sequence[str]) -> list[tuple[int, str]]:
    return [(i, ln.strip()) for i, ln in enumerate(lines, start=1) if ln.strip().startswith("#")]


def _without_torn(path, table: Table, torn: int | None) -> Table:
    """A last line without its newline is kept when it has every field, else dropped with a warning."""
    data = list(table.rows)
    _handle_torn(path, data, torn, len(table.columns), (), strict=False, dialect=table.dialect)
    return table if len(data) == len(table.rows) else replace(table, rows=tuple(data))


def _sibling_table(path: str) -> Table:
    """The second file of an accelerometer/gyroscope pair, read as text and cut into its table."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror})") from None
    encoding = _wide_encoding(raw)
    if encoding is not None:
        raise _err(path, None, f"file is {encoding} encoded; save it as UTF-8")
    lines, torn = _text_lines(path, raw)
    return _without_torn(path, find_table(path, lines, lambda cells: formats.detect(cells) is not None), torn)


def _decoded_stream(path, d: Decoded, placement: str) -> tuple[SensorStream, int]:
    """A decoded foreign stream through the same screening as every file (line numbers in `d.source` if set)."""
    spec = _Columns(d.names, d.scale, d.acc_unit, d.gyr_unit, generic=False)
    return _build_stream(d.source or path, _generic_info(placement, d.model), d.values, d.linenos, d.gaps, spec, None)
