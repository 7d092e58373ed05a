"""A recording file → what the history keeps of it: content hash, start time, sensors and the analysed sets.

`analyse_for_import` is what `import`, `batch` (local processes or Dask workers) and `record`/`live` run per file;
it never raises for a bad file but returns a `FailedFile` with one line naming it, so one bad file in a season
does not stop the rest. It imports the analysis lazily: `import ui.history.importer` stays light.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import sys
from contextlib import redirect_stderr
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ui.errors import UserError, one_line
from ui.file_analysis import ReadOptions

if TYPE_CHECKING:
    from analysis.results import SetReport
    from sensors.recording import Recording

HASH_CHUNK_BYTES = 1 << 20
WARNING_PREFIX = "repscope: warning: "


@dataclass(frozen=True)
class ImportedSet:
    """One set of a recording: its 1-based place in the recording and the analysis `repscope analyze` reports."""

    index: int
    report: SetReport


@dataclass(frozen=True)
class SensorRow:
    placement: str
    model: str
    rate_hz: float
    address: str


@dataclass(frozen=True)
class AnalysedRecording:
    """Everything the history stores of one recording (picklable: it comes back from worker processes)."""

    path: str  # absolute
    sha256: str
    start_utc: str | None  # ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SSZ`
    start_from: str  # "metadata" | "file_time" (the recording named no start)
    simulated: bool
    notes: str
    sensors: tuple[SensorRow, ...]
    sets: tuple[ImportedSet, ...]
    warnings: tuple[str, ...] = ()  # one line each (torn last line, skipped samples, an unreadable start time)
    read_options: ReadOptions = ReadOptions()  # how the file was read and judged (stored; `--reanalyse` repeats it)


@dataclass(frozen=True)
class FailedFile:
    path: str
    problem: str  # one line, naming the file


def content_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of the file's bytes (hex): the session's identity in the history."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(HASH_CHUNK_BYTES), b""):
            h.update(chunk)
    return h.hexdigest()


def sets_of(path: str, options: ReadOptions = ReadOptions()) -> tuple[Recording, tuple[ImportedSet, ...]]:
    """Read and analyse one recording into its sets (`UserError`, one line, when it cannot be), exactly as
    `repscope analyze FILE [options]` does: every set found, each with the exercise given, of the metadata or
    recognised."""
    from analysis.mismatch import warning_lines
    from ui.file_analysis import analyze_file, series_of

    rec, session = analyze_file(path, options)
    if not session.sets:
        raise UserError(f"{path}: no set found in the recording")
    if options.exercise is not None or options.placement is not None:
        series, _ = series_of(rec, options, require_exercise=False)
        for line in warning_lines(series, session, exercise_given=options.exercise is not None,
                                  placement_given=options.placement is not None, side=rec.meta.side):
            print(f"{WARNING_PREFIX}{path}: {line}", file=sys.stderr)
    return rec, tuple(ImportedSet(s.index, s.report) for s in session.sets)


def utc_text(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _start(rec: Recording, path: str) -> tuple[str, str, str | None]:
    """(start_utc, start_from, warning or None): the metadata's start, else the file's modification time."""
    text = rec.meta.start_utc
    if text:
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.timezone.utc)
            return utc_text(when), "metadata", None
        except ValueError:
            file_time = utc_text(dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.timezone.utc))
            return file_time, "file_time", f"{path}: start_utc {text!r} is not ISO 8601; using the file's time"
    return utc_text(dt.datetime.fromtimestamp(os.stat(path).st_mtime, dt.timezone.utc)), "file_time", None


def analyse_for_import(path: str | os.PathLike, options: ReadOptions = ReadOptions()
                       ) -> AnalysedRecording | FailedFile:
    """Hash, read and analyse one file (in any process) with the reading options. Warnings are returned, not
    printed."""
    path = os.path.abspath(path)
    try:
        sha = content_sha256(path)
    except OSError as exc:
        return FailedFile(path, f"{path}: cannot read ({exc.strerror or exc})")
    captured = io.StringIO()
    try:
        with redirect_stderr(captured):  # analyze's warnings, one line each
            rec, sets = sets_of(path, options)
        start_utc, start_from, start_warning = _start(rec, path)
    except UserError as exc:
        return FailedFile(path, one_line(str(exc)))
    except Exception as exc:  # noqa: BLE001 -- an analysis bug on one file must not stop a season's import
        return FailedFile(path, one_line(f"{path}: analysis failed: {type(exc).__name__}: {exc}"))
    warnings = [line.removeprefix(WARNING_PREFIX) for line in captured.getvalue().splitlines() if line.strip()]
    if start_warning:
        warnings.append(start_warning)
    sensors = tuple(SensorRow(s.info.placement, s.info.model, float(s.info.rate_hz), s.info.address or "")
                    for s in rec.streams)
    return AnalysedRecording(path, sha, start_utc, start_from, bool(rec.meta.simulated), rec.meta.notes or "",
                             sensors, tuple(sets), tuple(warnings), options)


def recordings_under(folder: str | os.PathLike) -> list[Path]:
    """Every `*.csv` in a folder tree, sorted (ground-truth JSON and other files are not recordings)."""
    root = Path(folder)
    return sorted(p for p in root.rglob("*") if p.suffix.lower() == ".csv" and p.is_file())
