"""Does the data read as the exercise and placement the lifter gave? One warning per set when it clearly does not.

A given `--exercise` or `--placement` is obeyed (the analysis does not change); this module only says when the
data contradict it, so that a wrong flag is not accepted silently. False alarms cost more than a missed
mismatch, so each check speaks only where the physics is unambiguous:

- **exercise**: the set's span is read again as if no exercise were given (`session.read_span`, the recogniser
  over the same sensors and upright references as `analyze` without `--exercise`). A verdict that the movement
  axis decides (another rep shape, `Exercise.shape`; a seated or side-lying thigh-led lift: the thigh turns
  about gravity or about its long axis) at `min_confidence` or more is a mismatch; for a hip extension the
  confidence is that in its axis (`across_confidence`) where the recogniser's own, about bench or floor, is
  lower. Bench or floor is not compared (it rests on the lockout posture alone, ten or twenty degrees apart),
  nor one leg or two (only a pelvis sees it, and a steady single-leg set reads as two).
- **placement**, on a hip-extension lift: the shoulders (on the bench or floor) and the feet stay put while the
  hips rise, so the pelvis (tied to the torso) and the thigh (pivoting about the knee) turn in opposite senses.
  Over the concentric the pelvis's "up" moves away from its standing direction (a reclined torso lies flat), the
  thigh's moves toward it (knees above the hips come down to the horizontal). With an upright reference (walking
  or the standing pose at the start), the change of that angle from each rep's start to its lockout has the
  pelvis's sign or the thigh's; a clear change (`min_turn_deg`) of the other sign is a mismatch.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis import recognition, session
from analysis.pipeline import ImuSeries, MovementReading, read_movement
from sensors.exercises import BY_NAME


@dataclass(frozen=True)
class MismatchParams:
    # the recogniser's confidence needed to contradict a given exercise: 0.5 is a feature at its threshold,
    # 1.0 a feature well past it (`recognition._margin`); below this the data are ambiguous, not contrary
    min_confidence: float = 0.7
    # start-to-lockout change of the angle from upright, deg: a hip extension turns the pelvis and the thigh by
    # tens of degrees (a thrust's range); sway and orientation error are a few
    min_turn_deg: float = 15.0
    # sets read again per file, spread over it (first, last, between): a workout's every set would double the
    # analysis's CPU, and a wrong flag shows in any set it is wrong for
    max_sets_checked: int = 4


MISMATCH = MismatchParams()


@dataclass(frozen=True)
class Mismatch:
    """What one set's data read as against what was given. `kind`: "exercise" or "placement"."""

    set_index: int
    kind: str
    given: str
    looks_like: str
    confidence: float | None = None  # the recogniser's (exercise); None for a placement
    shape_only: bool = False  # the rep shape is sure, the exercise of that shape not (bench or floor)

    def message(self) -> str:
        """One line for stderr."""
        if self.kind == "exercise":
            what = f"hip extension (a {_title(self.looks_like)}?)" if self.shape_only else _title(self.looks_like)
            return (f"set {self.set_index}: this looks like a {what} ({self.confidence:.0%}), "
                    f"analysed as {_title(self.given)} as asked (check --exercise)")
        return (f"set {self.set_index}: this moves like a {self.looks_like} sensor, analysed as {self.given} as "
                f"asked (check --placement)")


def _title(name: str) -> str:
    return BY_NAME[name].title.lower() if name in BY_NAME else name.replace("_", " ")


def _axis_kind(name: str) -> tuple[str, str]:
    """What the movement axis tells of an exercise: its rep shape, and a thigh-led lift's stance."""
    e = BY_NAME[name]
    return e.shape, "" if e.hip_extension else e.stance


def _span(s: session.SessionSet, series: Sequence[ImuSeries]) -> tuple[float, float]:
    if s.span_s is not None:
        return s.span_s
    return min(float(x.t_s[0]) for x in series), max(float(x.t_s[-1]) for x in series)


class _SetReading:
    """One set's span and, read once when first asked, its detector sensor's reading (`session`'s detector: the
    pelvis, else the one sensor), shared by the checks."""

    def __init__(self, series: Sequence[ImuSeries], s: session.SessionSet):
        self.series, self.span = series, _span(s, series)
        self._reading: MovementReading | None = None

    @property
    def detector(self) -> MovementReading:
        if self._reading is None:
            det = session.detector_of(self.series)
            self._reading = read_movement(session.slice_series([det], *self.span)[0])
        return self._reading


