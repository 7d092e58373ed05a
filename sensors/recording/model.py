"""The recording's data model, its errors and the reader's shared message helpers and limits."""
from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field

import numpy as np

from sensors import validate
from sensors.batch import SensorInfo
from sensors.formats.table import FormatError

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
MAX_SKIPPED_FRACTION = 0.05  # more bad samples than this in one stream: the file is refused, not patched up
SHOW_MAX_CHARS = 40
NUMBER_BYTES = b"0123456789.eE+-"  # all a number the writer (`repr`) or a spreadsheet's plain export makes uses
PLACEMENT_PROBLEM = "the file carries no placement: pass --placement (pelvis, thigh_left or thigh_right)"
STAND_IN_PLACEMENT = "pelvis"  # reads a file without a placement on, to find its other problems for the same message
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


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


@dataclass(frozen=True)
class ReadParams:
    """Where the reader switches parsers: numpy parses bodies up to `numpy_parse_max_bytes` (longer ones: pandas'
    parser, ~4× faster per byte, pays for its import); a long v1 file's header is read from its first
    `large_head_bytes`, and its body scanned and parsed `large_block_bytes` at a time."""

    numpy_parse_max_bytes: int = 16_000_000
    large_head_bytes: int = 1 << 20
    large_block_bytes: int = 4 << 20


@dataclass(frozen=True)
class Read:
    """A recording and the route that read it (`ROUTES`): which parser, and whether the samples cache served it."""

    recording: Recording
    route: str


ROUTES = ("v1 whole", "v1 long", "v1 long, cached", "generic whole", "generic whole, cached", "generic long",
          "generic long, cached", "validating")


@dataclass(frozen=True)
class Columns:
    """A file's seven numeric columns (time, acc x/y/z, gyr x/y/z): names, scale to s, m/s², rad/s, and units."""

    names: tuple[str, ...]
    scale: np.ndarray
    acc_unit: str = "mps2"
    gyr_unit: str = "rads"
    generic: bool = False


V1_NUMERIC = Columns(V1_COLUMNS[1:], np.ones(len(V1_COLUMNS) - 1))


V1_NUMERIC = Columns(V1_COLUMNS[1:], np.ones(len(V1_COLUMNS) - 1))


class NeedsValidatingPath(Exception):
    """Raised inside the fast path when something has to be reported with its line number."""


def one_line(text: str) -> str:
    return _CONTROL_CHARS.sub(lambda m: repr(m.group())[1:-1], text)


def error_at(path, line: int | None, problem: str) -> RecordingError:
    where = f"{path}:{line}" if line else f"{path}"
    return RecordingError(one_line(f"{where}: {problem}"))


def warn_at(path, line: int | None, problem: str) -> None:
    where = f"{path}:{line}" if line else f"{path}"
    warnings.warn(one_line(f"{where}: {problem}"), RecordingWarning, stacklevel=4)


def show_value(value) -> str:
    """A header or event value as JSON text, shortened for a message."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= SHOW_MAX_CHARS else text[:SHOW_MAX_CHARS] + "…"
