"""Recording format v1: crash-safe CSV writer and a validating reader (also the generic CSV import and other apps'
exports).

The format is documented in `recordings/FORMAT.md`. In short: `#` comment lines carry the metadata (one JSON value
per `# key: value` line, one `# sensor: {...}` line per sensor) and events (`# event: {...}` anywhere after the
column header); the body is long-format CSV, one row per sample of one sensor, so two sensors at different rates
share one file and `pandas.read_csv(path, comment="#")` gives every sample.

Modules: `model` (the dataclasses, errors, limits and message helpers), `writer`, `reader` (`read_recording`: which
route reads a file), `v1_fast` (the writer's files parsed by numpy, whole or a block at a time, or pandas),
`v1_header` and `v1_reader` (the validating v1 route), `generic` (repscope's column names in any CSV), `foreign`
(the vendor formats of `sensors.formats` and `--columns`), `text` (bytes to lines), `screen` (the checks every
route runs on a sensor's samples). Every route gives the same arrays bit for bit; `read_routed` says which one
read a file, and the routes themselves are public so tests compare them.
"""
from sensors.recording.model import (
    FORMAT_VERSION, FSYNC_INTERVAL_S, MAGIC, MAX_SKIPPED_FRACTION, ROUTES, STANDARD_GRAVITY_MPS2, UNITS, V1_COLUMNS,
    Event, Read, ReadParams, Recording, RecordingError, RecordingMeta, RecordingWarning, SensorStream,
)
from sensors.recording.reader import read_recording, read_routed, read_validating
from sensors.recording.generic import read_generic_whole
from sensors.recording.v1_fast import read_v1_long, read_v1_whole
from sensors.recording.writer import RecordingWriter, write_recording

__all__ = [
    "FORMAT_VERSION", "FSYNC_INTERVAL_S", "MAGIC", "MAX_SKIPPED_FRACTION", "ROUTES", "STANDARD_GRAVITY_MPS2", "UNITS",
    "V1_COLUMNS", "Event", "Read", "ReadParams", "Recording", "RecordingError", "RecordingMeta", "RecordingWarning",
    "RecordingWriter", "SensorStream", "read_generic_whole", "read_recording", "read_routed", "read_v1_long",
    "read_v1_whole", "read_validating", "write_recording",
]
