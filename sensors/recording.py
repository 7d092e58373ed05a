"""Recording format v1: crash-safe CSV writer and a validating reader (also the generic CSV import).

The format is documented in `recordings/FORMAT.md`. In short: `#` comment lines carry the metadata (one JSON value
per `# key: value` line, one `# sensor: {...}` line per sensor) and events (`# event: {...}` anywhere after the
column header); the body is long-format CSV, one row per sample of one sensor, so two sensors at different rates
share one file and `pandas.read_csv(path, comment="#")` gives every sample.
"""
from __future__ import annotations

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
import pandas as pd

from sensors.batch import PLACEMENTS, SampleBatch, SensorInfo

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
STANDARD_GRAVITY_MPS2 = 9.80665
FSYNC_INTERVAL_S = 1.0

# Generic import: accelerometer in m/s² or g, gyroscope in rad/s or deg/s; scale to SI.
_ACC_UNITS = {"mps2": 1.0, "g": STANDARD_GRAVITY_MPS2}
_GYR_UNITS = {"rads": 1.0, "dps": math.pi / 180.0}


class RecordingError(ValueError):
    """A recording file cannot be read; the message is one line: `FILE:LINE: problem`."""


class RecordingWarning(UserWarning):
    """A recoverable problem (torn last line after a crash); the data before it is intact."""


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
                + _json({"kind": "gap", "sensor": sid, "t_s": t_gap, "dropped": int(batch.dropped), "after_s": self._last_t[sid]})
                + "\n"
            )
        n_bad = int((~keep).sum())
        if n_bad:
            self.skipped += n_bad
            lines.append(
                "# event: "
                + _json({"kind": "skipped", "sensor": sid, "t_s": float(self._last_t[sid]) if math.isfinite(self._last_t[sid]) else 0.0,
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


def _err(path, line: int | None, problem: str) -> RecordingError:
    where = f"{path}:{line}" if line else f"{path}"
    return RecordingError(f"{where}: {problem}")


def _parse_header_line(path, lineno: int, text: str) -> tuple[str, object] | None:
    body = text[1:].strip()
    if ":" not in body:
        return None  # free comment
    key, _, value = body.partition(":")
    key = key.strip()
    if not key.replace("_", "").isalnum():
        return None
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        raise _err(path, lineno, f"header value of {key!r} is not valid JSON: {value.strip()[:60]!r}") from None


def read_recording(
    path: str | os.PathLike, *, placement: str | None = None, exercise: str | None = None
) -> Recording:
    """Read a v1 recording or a generic CSV (see FORMAT.md) into float64 arrays, validating everything.

    `placement` names the sensor placement of a generic CSV (required there) or, for v1 files, must be one of
    the file's sensors; `exercise` overrides the metadata's exercise. Raises `RecordingError` with a one-line
    `FILE:LINE: problem` message; a torn last line (crash while writing) is dropped with a `RecordingWarning`.
    """
    path = str(path)
    if placement is not None and placement not in PLACEMENTS:
        raise RecordingError(f"{path}: unknown placement {placement!r} (expected one of {', '.join(PLACEMENTS)})")
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise RecordingError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RecordingError(f"{path}: is a directory, not a recording") from None
    except OSError as exc:
        raise RecordingError(f"{path}: cannot read ({exc.strerror})") from None
    rec = _read_fast(path, raw, placement)
    if rec is None:
        rec = _read_validating(path, raw, placement)
    if placement is not None and rec.stream(placement) is None:
        raise _err(path, None, f"no sensor with placement {placement!r} (file has {', '.join(rec.placements)})")
    if exercise is not None:
        rec = replace(rec, meta=replace(rec.meta, exercise=exercise))
    return rec


def _read_fast(path, raw: bytes, placement: str | None) -> Recording | None:
    """Fast path for well-formed v1 files (pandas' C parser); None when anything looks off.

    Any doubt sends the file through `_read_validating`, which is slower but names the exact line and problem.
    """
    if not raw.startswith(MAGIC.encode() + b"\n") or not raw.endswith(b"\n"):
        return None
    m = re.search(rb"^[^#\s]", raw, re.M)
    if m is None:
        return None
    try:
        head = raw[: m.start()].decode("utf-8").split("\n")
    except UnicodeDecodeError:
        return None
    try:
        meta, sensors = _parse_v1_header(path, list(enumerate(head, start=1))[1:])
    except RecordingError:
        return None
    try:
        df = pd.read_csv(
            io.BytesIO(raw), comment="#", engine="c", dtype={c: (str if c == "sensor" else np.float64) for c in V1_COLUMNS}
        )
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError):
        return None
    if list(df.columns) != list(V1_COLUMNS) or df.empty:
        return None
    values = df.iloc[:, 1:].to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        return None
    sensor_col = df["sensor"].to_numpy()
    events = _parse_events(path, _event_lines(raw))
    streams = []
    for info in sensors:
        sel = sensor_col == info.sensor_id
        v = values[sel]
        if len(v) == 0 or (len(v) > 1 and not (np.diff(v[:, 0]) > 0).all()):
            return None
        streams.append(SensorStream(info, v[:, 0].copy(), v[:, 1:4].copy(), v[:, 4:7].copy(), _gaps(events, info.sensor_id)))
    if sum(len(s) for s in streams) != len(df):
        return None  # an undeclared sensor id
    return Recording(path, meta, tuple(streams), tuple(events))


def _event_lines(raw: bytes) -> list[tuple[int, str]]:
    out = []
    key = b"\n# event:"
    pos = raw.find(key)
    while pos >= 0:
        end = raw.find(b"\n", pos + 1)
        out.append((raw.count(b"\n", 0, pos + 1) + 1, raw[pos + 1 : end].decode("utf-8", "replace").strip()))
        pos = raw.find(key, end)
    return out


def _gaps(events: Sequence[Event], sensor_id: str) -> tuple[tuple[float, float], ...]:
    return tuple(
        (float(e.info.get("after_s", e.t_s)), float(e.t_s)) for e in events if e.kind == "gap" and e.sensor_id == sensor_id
    )


def _read_validating(path, raw: bytes, placement: str | None) -> Recording:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _err(path, line, "not UTF-8 text (is this a CSV recording?)") from None
    if not text.strip():
        raise _err(path, None, "empty file")
    lines = text.split("\n")
    torn = None
    if lines[-1] == "":
        lines.pop()
    else:
        torn = len(lines)  # no newline at the end: the writer was interrupted mid-line (or another tool wrote it)
    lines = [ln.rstrip("\r") for ln in lines]
    if lines[0].startswith("# repscope-recording"):
        if lines[0].strip() != MAGIC:
            raise _err(path, 1, f"unsupported format {lines[0][2:].strip()!r} (this repscope reads v1)")
        return _read_v1(path, lines, torn)
    return _read_generic(path, lines, torn, placement)


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
    path, data: list[tuple[int, str]], torn: int | None, n_fields: int, numeric_cols: Sequence[int], strict: bool
) -> None:
    if torn is None or not data or data[-1][0] != torn:
        return
    lineno, text = data[-1]
    fields = text.split(",")
    complete = len(fields) == n_fields and all(_is_float(fields[c]) for c in numeric_cols)
    if strict or not complete:
        # The v1 writer always ends a line with a newline: a line without one was cut by a crash, and even a
        # line that looks complete may have lost digits of its last number.
        data.pop()
        warnings.warn(f"{path}:{lineno}: incomplete last line dropped (recording was interrupted)", RecordingWarning, stacklevel=3)


def _is_float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _parse_numbers(path, rows: list[tuple[int, str]], cols: Sequence[int], n_fields: int, names: Sequence[str]) -> np.ndarray:
    """Parse the given columns of CSV rows to float64; on any problem, name the first bad line and cell."""
    out = np.empty((len(rows), len(cols)), dtype=np.float64)
    if not rows:
        return out
    try:
        out[:] = np.loadtxt([r[1] for r in rows], delimiter=",", usecols=cols, dtype=np.float64, ndmin=2, comments=None)
        ok = all(r[1].count(",") == n_fields - 1 for r in rows)
    except ValueError:
        ok = False
    if not ok:
        for lineno, text in rows:
            fields = text.split(",")
            if len(fields) != n_fields:
                raise _err(path, lineno, f"expected {n_fields} fields, found {len(fields)}")
            for c, name in zip(cols, names):
                if not _is_float(fields[c]):
                    raise _err(path, lineno, f"{name} is not a number: {fields[c].strip()[:30]!r}")
        raise _err(path, rows[0][0], "could not parse the numeric columns")
    bad = ~np.isfinite(out)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise _err(path, rows[r][0], f"{names[c]} is {out[r, c]} (NaN/inf not allowed)")
    return out


def _check_time(path, t_s: np.ndarray, linenos: np.ndarray, label: str) -> None:
    if len(t_s) == 0:
        return
    dt = np.diff(t_s)
    bad = np.flatnonzero(dt <= 0)
    if bad.size:
        i = bad[0] + 1
        kind = "duplicate" if dt[bad[0]] == 0 else "non-monotonic"
        raise _err(path, int(linenos[i]), f"{kind} time_s {float(t_s[i])!r} after {float(t_s[i - 1])!r}{label}")


def _parse_v1_header(path, header_comments: Sequence[tuple[int, str]]) -> tuple[RecordingMeta, list[SensorInfo]]:
    meta_fields: dict = {}
    sensors: list[SensorInfo] = []
    known_meta = {f for f in RecordingMeta.__dataclass_fields__}
    for lineno, text in header_comments:
        kv = _parse_header_line(path, lineno, text)
        if kv is None:
            continue
        key, value = kv
        if key == "sensor":
            if not isinstance(value, dict) or "sensor_id" not in value:
                raise _err(path, lineno, "sensor header must be a JSON object with sensor_id")
            sensors.append(_sensor_info(path, lineno, value))
        elif key in known_meta:
            meta_fields[key] = value
    if meta_fields.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
        raise _err(path, None, f"format_version {meta_fields['format_version']!r} is not 1")
    try:
        meta = RecordingMeta(**meta_fields)
    except TypeError as exc:
        raise _err(path, None, f"bad metadata: {exc}") from None
    if not sensors:
        raise _err(path, None, "no '# sensor: {...}' header line")
    return meta, sensors


def _read_v1(path, lines: list[str], torn: int | None) -> Recording:
    header_comments, (hline, header), body_comments, data = _split_comments(path, lines)
    columns = [c.strip() for c in header.split(",")]
    if columns != list(V1_COLUMNS):
        missing = [c for c in V1_COLUMNS if c not in columns]
        what = f"missing column(s) {', '.join(missing)}" if missing else f"columns must be exactly {','.join(V1_COLUMNS)}"
        raise _err(path, hline, what)
    meta, sensors = _parse_v1_header(path, header_comments[1:])
    _handle_torn(path, data, torn, len(V1_COLUMNS), range(1, 8), strict=True)
    if not data:
        raise _err(path, None, "no samples")
    events = _parse_events(path, body_comments)
    ids = [s.sensor_id for s in sensors]
    sensor_col = [text.split(",", 1)[0] for _, text in data]
    sensor_col_arr = np.asarray(sensor_col)
    unknown = ~np.isin(sensor_col_arr, ids)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        raise _err(path, data[i][0], f"sensor {sensor_col[i]!r} is not declared in the header ({', '.join(ids)})")
    values = _parse_numbers(path, data, range(1, 8), len(V1_COLUMNS), V1_COLUMNS[1:])
    linenos = np.fromiter((r[0] for r in data), dtype=np.int64, count=len(data))
    streams = []
    for info in sensors:
        sel = sensor_col_arr == info.sensor_id
        v = values[sel]
        if len(v) == 0:
            raise _err(path, None, f"sensor {info.sensor_id!r} has no samples")
        _check_time(path, v[:, 0], linenos[sel], f" for sensor {info.sensor_id}")
        streams.append(SensorStream(info, v[:, 0].copy(), v[:, 1:4].copy(), v[:, 4:7].copy(), _gaps(events, info.sensor_id)))
    return Recording(path, meta, tuple(streams), tuple(events))


def _sensor_info(path, lineno: int, d: dict) -> SensorInfo:
    fields = SensorInfo.__dataclass_fields__
    kwargs = {k: v for k, v in d.items() if k in fields}
    for k in ("rate_hz", "acc_range_g", "gyr_range_dps"):
        if kwargs.get(k) is None:
            kwargs[k] = float("nan")
    kwargs.setdefault("placement", kwargs["sensor_id"])
    if kwargs["placement"] not in PLACEMENTS:
        raise _err(path, lineno, f"unknown placement {kwargs['placement']!r} (expected one of {', '.join(PLACEMENTS)})")
    try:
        return SensorInfo(**kwargs)
    except TypeError as exc:
        raise _err(path, lineno, f"bad sensor header: {exc}") from None


def _parse_events(path, body_comments: Iterable[tuple[int, str]]) -> list[Event]:
    events = []
    for lineno, text in body_comments:
        kv = _parse_header_line(path, lineno, text)
        if kv is None or kv[0] != "event":
            continue
        d = kv[1]
        if not isinstance(d, dict) or "kind" not in d:
            raise _err(path, lineno, "event must be a JSON object with a 'kind'")
        info = {k: v for k, v in d.items() if k not in ("kind", "sensor", "t_s")}
        events.append(Event(str(d["kind"]), d.get("sensor"), float(d.get("t_s") or 0.0), info, lineno))
    return events


def _read_generic(path, lines: list[str], torn: int | None, placement: str | None) -> Recording:
    header_comments, (hline, header), _, data = _split_comments(path, lines)
    columns = [c.strip().strip('"').strip("'").strip() for c in header.split(",")]
    index = {name: i for i, name in enumerate(columns)}

    def pick(axis_prefix: str, units: dict) -> tuple[list[int], float]:
        for unit, scale in units.items():
            names = [f"{axis_prefix}_{ax}_{unit}" for ax in "xyz"]
            if all(n in index for n in names):
                return [index[n] for n in names], scale
        options = " or ".join(f"{axis_prefix}_x_{u}" for u in units)
        raise _err(path, hline, f"missing column(s): need {options} (and y, z); found {', '.join(columns)[:120]}")

    if "time_s" not in index:
        raise _err(path, hline, f"missing column time_s (found {', '.join(columns)[:120]})")
    acc_cols, acc_scale = pick("acc", _ACC_UNITS)
    gyr_cols, gyr_scale = pick("gyr", _GYR_UNITS)
    if placement is None:
        raise _err(path, None, "a generic CSV carries no placement: pass --placement (pelvis, thigh_left or thigh_right)")
    cols = [index["time_s"], *acc_cols, *gyr_cols]
    _handle_torn(path, data, torn, len(columns), cols, strict=False)
    if not data:
        raise _err(path, None, "no samples")
    names = [columns[c] for c in cols]
    values = _parse_numbers(path, data, cols, len(columns), names)
    linenos = np.fromiter((r[0] for r in data), dtype=np.int64, count=len(data))
    _check_time(path, values[:, 0], linenos, "")
    t = values[:, 0].copy()
    rate = float(1.0 / np.median(np.diff(t))) if len(t) > 1 else float("nan")
    info = SensorInfo(sensor_id=placement, placement=placement, model="generic CSV", rate_hz=rate)
    stream = SensorStream(info, t, values[:, 1:4] * acc_scale, values[:, 4:7] * gyr_scale)
    notes = " ".join(text.lstrip("# ") for _, text in header_comments)[:500]
    return Recording(path, RecordingMeta(notes=notes), (stream,), (), generic=True)