def _verdict(read: _SetReading, refs, side: str | None) -> tuple[str, float] | None:
    """The recogniser's exercise and confidence over the span, as `analyze` without an exercise reads it: one
    sensor's verdict on its reps (none for reps begun standing or a standing verdict: a band walk is told by its
    steps), else `session.read_span` over both sensors."""
    ref, partner_refs = refs
    if len(read.series) > 1:
        found = session.read_span(read.series, read.span, None, ref, None, side, session.SESSION, refs=partner_refs)
        return None if found is None else (found.exercise, found.confidence)
    reading, p = read.detector, session.SESSION
    if len(reading.spans) < p.min_reps:
        return None
    v = recognition.recognise(recognition.set_features(reading, ref), p.recognition)
    starts = [r.concentric[0] for r in reading.spans]
    if ref.up_ref is not None and recognition.posture_deg(reading, starts, ref) < p.seated_min_deg:
        return None  # reps begun standing are no lying or seated lift's (`session`'s rule): steps, if anything
    return None if v.upright else (v.exercise, v.confidence)


def exercise_mismatch(read: _SetReading, s: session.SessionSet, refs, side: str | None = None,
                      params: MismatchParams = MISMATCH) -> Mismatch | None:
    """The recogniser's verdict on set `s` when the movement axis says another exercise than the given one
    (`_axis_kind`), at `params.min_confidence` or more; `refs`: `session.upright_references(series)`."""
    verdict = _verdict(read, refs, side)
    if verdict is None or verdict[0] not in BY_NAME or _axis_kind(verdict[0]) == _axis_kind(s.exercise):
        return None
    (exercise, confidence), shape_only = verdict, False
    if BY_NAME[exercise].hip_extension and confidence < params.min_confidence:
        confidence, shape_only = across_confidence(read.detector, refs[0]), True
    if confidence < params.min_confidence:
        return None
    return Mismatch(s.index, "exercise", s.exercise, exercise, confidence, shape_only)


def across_confidence(reading: MovementReading, ref: recognition.PostureReference,
                      params: recognition.RecognitionParams = recognition.RECOGNITION) -> float:
    """How sure the rep shape is a hip extension, 0.5–1: the recogniser's confidence in a hip extension is that in
    bench or floor (the lockout posture), but the shape itself rests on the movement axis lying across both
    gravity and the segment's long axis (`axis_across`); 1.0 at square to both, 0.5 at the limit, 0 unknown (no
    reps, no upright reference)."""
    if not reading.spans:
        return 0.0
    f = recognition.set_features(reading, ref)
    if f.axis_long is None:
        return 0.0
    worst = max(f.axis_gravity, f.axis_long)
    return float(np.clip(0.5 + 0.5 * (params.axis_across - worst) / params.axis_across, 0.0, 1.0))


def lockout_turn_deg(reading: MovementReading, ref: recognition.PostureReference) -> float | None:
    """Mean over the reps of the angle from upright at lockout minus at the concentric's start (deg); None
    without an upright reference or reps."""
    if ref.up_ref is None or not reading.spans:
        return None
    tops = [recognition.posture_deg(reading, [r.concentric[1]], ref) for r in reading.spans]
    starts = [recognition.posture_deg(reading, [r.concentric[0]], ref) for r in reading.spans]
    return float(np.mean(np.subtract(tops, starts)))


def placement_mismatch(read: _SetReading, s: session.SessionSet, ref: recognition.PostureReference,
                       params: MismatchParams = MISMATCH) -> Mismatch | None:
    """A hip-extension set whose one sensor turns as the other segment does (module docstring)."""
    if not BY_NAME[s.exercise].hip_extension:
        return None
    turn = lockout_turn_deg(read.detector, ref)
    if turn is None or abs(turn) < params.min_turn_deg:
        return None
    placement = read.series[0].placement
    looks = "pelvis" if turn > 0 else "thigh"
    if looks == ("pelvis" if placement == "pelvis" else "thigh"):
        return None
    return Mismatch(s.index, "placement", placement, looks)


def mismatches(series: Sequence[ImuSeries], report: session.SessionReport, *, exercise_given: bool,
               placement_given: bool, side: str | None = None, params: MismatchParams = MISMATCH
               ) -> list[Mismatch]:
    """At most one mismatch per set (the exercise's first: a wrong exercise makes the placement's reading moot) of
    up to `params.max_sets_checked` sets spread over the file: the exercise checked when it was given, the
    placement when it was given and the file has one sensor."""
    if not report.sets or not (exercise_given or placement_given):
        return []
    refs = session.upright_references(series)
    found = []
    n = len(report.sets)
    picked = sorted({round(float(k)) for k in np.linspace(0, n - 1, min(n, params.max_sets_checked))})
    for s in (report.sets[k] for k in picked):
        read = _SetReading(series, s)
        m = exercise_mismatch(read, s, refs, side, params) if exercise_given else None
        if m is None and placement_given and len(series) == 1:
            m = placement_mismatch(read, s, refs[0], params)
        if m is not None:
            found.append(m)
    return found


def warning_lines(series: Sequence[ImuSeries], report: session.SessionReport, *, exercise_given: bool,
                  placement_given: bool, side: str | None = None, params: MismatchParams = MISMATCH) -> list[str]:
    """`mismatches` as the lines a command prints on stderr (without its prefix)."""
    return [m.message() for m in mismatches(series, report, exercise_given=exercise_given,
                                            placement_given=placement_given, side=side, params=params)]
