"""The validating v1 reader: every line checked, every problem named with its line."""
from __future__ import annotations

import numpy as np

from sensors.batch import SensorInfo
from sensors.recording.model import SHOW_MAX_CHARS, V1_COLUMNS, V1_NUMERIC, Recording, error_at, warn_at
from sensors.recording.screen import build_stream, gaps_of
from sensors.recording.text import handle_torn, parse_cells, split_comments
from sensors.recording.v1_header import parse_events, parse_v1_header


def read_v1_text(path, lines: list[str], torn: int | None, placement: str | None) -> Recording:
    header_comments, (hline, header), body_comments, data = split_comments(path, lines)
    columns = [c.strip() for c in header.split(",")]
    if columns != list(V1_COLUMNS):
        missing = [c for c in V1_COLUMNS if c not in columns]
        what = (f"missing column(s) {', '.join(missing)}" if missing
                else f"columns must be exactly {','.join(V1_COLUMNS)}")
        raise error_at(path, hline, what)
    meta, sensors = parse_v1_header(path, header_comments[1:])
    handle_torn(path, data, torn, len(V1_COLUMNS), range(1, 8), strict=True)
    if not data:
        raise error_at(path, None, "no samples")
    events = parse_events(path, body_comments)
    ids = [s.sensor_id for s in sensors]
    sensor_col = np.asarray([text.split(",", 1)[0] for _, text in data])
    unknown = ~np.isin(sensor_col, ids)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        sid = str(sensor_col[i])[:SHOW_MAX_CHARS]
        raise error_at(path, data[i][0], f"sensor {sid!r} is not declared in the header ({', '.join(ids)})")
    values = parse_cells(path, data, range(1, 8), len(V1_COLUMNS), V1_COLUMNS[1:])
    linenos = np.fromiter((r[0] for r in data), dtype=np.int64, count=len(data))
    streams, skipped = [], 0
    for info in sensors:
        sel = sensor_col == info.sensor_id
        if not sel.any():
            _no_samples(path, info, placement)
            continue
        gaps = gaps_of(events, info.sensor_id)
        stream, n_bad = build_stream(path, info, values[sel], linenos[sel], gaps, V1_NUMERIC, info.sensor_id)
        streams.append(stream)
        skipped += n_bad
    return Recording(path, meta, tuple(streams), tuple(events), skipped=skipped)


def _no_samples(path, info: SensorInfo, placement: str | None) -> None:
    """A declared sensor without samples (it never connected): an error if asked for, else a warning."""
    if placement in (info.placement, info.sensor_id):
        raise error_at(path, None, f"sensor {info.sensor_id!r} (placement {info.placement}) has no samples")
    warn_at(path, None, f"sensor {info.sensor_id!r} has no samples: reading the other sensor(s) only")
