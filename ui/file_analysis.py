"""The one typed entry point from a recording file to its analysis, for every command and the history importer.

`ReadOptions` is everything `analyze` takes for reading and judging one file (placement, exercise, column map and
units, tempo and its tolerance). `import`/`batch` store it with the session so that `--reanalyse` reads the file the
same way. Problems are `UserError`s of one line naming the file or the option.
"""
from __future__ import annotations

import json
import sys
import warnings
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

from sensors.exercises import EXERCISES
from sensors.rules import TEMPO_TOL_FRAC, TEMPO_TOL_S
from ui.errors import UserError, one_line

if TYPE_CHECKING:  # the analysis (scipy) and the reader (pandas) are imported when a file is read, not for --help
    from analysis.pipeline import ImuSeries
    from analysis.results import SetReport
    from analysis.session import SessionReport
    from analysis.tempo import TempoTarget
    from sensors.recording import Recording

MIN_SAMPLES = 50  # a sensor with fewer samples is too short to analyse


@dataclass(frozen=True)
class ReadOptions:
    """How to read and judge one recording; None = the file's own (metadata, header) or the default."""

    placement: str | None = None
    exercise: str | None = None
    columns: str | None = None  # `--columns` map text, e.g. "time=ts,acc_x=ax,…"
    units: str | None = None  # `--units` map text, e.g. "time=ms,acc=g,gyr=dps"
    tempo: str | None = None  # E-B-C-T notation
    tol_s: float = TEMPO_TOL_S
    tol_frac: float = TEMPO_TOL_FRAC

    @classmethod
    def from_args(cls, args) -> ReadOptions:
        """The options of a parsed command line (those it does not have keep their defaults)."""
        given = {f.name: getattr(args, f.name) for f in fields(cls) if getattr(args, f.name, None) is not None}
        return cls(**given)

    def to_json(self) -> str:
        """Compact JSON of the options that differ from the defaults ("{}" for none): stored with a session."""
        default = asdict(ReadOptions())
        return json.dumps({k: v for k, v in asdict(self).items() if v != default[k]}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> ReadOptions:
        if not text:
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in json.loads(text).items() if k in known})


def read_file(path: str, options: ReadOptions = ReadOptions()) -> Recording:
    """Read FILE as the options say; recoverable problems (a torn last line, skipped bad samples) are warned on
    stderr, one line each; anything else is a UserError naming the file or option."""
    from sensors.formats import column_map
    from sensors.recording import RecordingError, RecordingWarning, read_recording

    try:
        cmap = column_map.parse(options.columns, options.units)
    except column_map.ColumnMapError as exc:
        raise UserError(str(exc)) from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RecordingWarning)
        try:
            rec = read_recording(path, placement=options.placement, exercise=options.exercise, columns=cmap)
        except RecordingError as exc:
            raise UserError(str(exc)) from None
    for w in caught:
        print(f"repscope: warning: {one_line(str(w.message))}", file=sys.stderr)
    return rec


def series_of(rec: Recording, options: ReadOptions, require_exercise: bool = True
              ) -> tuple[list[ImuSeries], str | None]:
    """The recording's sensors as analysis series (only `options.placement`'s of a v1 file when given) and its
    exercise (the given or the metadata's; None when neither and not required)."""
    from analysis.pipeline import ImuSeries

    exercise = rec.meta.exercise
    if exercise is None and require_exercise:
        raise UserError(f"{rec.path}: the recording does not name its exercise: pass --exercise "
                        f"({', '.join(EXERCISES)})")
    if exercise is not None and exercise not in EXERCISES:
        raise UserError(f"{rec.path}: unknown exercise {exercise!r} in the metadata (pass --exercise)")
    streams = rec.streams
    if options.placement is not None and not rec.generic:
        streams = (rec.stream(options.placement),)
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in streams]
    for s in series:
        if len(s.t_s) < MIN_SAMPLES:
            raise UserError(f"{rec.path}: sensor {s.placement} has only {len(s.t_s)} samples, too short to analyse")
    return series, exercise


