"""The v1 writer: crash-safe appends of sample batches, and whole streams written atomically."""
from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import numpy as np

from sensors.batch import SampleBatch, SensorInfo
from sensors.recording.model import FSYNC_INTERVAL_S, MAGIC, UNITS, V1_COLUMNS, RecordingMeta, SensorStream


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
