"""The streaming analyzer's output: the events a push or a set's end emits, in the order they happened, and the
values for the live display (`LiveTrace`, `PelvisNow`). Times are the session clock in s.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.results import Rep, SetReport, Step


@dataclass(frozen=True)
class SetStarted:
    t_s: float  # when the event was emitted (stream time of the newest sample)
    start_s: float  # the first rep's start


@dataclass(frozen=True)
class PhaseChanged:
    """The live tracker saw a phase begin. `start_s` is its estimated start; provisional until the rep settles."""

    t_s: float
    phase: str  # concentric | top_pause | eccentric | bottom_pause
    start_s: float
    rep_index: int  # 1-based live count of lifts in this set
    # named once the axis's sense was known (the set's first reps settled), after the phase began: not live
    named_late: bool = False


@dataclass(frozen=True)
class RepCompleted:
    t_s: float
    rep: Rep


@dataclass(frozen=True)
class FaultDetected:
    t_s: float
    rep_index: int
    kind: str
    cue: str


@dataclass(frozen=True)
class RepsRevised:
    """Emitted reps changed with more data (e.g. a bottom pause closed); `reps` is the full corrected list."""

    t_s: float
    reps: tuple[Rep, ...]


@dataclass(frozen=True)
class StepsUpdated:
    """Lateral band walk: the steps found so far (the walk has no reps)."""

    t_s: float
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class SetEnded:
    """The set's final report: the offline analysis of every sample from `start_s` to `t_s`."""

    t_s: float
    report: SetReport
    reason: str  # "user" | "stream end" | "rest" | "set too long"
    start_s: float = float("nan")  # the set's first sample (the analysed samples are those at or after it)
    end_s: float = float("nan")  # the set's span ends here (half a sample after its last): its `set_end` mark
    exercise_source: str = "given"  # "given" | "recognised" (`report.exercise` was recognised)
    exercise_confidence: float = 1.0


@dataclass(frozen=True)
class ExerciseRecognised:
    """No exercise was given: the set's first reps were read by the offline recogniser (`analysis.recognition`
    through `analysis.session`). `final`: the set's end, over all its samples (it may correct the early verdict)."""

    t_s: float
    exercise: str
    confidence: float  # 0..1, the recogniser's
    final: bool = False


Event = (SetStarted | PhaseChanged | RepCompleted | FaultDetected | RepsRevised | StepsUpdated | SetEnded
         | ExerciseRecognised)


@dataclass(frozen=True)
class LiveTrace:
    """The newest samples of one sensor for the scrolling plots: time (s), movement angle (deg, + toward the
    contracted position, zero arbitrary) and angular speed about the movement axis (deg/s)."""

    t_s: np.ndarray
    angle_deg: np.ndarray
    speed_dps: np.ndarray


@dataclass(frozen=True)
class PelvisNow:
    """Current pelvis posture: sagittal tilt (deg, + posterior tuck) and frontal drop (deg, + left side lower)."""

    t_s: float
    tilt_sagittal_deg: float
    pelvic_drop_deg: float