def tempo_target(rec: Recording, options: ReadOptions) -> TempoTarget | None:
    """The tempo to judge against: the given one, else the metadata's, with the options' tolerance."""
    from analysis.tempo import TempoError, parse_tempo

    for flag, value in (("--tol-s", options.tol_s), ("--tol-frac", options.tol_frac)):
        if not value >= 0:  # the option's fault, whichever tempo it applies to (NaN fails too)
            raise UserError(f"{flag} {value:g}: a tempo tolerance must be ≥ 0")
    text = options.tempo if options.tempo is not None else rec.meta.tempo
    if text is None:
        return None
    try:
        return parse_tempo(text, options.tol_s, options.tol_frac)
    except TempoError as exc:
        where = "--tempo" if options.tempo is not None else f"{rec.path}: metadata tempo"
        raise UserError(f"{where}: {exc}") from None


def analyze_file(path: str, options: ReadOptions = ReadOptions(), *, velocity_loss_pct: float | None = None,
                 rec: Recording | None = None) -> tuple[Recording, SessionReport]:
    """Read (unless `rec` is the file already read) and analyse every set of a recording: the exercise given, from
    the metadata, or recognised per set; `velocity_loss_pct` adds the "end the set" cue."""
    rec = read_file(path, options) if rec is None else rec
    series, exercise = series_of(rec, options, require_exercise=False)
    session = _session(path, series, exercise, options, tempo_target(rec, options), rec.meta.side, rec.events)
    return rec, with_velocity_stop(session, velocity_loss_pct)


def analyze_file_lean(path: str, options: ReadOptions = ReadOptions(), *, velocity_loss_pct: float | None = None
                      ) -> tuple[str, SessionReport]:
    """`analyze_file` for `analyze` itself, at the least memory: the samples of the sensors the analysis of a known
    exercise does not read go before it runs (their times are kept). Returns the JSON's placement (the one sensor's,
    else "pelvis") and the session."""
    from analysis.session import series_read

    rec = read_file(path, options)
    placement = rec.streams[0].placement if len(rec.streams) == 1 else "pelvis"
    series, exercise = series_of(rec, options, require_exercise=False)
    tempo, side, events = tempo_target(rec, options), rec.meta.side, rec.events
    read = series_read(series, exercise)
    timed = [s.t_s for s in series if all(s is not r for r in read)]
    del rec, series  # the recording's arrays of the unread sensors go with it
    session = _session(path, read, exercise, options, tempo, side, events, timed)
    return placement, with_velocity_stop(session, velocity_loss_pct)


def _session(path, series, exercise, options, tempo, side, events, timed=()) -> SessionReport:
    from analysis.session import analyze_recording

    source = "given" if options.exercise is not None else "metadata"
    try:
        return analyze_recording(series, exercise, source, tempo, side, events, timed=timed)
    except ValueError as exc:
        raise UserError(f"{path}: {exc}") from None


def with_velocity_stop(session: SessionReport, threshold_pct: float | None) -> SessionReport:
    """Every set's "end the set" cue at `threshold_pct` % velocity loss (None: the session as it is)."""
    if threshold_pct is None:
        return session
    if not 0 < threshold_pct < 100:
        raise UserError(f"--velocity-loss {threshold_pct:g}: a loss in percent, between 0 and 100")
    from dataclasses import replace

    from analysis.rise import with_velocity_stop as stop

    return replace(session, sets=tuple(replace(s, report=stop(s.report, threshold_pct)) for s in session.sets))


def analyze_one_set(path: str, options: ReadOptions = ReadOptions()) -> tuple[Recording, SetReport]:
    """The whole file as one set of its named exercise (`replay`'s rep-to-rep targets)."""
    from analysis.pipeline import analyze_set

    rec = read_file(path, options)
    series, exercise = series_of(rec, options)
    try:
        return rec, analyze_set(series, exercise, tempo_target(rec, options), rec.meta.side)
    except ValueError as exc:
        raise UserError(f"{path}: {exc}") from None


def trace_file(path: str, options: ReadOptions = ReadOptions(), rec: Recording | None = None
               ) -> tuple[Recording, SetReport, tuple]:
    """The whole file as one set with its per-sample traces (for `report` and `export`)."""
    from analysis.pipeline import trace_set

    rec = read_file(path, options) if rec is None else rec
    series, exercise = series_of(rec, options)
    try:
        report, traces = trace_set(series, exercise, tempo_target(rec, options), rec.meta.side)
    except ValueError as exc:
        raise UserError(f"{path}: {exc}") from None
    return rec, report, traces
