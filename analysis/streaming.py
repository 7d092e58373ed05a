"""Streaming analysis: sample batches in as they arrive, events out (`SetStarted`, `PhaseChanged`, `RepCompleted`,
`FaultDetected`, `RepsRevised`, `StepsUpdated`, `ExerciseRecognised`, `SetEnded`).

It is a thin wrapper over the offline core, so the two cannot disagree:

- **Live phase tracker** (every sample, causal): the primary segment's angular speed about the movement axis
  through a start/stop detector with hysteresis gives `PhaseChanged` within a few tens of ms of the movement
  starting or stopping. Onsets are back-dated to where the speed left the noise; ends are extrapolated from the
  falling speed. These are provisional: they drive the phase shading and the metronome-style feedback.
- **Settling** (when a movement stops; at least once a second until the live tracker's stops and a settled rep
  agree or while a lowering it saw stop is not yet announced; else every 5 s as a net; a look on the interval
  only after the segment turned since the last one): until the set's movement axis is known (its first
  `TAIL_AFTER_REPS` rep), the offline analysis (`analyze_with_calibration`) re-runs over the last `live_window_s`
  of the set. After that a new rep is read from the stream's tail alone (`analysis.live_tail`: the real-time
  VQF orientation and bias kept with every sample, the known axis, the offline segmentation of the last rep and
  the new one; a few ms instead of tens), and the offline analysis looks only for a lowering the tracker saw end
  that the tail does not read as a rep (over the last rep and `SETTLE_CONTEXT_S` before it). The first rep may be
  a set-up move that set the axis wrong: while it is the only one, a turn across its axis (`OFF_AXIS_DPS`) puts the
  set back on offline looks until a second rep. A rep whose lowering has ended is emitted once as `RepCompleted`
  with its metrics, faults and cues (from the tail: no hip rise, pelvis posture and range fraction against the
  set's reps so far); when later data moves an emitted rep (its bottom pause closes when the next rep starts; the
  set's median ROM or tilt reference shifts), `RepsRevised` carries the corrected list.
- **A workout** (no exercise given, or `auto_end_rest_s` set: sets begin and end by themselves): a set begins as
  the offline session (`analysis.session`) finds one, in the set detector's span between rests (walking, long
  stillness) once it holds `RECOGNISE_AFTER_REPS` reps (a band walk: its steps) not read standing up; without a
  given exercise, the recogniser names it then (`ExerciseRecognised`). The set ends when the detector sees the
  rest begin (or `auto_end_rest_s` after its last rep), at the end of its span.
- **Set end** (`end_set()`, the end of a replay, or the rest): the offline analysis over the set's samples (its
  span): `analyze_set` with a given exercise, else the session analysis of the span as a marked set (recognition
  included, `ExerciseRecognised(final=True)`); its reps are what `repscope analyze` reports for the same samples
  (a recording holding the set's marks), and `SetEnded` carries that `SetReport` and the span.

Memory is bounded: every sensor's samples live in ring buffers of `set_window_s` (a set longer than that is ended
and a new one begun), so a 2-hour stream uses the same memory as a 10-minute one. The settling cost is bounded by
`live_window_s` (a tail reading by `live_tail.TailParams.max_s`). Time is the session clock in s; angles in
degrees where the name says `_deg`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from analysis import live_tail
from analysis.orientation import RealtimeOrientation
from analysis.pipeline import Calibration, ImuSeries, _primary, analyze_with_calibration  # _primary: offline's choice
from analysis.recognition import PostureReference
from analysis.results import Rep, SetReport, Step, TempoTarget
from analysis.ringbuffer import RingBuffer
from sensors.exercises import exercise as exercise_entry

LIVE_WINDOW_S = 90.0  # settling re-analyses at most this much of the set: bounds the cost of each
SET_WINDOW_S = 600.0  # longest set kept whole: bounds memory
IDLE_LEAD_IN_FRACTION = 0.5  # before its first rep, a set keeps at most this share of the set window of waiting
DISPLAY_WINDOW_S = 30.0  # live traces kept for the scrolling plots
SETTLE_MAX_INTERVAL_S = 1.0  # until the tracker's stops and the settled reps agree (before the first rep too), and
# while a lowering the tracker saw end is unannounced
NET_MOTION_DPS = 10.0  # a settle on the interval only after the primary turned faster than this (°/s, any axis)
NET_STROKE_S = 5.0  # ... and not while the tracker follows a stroke, unless it has run this long
SETTLE_IDLE_INTERVAL_S = 5.0  # otherwise: every stop already settles at once; this is the net for a missed stroke
LOWERING_MATCH_S = 0.5  # an announced rep whose lowering ended this close to a stop the tracker saw accounts for it
SETTLE_CONTEXT_S = 10.0  # reps this close to the start of a truncated window are already settled: not re-judged
MOTION_ON_MIN_DPS = 2.5  # start threshold floor: above postural sway
MOTION_ON_FRACTION = 0.1  # ... or this share of the set's typical peak speed
MOTION_OFF_RATIO = 0.6  # hysteresis: stop below this share of the start threshold
STOP_HOLD_S = 0.03  # the speed must stay low this long to call a stop (one noisy sample is not a pause)
SPEED_SMOOTH_S = 0.02  # time constant of the live speed smoothing (first-order), keeps the delay small
PHASE_MATCH_S = 0.5  # a settled rep within this of an emitted one is the same rep
# Without a given exercise, a set is recognised once this many reps are in: the offline session needs as many to
# call a span a set (fewer is not told from sitting down and getting up), and the single-leg rule reads the
# pelvis's roll over three lockouts (two cannot tell a one-legged lift from a two-legged one)
RECOGNISE_AFTER_REPS = 3
UNRECOGNISED = "unrecognised"  # a set ended with no exercise recognised (no reps, no steps): its report's name
SESSION_SPLIT_GAP_S = 20.0  # reps further apart are two sets (`analysis.session.SessionParams.split_gap_s`)
REFERENCE_RETRY_S = 10.0  # no upright reference yet (no walk, no standing start): look again this much later
# a set is looked for at a lowering's end at most this often: reps take longer, the strides of a walk between
# sets (which the tracker sees as lifts) much less, and each look is an offline reading of the span
BEGIN_LOOK_EVERY_S = 3.0
WALK_CONTEXT_S = 120.0  # the set detector reads at least this much history to tell a walk (and its direction)
REST_LOOK_EVERY_S = 2.0  # auto-end looks this often for a rest the set detector sees (walking, long stillness)
# from this many settled reps on (and the tracker's stops matching them), a new rep is read from the stream's tail
# with the set's known axis (`analysis.live_tail`), not by an offline analysis of the window
TAIL_AFTER_REPS = 1
# until a second rep confirms the axis, the first may be a set-up move that set it wrong: then the reps turn the
# primary about another axis, which neither the tracker nor the tail sees; once a second, a turn this fast (°/s)
# about the axes across the known one calls an offline look (a right axis leaves sway and wobble, under 10 °/s)
OFF_AXIS_DPS = 20.0
CONFIRMED_REPS = 2
TAIL_RETRY_S = 0.2  # a lowering the tracker saw end and the tail did not read as a rep this long after: offline
# columns of a sensor's sample rows: time, accelerometer, gyroscope, real-time quaternion and gyro bias
ACC, GYR, QUAT, BIAS = slice(1, 4), slice(4, 7), slice(7, 11), slice(11, 14)
SAMPLE_COLUMNS = 14


# ---------------------------------------------------------------------------------------------------------- events


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


# ---------------------------------------------------------------------------------------------------------- state


class _Sensor:
    """One sensor's buffers and its real-time orientation.

    Every sample is one row of `samples`: t (s), acc (m/s², 3), gyr (rad/s, 3), and what the real-time VQF made of
    it, quaternion wxyz (4) and gyro bias (rad/s, 3); one append per batch, and the live re-reading of a set's tail
    (`analysis.live_tail`) takes the orientation from here instead of running the offline filter again."""

    def __init__(self, placement: str, rate_hz: float, set_window_s: float) -> None:
        self.placement = placement
        self.rate_hz = float(rate_hz)
        cap = int(set_window_s * rate_hz * 1.05) + 16
        self.samples = RingBuffer(cap, SAMPLE_COLUMNS)
        dcap = int(DISPLAY_WINDOW_S * rate_hz * 1.05) + 16
        self.disp = RingBuffer(dcap, 3)  # t, angle, speed
        self.ahrs = RealtimeOrientation(rate_hz)
        self.smooth_alpha = 1.0 - float(np.exp(-1.0 / (self.rate_hz * SPEED_SMOOTH_S)))  # live speed smoothing
        self.smooth_keep = 1.0 - self.smooth_alpha
        self.quat = np.array([1.0, 0.0, 0.0, 0.0])  # the newest sample's real-time orientation, wxyz
        self.bias = np.zeros(3)
        self.axis = None  # movement axis in the sensor frame (signed: + toward contraction) once known
        self.calibrated = False
        self.angle_deg = 0.0
        self.speed_dps = 0.0
        self.last_t = -np.inf
        self.guessed_at = -np.inf

    def times(self) -> np.ndarray:
        return self.samples.view()[:, 0]

    def rows(self, since_s: float, until_s: float = np.inf, inclusive: bool = True) -> np.ndarray:
        """The buffered sample rows (a view) in [since_s, until_s] (`inclusive=False`: [since_s, until_s))."""
        v = self.samples.view()
        t = v[:, 0]
        i = int(np.searchsorted(t, since_s))
        j = len(t) if until_s == np.inf else int(np.searchsorted(t, until_s, side="right" if inclusive else "left"))
        return v[i:j]

    def series(self, since_s: float, until_s: float = np.inf, inclusive: bool = True) -> ImuSeries:
        """The buffered samples in [since_s, until_s] (`inclusive=False`: [since_s, until_s))."""
        r = self.rows(since_s, until_s, inclusive)
        return ImuSeries(self.placement, r[:, 0].copy(), r[:, ACC].copy(), r[:, GYR].copy())

    def first_t(self) -> float:
        return float(self.samples.view()[0, 0]) if len(self.samples) else np.inf


class StreamingAnalyzer:
    """Incremental analysis of one or two sensors' streams; see the module docstring for the guarantees.

    `push(placement, t_s, acc_mps2, gyr_rads)` takes one batch (t_s strictly increasing within and across batches
    of a sensor; samples a replay repeats, at or before the newest one taken, are dropped) and returns the events it
    caused. `end_set()` closes the set. `trace(placement)` and `pelvis_now()` give the values for the live display.
    """

    def __init__(
        self,
        exercise: str | None,
        rates_hz: dict[str, float],
        tempo: TempoTarget | None = None,
        side: str | None = None,
        *,
        live_window_s: float = LIVE_WINDOW_S,
        set_window_s: float = SET_WINDOW_S,
        auto_end_rest_s: float | None = None,
    ) -> None:
        if not rates_hz:
            raise ValueError("no sensors to analyse")
        self.given_exercise = exercise  # None: each set's exercise is recognised from its first reps
        self.tempo = tempo
        self.side = side
        self.live_window_s = float(live_window_s)
        self.set_window_s = float(set_window_s)
        self.auto_end_rest_s = auto_end_rest_s
        # A live workout (sets ending by themselves, or no exercise given) begins each set as the offline session
        # finds one: in a span between rests, once it holds three reps; else (one set, e.g. a replay) from rep 1
        self._as_session = exercise is None or auto_end_rest_s is not None
        self.sensors = {p: _Sensor(p, r, set_window_s) for p, r in rates_hz.items()}
        self._now_s = -np.inf
        self._length_checked_s = -np.inf  # `_too_long` looks once a second (the set window is minutes)
        self._half_sample_s = 0.5 / max(rates_hz.values())
        self._reference = None  # the upright reference for recognition (`_posture_reference`)
        self._reference_at = -np.inf
        self._detector = _primary("hip_thrust", list(rates_hz))  # the session's set detector: pelvis, else the first
        self.calibration: Calibration | None = None
        self.reps: list[Rep] = []
        self.reports: list[SetReport] = []  # one per ended set
        self._reset_set(start_s=-np.inf)

    # ------------------------------------------------------------------------------------------------ public

    @property
    def now_s(self) -> float:
        """The newest sample of any sensor (s)."""
        return self._now_s

    def push(self, placement: str, t_s: np.ndarray, acc_mps2: np.ndarray, gyr_rads: np.ndarray) -> list[Event]:
        sensor = self.sensors.get(placement)
        if sensor is None:
            raise ValueError(f"unknown sensor {placement!r} (expected one of {', '.join(self.sensors)})")
        t_s = np.asarray(t_s, dtype=np.float64)
        if len(t_s) == 0:
            return []
        if t_s[0] <= sensor.last_t:  # a replayed or duplicated sample never goes back in time (a batch's times rise)
            keep = t_s > sensor.last_t
            t_s, acc_mps2, gyr_rads = t_s[keep], acc_mps2[keep], gyr_rads[keep]
            if len(t_s) == 0:
                return []
        events: list[Event] = []
        if self._now_s >= self._length_checked_s + 1.0 and self._too_long():
            events += self._end("set too long")
        self._ingest(sensor, t_s, np.asarray(acc_mps2, float), np.asarray(gyr_rads, float))
        if placement == self.primary:
            events += self._track(sensor, t_s)
        now = self.now_s
        # Each offline settling (before the set's axis is known) is an analysis of the window, the cost of the live
        # path: at the tracker's stops, and as a net while it can announce something they would not trigger (before
        # the first rep the tracker's axis is only a guess); a tail reading (`_settle_tail`) costs little
        if self._unannounced_lowering_s is not None or not self._tracker_trusted():
            interval = SETTLE_MAX_INTERVAL_S
        else:
            interval = SETTLE_IDLE_INTERVAL_S
        if self._settle_due or now >= self._resettle_at:
            events += self._settle(now)
        elif now - self._last_settle_s >= interval:
            if self._net_can_find(now):
                events += self._settle(now)
            else:
                self._last_settle_s = now  # nothing a look could find: the next one an interval later
        elif self._axis_doubted(now):
            events += self._settle(now)
        if self.auto_end_rest_s is not None and self._resting(now):
            events += self._end("rest", self._rest_start_s(now))
        return events

    def _tracker_trusted(self) -> bool:
        """The tracker's stops match the settled reps, and the axis is not in doubt (`_axis_doubted`: a single rep
        may be a set-up move that set the tracker's axis wrong, its stops then come late or never: settle on the
        interval meanwhile)."""
        return (self._tracker_agrees and len(self.reps) >= TAIL_AFTER_REPS
                and not (self._doubted and len(self.reps) < CONFIRMED_REPS))

    def _axis_doubted(self, now: float) -> bool:
        """Looked at once a second while fewer than CONFIRMED_REPS reps are known: the primary turned faster than
        OFF_AXIS_DPS about the axes across the set's known one (the first rep was a set-up move, and the reps turn
        about another axis). From then on until a second rep, the set is settled as before its axis was known."""
        if (self._doubted or self._frame is None or len(self.reps) >= CONFIRMED_REPS
                or now - self._doubt_looked_s < SETTLE_MAX_INTERVAL_S):
            return False
        since, self._doubt_looked_s = self._doubt_looked_s, now
        r = self.sensors[self.primary].rows(max(since, self._frame_at_s))
        if not len(r):
            return False
        w = r[:, GYR] - r[:, BIAS]
        across = w - np.outer(w @ self._frame.axis_sensor, self._frame.axis_sensor)
        self._doubted = float(np.einsum("ij,ij->i", across, across).max()) > np.radians(OFF_AXIS_DPS) ** 2
        return self._doubted

    def _net_can_find(self, now: float) -> bool:
        """A settle on the interval (not at a stop the tracker saw) could find something: the primary turned faster
        than NET_MOTION_DPS since the last look, and the tracker is not in the middle of a stroke (its stop settles,
        and a rep is announced only once its lowering has stopped), unless that stroke has run for longer than
        NET_STROKE_S (the tracker's axis may be wrong)."""
        if self._tracker_trusted() and self._moving_sign != 0 and now - self._stroke_started_s < NET_STROKE_S:
            return False
        s = self.sensors[self.primary]
        r = s.rows(self._last_settle_s)
        if not len(r):
            return False
        return float(np.abs(r[:, GYR] - r[:, BIAS]).max()) > np.radians(NET_MOTION_DPS)

    def _resting(self, now: float) -> bool:
        """The set is over: `auto_end_rest_s` without movement since the last stop, or (walking, fiddling between
        sets keeps the tracker busy) that long since the last rep or step the analysis found."""
        if not (self.reps or self.steps):
            return False
        if self._moving_sign == 0 and now - self._last_stop_s >= self.auto_end_rest_s:
            return True
        return now - self._last_movement_s() >= self.auto_end_rest_s

    def _last_movement_s(self) -> float:
        """End of the set's last rep's lowering (or last step)."""
        if self.reps:
            return self.reps[-1].phase("eccentric").end_s
        return self.steps[-1].t_s + self.steps[-1].duration_s

    def _rest_began(self, now: float) -> float | None:
        """With auto-end, a rest the offline set detector sees (walking, a long stillness) after the set's last
        movement: where the set's span ends (the detector's margin after it); None while the set goes on."""
        if self.auto_end_rest_s is None or not (self.reps or self.steps):
            return None
        if now - self._rest_looked_s < REST_LOOK_EVERY_S:
            return None
        self._rest_looked_s = now
        # the set is the span holding its first movement (a walk after it, read as more reps, must not move it)
        span = self._activity_span(now, self._first_movement_s())
        return None if span is None or span[1] >= self._newest_detector_s() else span[1]

    def _newest_detector_s(self) -> float:
        return self.sensors[self._detector].last_t

    def _rest_start_s(self, now: float) -> float:
        """Where the set's span ends: the end of the candidate span holding its first movement (walking or a
        long stillness began there, plus the detector's margin), else now."""
        span = self._activity_span(now, self._first_movement_s())
        return now if span is None else min(span[1], now)

    def _first_movement_s(self) -> float:
        """The set's first rep (step) as first announced: a stable anchor, whatever later settles read."""
        if self._anchor_s is None:
            self._anchor_s = self.reps[0].start_s if self.reps else self.steps[0].t_s
        return self._anchor_s

    def end_set(self, reason: str = "user") -> list[Event]:
        """Close the current set: the final offline analysis of its samples (SetEnded with the report)."""
        return self._end(reason)

    def trace(self, placement: str, last_s: float = 10.0) -> LiveTrace:
        s = self.sensors[placement]
        d = s.disp.view(int(last_s * s.rate_hz) + 1)
        return LiveTrace(d[:, 0].copy(), d[:, 1].copy(), d[:, 2].copy())

    def pelvis_now(self) -> PelvisNow | None:
        """Current tilt and drop once the set's pelvis frame is known (after the first rep), else None."""
        cal = self.calibration
        s = self.sensors.get("pelvis")
        if s is None or cal is None or cal.pelvis_frame is None:
            return None
        up = _up_in_sensor(*s.quat.tolist())
        up /= np.linalg.norm(up)
        frame = cal.pelvis_frame
        drop = float(np.degrees(np.arcsin(np.clip(up @ frame.right_axis, -1, 1))))
        if cal.tilt_reference == "standing" and frame.superior_axis is not None:
            tilt = float(np.degrees(np.arcsin(np.clip(-(frame.superior_axis @ up), -1, 1))))
        elif cal.pelvis_up_top is not None:
            ref = cal.pelvis_up_top / np.linalg.norm(cal.pelvis_up_top)
            # a posterior rotation by θ about the right axis turns the up vector (seen from the pelvis) by −θ
            tilt = -float(np.degrees(np.arctan2(np.cross(ref, up) @ frame.right_axis, ref @ up)))
        else:
            return None
        return PelvisNow(s.last_t, tilt, drop)

    # ------------------------------------------------------------------------------------------------ internals

    def _reset_set(self, start_s: float) -> None:
        self.exercise = self.given_exercise
        self.exercise_source = "given" if self.exercise is not None else None
        self.exercise_confidence = 1.0 if self.exercise is not None else float("nan")
        # until the exercise is known, the tracker follows the sensor the sets are found with (the pelvis, else
        # the first: `analysis.session`'s detector, which is also `_primary` of a hip-extension lift)
        self.primary = _primary(self.exercise or "hip_thrust", list(self.sensors))
        if self.given_exercise is None and math.isfinite(start_s):
            for s in self.sensors.values():
                s.calibrated = False  # the next set may turn about another axis: guess it afresh
        self._walk_tried_s = -np.inf
        self._begin_tried_s = -np.inf
        self._rest_looked_s = -np.inf
        self._anchor_s: float | None = None
        self._set_from_s = start_s  # samples before this belong to an earlier set
        self._set_started = False
        self._moving_sign = 0
        self._stroke_started_s = -np.inf
        self._below_since: float | None = None
        self._last_stop_s = -np.inf
        self._settle_due = False
        self._last_settle_s = -np.inf
        self._doubt_looked_s = -np.inf
        self._doubted = False  # the first rep's axis is in doubt (`_axis_doubted`)
        self._frame_at_s = -np.inf  # when `_frame` was last set
        self._resettle_at = np.inf
        self._unannounced_lowering_s: float | None = None  # a lowering's stop seen live, its rep not yet settled
        self._tracker_agrees = False  # the live tracker saw a lowering end where a settled rep's lowering ends
        self._live_reps = 0
        self._frame: live_tail.SetFrame | None = None  # this set's axis and pelvis frame, once a settle found reps
        self._offline_look_for: float | None = None  # the unread lowering the offline analysis last looked for
        self._peak_ref_dps = {1: 30.0, -1: 30.0}
        self._stroke_peak = 0.0
        self.reps = []
        self.steps: tuple[Step, ...] = ()

    def _ingest(self, s: _Sensor, t_s, acc, gyr) -> None:
        """Store a batch with its real-time orientation; the display rows (time, movement angle, smoothed speed).
        A batch is a few samples: per-sample recursions in Python floats cost less than more numpy calls."""
        quat, bias = s.ahrs.update_with_bias(acc, gyr)
        n = len(t_s)
        if n < s.samples.capacity:  # one write per column block into the ring (no row array built first)
            rows = s.samples.reserve(n)
            rows[:, 0], rows[:, ACC], rows[:, GYR], rows[:, QUAT], rows[:, BIAS] = t_s, acc, gyr, quat, bias
        else:
            s.samples.append(np.concatenate((t_s[:, None], acc, gyr, quat, bias), axis=1))
        s.bias = bias[-1]
        s.quat = quat[-1]
        if not s.calibrated and s.last_t - s.guessed_at >= 0.25:
            # until the first rep settles, follow the dominant rotation of the last moments: the set-up (lying
            # down, sitting) turns about other axes than the reps
            s.guessed_at = s.last_t
            self._guess_axis(s)
        times = t_s.tolist()
        w_dps = np.degrees((gyr - s.bias) @ s.axis).tolist() if s.axis is not None else [0.0] * len(times)
        # first-order smoothing of the speed (the plots and the phase tracker); the angle integrates the raw rate
        y, angle, dt = s.speed_dps, s.angle_deg, 1.0 / s.rate_hz
        a, keep = s.smooth_alpha, s.smooth_keep
        rows = []
        for t, w in zip(times, w_dps):
            y = a * w + keep * y
            angle += w * dt
            rows.append((t, angle, y))
        s.speed_dps, s.angle_deg = y, angle
        if n < s.disp.capacity:
            s.disp.reserve(n)[:] = rows
        else:
            s.disp.append(np.array(rows))
        s.last_t = times[-1]
        if s.last_t > self._now_s:
            self._now_s = s.last_t

    def _guess_axis(self, s: _Sensor) -> None:
        """Before the first rep settles: the dominant rotation axis of the last seconds (display only)."""
        n = int(1.5 * s.rate_hz)
        if len(s.samples) < n:
            return
        g = s.samples.view(n)[:, GYR] - s.bias
        speed = np.linalg.norm(g, axis=1)
        if np.percentile(speed, 95) < np.radians(15.0):
            return  # not moving enough to tell
        w, v = np.linalg.eigh(g.T @ g)
        axis = v[:, -1]
        if s.axis is not None and abs(axis @ s.axis) > 0.7:
            axis = axis if axis @ s.axis > 0 else -axis  # the same axis: keep its sense
        else:
            # a new axis: the first clear movement about it is taken as a lift
            big = g[speed > 0.5 * speed.max()] @ axis
            if big.size and big[0] < 0:
                axis = -axis
        s.axis = axis

    def _track(self, s: _Sensor, t_s: np.ndarray) -> list[Event]:
        """The live start/stop detector on the primary segment's speed (causal, per sample)."""
        events: list[Event] = []
        d = s.disp.view(len(t_s))
        if s.axis is None:
            return events
        for t, v in zip(d[:, 0], d[:, 2]):
            # lifts and lowerings have their own thresholds: a 3-s lowering peaks at a fraction of the lift's speed
            on = max(MOTION_ON_MIN_DPS, MOTION_ON_FRACTION * self._peak_ref_dps[1 if v >= 0 else -1])
            off = MOTION_OFF_RATIO * max(
                MOTION_ON_MIN_DPS, MOTION_ON_FRACTION * self._peak_ref_dps[self._moving_sign or 1]
            )
            if self._moving_sign == 0:
                if abs(v) > on:
                    self._moving_sign = 1 if v > 0 else -1
                    self._stroke_peak = abs(v)
                    self._stroke_started_s = float(t)
                    events += self._motion_started(s, float(t), on)
            else:
                self._stroke_peak = max(self._stroke_peak, abs(v))
                reversed_ = v * self._moving_sign < -on
                if abs(v) < off or reversed_:
                    if self._below_since is None:
                        self._below_since = float(t)
                    if reversed_ or t - self._below_since >= STOP_HOLD_S:
                        events += self._motion_stopped(s, float(t), on)
                        self._below_since = None
                        if reversed_:
                            self._moving_sign = 1 if v > 0 else -1
                            self._stroke_peak = abs(v)
                            self._stroke_started_s = float(t)
                            events += self._motion_started(s, float(t), on)
                else:
                    self._below_since = None
        return events

    def _motion_started(self, s: _Sensor, t: float, on: float) -> list[Event]:
        # back-date to where the speed last sat near zero (at most 1 s back)
        d = s.disp.view(int(s.rate_hz) + 1)
        i = len(d) - 1
        while i > 0 and abs(d[i, 2]) > 0.1 * on and d[i, 0] >= t - 1.0:
            i -= 1
        start = float(d[i, 0])
        if self._moving_sign > 0:
            self._live_reps += 1
            return [PhaseChanged(t, "concentric", start, self._live_reps)]
        return [PhaseChanged(t, "eccentric", start, max(self._live_reps, 1))]

    def _motion_stopped(self, s: _Sensor, t: float, on: float) -> list[Event]:
        sign = self._moving_sign
        self._moving_sign = 0
        self._last_stop_s = t
        # a lowering's end completes a rep: settle now; a lift's end completes none, so once the tracker's stops
        # are known to match the settled reps it waits for the lowering (each settle is an offline analysis)
        self._settle_due = sign < 0 or not self._tracker_agrees
        if self._stroke_peak > 2 * on:
            # typical peak speed of the set's strokes in this direction, for the start threshold
            self._peak_ref_dps[sign] = 0.5 * self._peak_ref_dps[sign] + 0.5 * self._stroke_peak
        # the stop is seen a little after the speed fell through the threshold: extrapolate the fall to zero
        d = s.disp.view(int(0.15 * s.rate_hz) + 2)
        end = float(d[-1, 0])
        k = np.flatnonzero(np.abs(d[:, 2]) < 0.25 * on)
        if k.size:
            end = float(d[k[0], 0])
        if sign < 0:
            # a lowering ended: its rep is settled now, and (unless that announced it) once more a moment later in
            # case the stop came a hair before the offline fit could see the rest after it
            self._resettle_at = t + 0.25
            self._unannounced_lowering_s = t
        phase = "top_pause" if sign > 0 else "bottom_pause"
        return [PhaseChanged(t, phase, min(end, t), max(self._live_reps, 1))]

    def _set_start_s(self) -> float:
        """The oldest sample of the current set still in the buffers."""
        return max(self._set_from_s, min(s.first_t() for s in self.sensors.values()))

    def _too_long(self) -> bool:
        """The current set (from its own start, not the oldest buffered sample) is about to outgrow the buffers.

        Before the first rep, the wait is trimmed to half the set window: a set begun after a long idle spell is
        not cut short by it.
        """
        now = self.now_s
        self._length_checked_s = now
        if not self.reps:
            self._set_from_s = max(self._set_from_s, now - IDLE_LEAD_IN_FRACTION * self.set_window_s)
            return False
        return self._set_start_s() < now - self.set_window_s * 0.98

    def _window_series(self, since_s: float) -> list[ImuSeries]:
        return [s.series(since_s) for s in self.sensors.values() if len(s.samples)]

    def _settle(self, now: float) -> list[Event]:
        self._settle_due = False
        self._last_settle_s = now
        if now >= self._resettle_at:
            self._resettle_at = np.inf
        rest_from = self._rest_began(now)
        if rest_from is not None:
            return self._end("rest", rest_from)  # before the rest's moves (a walk) can be read as reps
        events = self._settle_tail(now) if self._tail_ready() else None
        look_from = -np.inf
        if events is not None:
            pending = self._unannounced_lowering_s
            if events or pending is None or now - pending < TAIL_RETRY_S or self._offline_look_for == pending:
                return events + self._account_pending(now)
            self._offline_look_for = pending  # once per such lowering (a set-up move, the set's last stroke)
            # a lowering's end the tail did not read as a rep: the offline analysis decides, of the last rep on
            # with SETTLE_CONTEXT_S before it (the reps there are settled: not re-judged)
            look_from = self.reps[-1].start_s - live_tail.TAIL.lead_s - SETTLE_CONTEXT_S
        set_from = self._set_start_s()
        since = max(set_from, now - self.live_window_s, look_from)
        truncated = since > set_from + 1e-9
        series = self._window_series(since)
        if any(len(x.t_s) < 100 for x in series):
            return []
        if self._no_rep_yet(since):
            return []
        head: list[Event] = []
        if self.exercise is None or (self._as_session and not self._set_started):
            found = self._begin_set(now)
            if found is None:
                return []
            if self.exercise is None:
                self.exercise, self.exercise_source = found.exercise, "recognised"
                self.exercise_confidence = found.confidence
                self.primary = _primary(found.exercise, list(self.sensors))
                head.append(ExerciseRecognised(now, found.exercise, found.confidence))
            self._set_from_s = since = found.t0  # the set is the candidate span the offline session would read
            truncated = False
            report = found.report  # the span analysed as the set's exercise (the display axes: next settle)
        else:
            try:
                report, cal = analyze_with_calibration(series, self.exercise, self.tempo, self.side)
            except ValueError:
                return []
            if report.reps:
                self._adopt(cal)
                axis = cal.axes_sensor.get(self.primary)
                self._frame_at_s = now
                self._frame = None if axis is None else live_tail.SetFrame(
                    np.asarray(axis, float), cal.pelvis_frame, cal.tilt_reference, cal.pelvis_up_top,
                    self.primary == "pelvis")
        if report.steps and not truncated and len(report.steps) != len(self.steps):
            self.steps = report.steps
            if not self._set_started:  # a band walk's set begins with its first steps
                self._set_started = True
                head.append(SetStarted(now, report.steps[0].t_s))
            return head + [StepsUpdated(now, report.steps)]
        settled = []
        for rep in report.reps:
            if truncated and rep.start_s < since + SETTLE_CONTEXT_S:
                continue
            ecc = rep.phase("eccentric")
            # the newest stroke may still be running: a lowering counts once the tracker has seen it stop
            if self._moving_sign != 0 and ecc.end_s > self._last_stop_s - 0.05:
                continue
            last = settled[-1] if settled else (self.reps[-1] if self.reps else None)
            if last is not None and rep.start_s - last.phase("eccentric").end_s > SESSION_SPLIT_GAP_S:
                break  # after a rest: the next set's (the offline session splits there), not this one's
            settled.append(rep)
        events = head + self._merge(now, settled, final=False, window_start_s=None if truncated else since)
        return events + self._account_pending(now)

    def _no_rep_yet(self, since: float) -> bool:
        """Before the set's first rep (a given exercise counted in reps): the window from `since` holds no complete
        rep about the tracker's guessed axis (the dominant rotation of the last moments, `_guess_axis`), read either
        way up, on the real-time orientation (`live_tail.holds_rep`, a few ms): the offline analysis would find
        none either, and is not run."""
        s = self.sensors[self.primary]
        if self.reps or s.axis is None or self.exercise is None or (self._as_session and not self._set_started):
            return False
        if exercise_entry(self.exercise).steps:
            return False
        return not live_tail.holds_rep(self._tail(self.primary, since), s.axis)

    def _account_pending(self, now: float) -> list[Event]:
        """A lowering's end the tracker saw is accounted for by an announced rep (from now on the tracker's
        stops are what settling waits for), or given up on after SETTLE_IDLE_INTERVAL_S. No events."""
        pending = self._unannounced_lowering_s
        if pending is not None:
            if any(abs(r.phase("eccentric").end_s - pending) < LOWERING_MATCH_S for r in self.reps):
                self._unannounced_lowering_s = None
                self._tracker_agrees = True
                self._resettle_at = np.inf  # announced: no second look needed
            elif now - pending > SETTLE_IDLE_INTERVAL_S:
                self._unannounced_lowering_s = None  # that stop ended no rep (a set-up move, a partial stroke)
        return []

    def _tail_ready(self) -> bool:
        """The set's axis is known and its first reps settled: new reps can be read from the tail alone."""
        return self._frame is not None and self._set_started and self._tracker_trusted() and not self.steps

    def _tail(self, placement: str, since_s: float) -> live_tail.Tail:
        r = self.sensors[placement].rows(since_s)
        return live_tail.Tail(r[:, 0].copy(), r[:, ACC].copy(), r[:, GYR] - r[:, BIAS], r[:, QUAT].copy())

    def _settle_tail(self, now: float) -> list[Event] | None:
        """New reps read from the tail (`analysis.live_tail`): from just before the last announced rep's lift to
        now, segmented about the set's known axis on the real-time orientation. The last announced rep's bottom
        pause closes at the next lift; the reps before it are left to the set's end. None: a new rep has a fault
        whose cue quotes a posture or range (`live_tail.POSTURE_FAULTS`): the offline analysis of the window
        announces it instead (its numbers are the final ones; the real-time orientation's tilt can be a degree
        off). Timing cues quote the tail's phase boundaries (within a few ms of the final ones)."""
        last = self.reps[-1]
        sensor = self.sensors[self.primary]
        since = max(last.start_s - live_tail.TAIL.lead_s, now - live_tail.TAIL.max_s, self._set_start_s())
        tail = self._tail(self.primary, since)
        if len(tail.t_s) < live_tail.TAIL.min_s * sensor.rate_hz:
            return []
        reading = live_tail.read_tail(tail, self._frame.axis_sensor)
        spans = [sp for sp in reading.spans if sp.concentric[0] > last.start_s + PHASE_MATCH_S]
        if self._moving_sign != 0:  # the newest stroke may still be running (see `_settle`)
            spans = [sp for sp in spans if sp.eccentric[1] <= self._last_stop_s - 0.05]
        if not spans or spans[0].concentric[0] - last.phase("eccentric").end_s > SESSION_SPLIT_GAP_S:
            return []
        ex = exercise_entry(self.exercise)
        pel = tail if self.primary == "pelvis" else (self._tail("pelvis", since) if "pelvis" in self.sensors else None)
        known = list(self.reps)
        revised = known[-1].phase("bottom_pause") is None
        if revised:
            known[-1] = live_tail.with_bottom_pause(known[-1], spans[0].concentric[0])
        events: list[Event] = []
        for sp in spans:
            if len(known) > len(self.reps):  # two new reps in one tail: the first one's bottom pause closes here
                known[-1] = live_tail.with_bottom_pause(known[-1], sp.concentric[0])
                revised = True
            rep = live_tail.provisional_rep(sp, len(known) + 1, known, reading, tail, pel, self._frame, ex,
                                            self.tempo)
            if set(rep.faults) & live_tail.POSTURE_FAULTS:
                return None
            known.append(rep)
            events.append(RepCompleted(now, rep))
            events += [FaultDetected(now, rep.index, f, c) for f, c in zip(rep.faults, rep.cues)]
        self.reps = known
        return ([RepsRevised(now, tuple(known))] if revised else []) + events

    def _adopt(self, cal: Calibration) -> None:
        """Take the settled movement axes for the live traces (keeps the angle continuous across the switch)."""
        self.calibration = cal
        for p, axis in cal.axes_sensor.items():
            s = self.sensors.get(p)
            if s is not None:
                s.axis = np.asarray(axis, dtype=float)
                s.calibrated = True
        for s in self.sensors.values():
            s.calibrated = True  # a sensor the verdict does not use keeps its guessed axis: a steady display

    def _merge(
        self, now: float, settled: Sequence[Rep], final: bool, window_start_s: float | None = None
    ) -> list[Event]:
        events: list[Event] = []
        known = list(self.reps)
        changed = False
        new: list[Rep] = []
        if window_start_s is not None and settled:
            # The window holds the whole set: an emitted rep the analysis no longer finds was a set-up move taken
            # for a rep before the set's common start pose was known; withdraw it and renumber.
            kept = [r for r in known if any(abs(r.start_s - x.start_s) < PHASE_MATCH_S for x in settled)
                    or r.start_s > settled[-1].start_s]
            if len(kept) != len(known):
                known = [replace(r, index=k) for k, r in enumerate(kept, start=1)]
                changed = True
        for rep in settled:
            match = next((k for k, r in enumerate(known) if abs(r.start_s - rep.start_s) < PHASE_MATCH_S), None)
            if match is not None:
                rep = replace(rep, index=known[match].index)
                if not _same_rep(known[match], rep):
                    known[match] = rep
                    changed = True
            elif not known or rep.start_s > known[-1].start_s:
                rep = replace(rep, index=len(known) + 1)
                known.append(rep)
                new.append(rep)
        if final:
            # the final analysis is the truth: reps it no longer finds are dropped, and numbering follows it
            final_reps = [replace(r, index=k) for k, r in enumerate(settled, start=1)]
            if tuple(final_reps) != tuple(known):  # exact: after this, the list is the offline one
                changed = True
            known = final_reps
            new = [r for r in known if all(abs(r.start_s - o.start_s) >= PHASE_MATCH_S for o in self.reps)]
        self.reps = known
        if new and not self._set_started:
            self._set_started = True
            events.append(SetStarted(now, known[0].start_s))
        if changed:
            events.append(RepsRevised(now, tuple(known)))
        for rep in new:
            events.append(RepCompleted(now, rep))
            events += [FaultDetected(now, rep.index, f, c) for f, c in zip(rep.faults, rep.cues)]
        return events

    def _begin_set(self, now: float):
        """The current activity read as the offline session reads a candidate span (`analysis.session`): the span
        between the rests (`set_detection`), its exercise given or recognised from the reps' posture and movement
        axis (`analysis.recognition`), and its analysis as that exercise; None until it holds the session's
        `min_reps` (`RECOGNISE_AFTER_REPS`) reps or a band walk's steps."""
        from analysis import session

        # Each look reads the span (twice to recognise): only when a lowering has just ended after enough lifts, or
        # now and then for a band walk (its steps are no lifts)
        lowering = (self._unannounced_lowering_s is not None and self._live_reps >= RECOGNISE_AFTER_REPS
                    and now - self._begin_tried_s >= BEGIN_LOOK_EVERY_S)
        walk = self.exercise in (None, "lateral_band_walk")
        if not lowering and (not walk or now - self._walk_tried_s < SETTLE_IDLE_INTERVAL_S):
            return None
        if not lowering:
            self._walk_tried_s = now
        self._begin_tried_s = now
        span = self._activity_span(now)
        ref = self._posture_reference(now) if self.exercise is None else PostureReference(None, None)  # unused
        if ref is None or span is None:
            return None
        given = None if self.exercise is None else (self.exercise, "given")
        t0 = max(span[0], now - self.live_window_s)
        try:
            found = session._read_span(self._window_series(t0), (t0, now + self._half_sample_s), given, ref,
                                       self.tempo, self.side, session.SESSION)
            if found is not None and given is not None and self._upright_reps(now, t0):
                return None
        except ValueError:
            return None
        return found

    def _upright_reps(self, now: float, t0: float) -> bool:
        """A given lift's reps read standing up (`recognition.is_upright`): the first steps of a walk, which the
        set detector needs a few more seconds to call one (the offline session never reads them as a set)."""
        from analysis import recognition
        from analysis.pipeline import read_movement

        ref = self._posture_reference(now)
        if self.exercise == "lateral_band_walk" or ref is None or ref.up_ref is None:
            return False
        reading = read_movement(self.sensors[self._detector].series(t0))
        return bool(reading.spans) and recognition.is_upright(recognition.set_features(reading, ref))

    def _activity_span(self, now: float, at_s: float | None = None) -> tuple[float, float] | None:
        """The candidate span (`set_detection.candidate_spans`: between walking and long stillness) of the set's
        samples that holds `at_s` (default: the newest one, when it runs to now); None when there is none."""
        from analysis import session, set_detection

        # walking is told over at least the last WALK_CONTEXT_S, before the set too: the detector needs several
        # seconds of rhythm to call a walk, and the walks already seen tell it which way is forward
        det = self.sensors[self._detector].series(min(self._set_start_s(), now - WALK_CONTEXT_S))
        if len(det.t_s) < 100:
            return None
        params = session.SESSION.detection
        walking = set_detection.walking_mask(det.t_s, det.acc_mps2, params)
        spans = set_detection.candidate_spans(det.t_s, det.acc_mps2, det.gyr_rads, params, walking)
        if at_s is None:
            if not spans or spans[-1][1] < float(det.t_s[-1]):
                return None
            return max(spans[-1][0], self._set_start_s()), spans[-1][1]
        return next((sp for sp in spans if sp[0] <= at_s <= sp[1]), None)

    def _posture_reference(self, now: float):
        """The upright reference (the offline session's: walking, else standing still at the start) over every
        buffered sample, the sets before this one's too; looked for once a set (a walk or a new start pose may
        have come since), again every `REFERENCE_RETRY_S` while there is none, and an older one kept until a
        newer is found."""
        from analysis import session, set_detection
        from analysis.orientation import orientation_quat

        ref = self._reference
        fresh = ref is not None and self._reference_at >= self._set_start_s()  # looked for in this set
        if fresh and (ref.up_ref is not None or now - self._reference_at < REFERENCE_RETRY_S):
            return ref
        det = self.sensors[self._detector].series(-np.inf)
        if len(det.t_s) < 100:
            return ref
        quat = orientation_quat(det.t_s, det.acc_mps2, det.gyr_rads)
        walking = set_detection.walking_mask(det.t_s, det.acc_mps2, session.SESSION.detection)
        new = session._reference(det, quat, walking)
        if new.up_ref is not None or ref is None:
            self._reference = new
        self._reference_at = now
        return self._reference

    def _final_report(self, series: list[ImuSeries], start: float, end: float) -> tuple[SetReport | None, list]:
        """The set's final analysis: with a given exercise `analyze_set` of its samples; else the offline session
        analysis of them as one marked set (what `repscope analyze` reports for the recording's marked span)."""
        if not series or any(len(x.t_s) < 100 for x in series):
            return None, []
        if self.given_exercise is not None:
            try:
                report, cal = analyze_with_calibration(series, self.exercise, self.tempo, self.side)
            except ValueError:
                return None, []
            if report.reps:
                self._adopt(cal)
            return report, []
        from analysis import session

        ref = self._posture_reference(self.now_s)
        try:
            found = None if ref is None else session._read_span(
                series, (start, end), None, ref, self.tempo, self.side, session.SESSION, True)
        except ValueError:
            found = None
        if found is None:
            return None, []
        self.exercise, self.exercise_source, self.exercise_confidence = found.exercise, found.source, found.confidence
        return found.report, [ExerciseRecognised(self.now_s, found.exercise, found.confidence, final=True)]

    def _end(self, reason: str, at_s: float | None = None) -> list[Event]:
        """Close the set at `at_s` (default: now): the samples after it begin the next set."""
        now = self.now_s
        last = now if at_s is None else self._last_sample_at_or_before(at_s)
        start = self._set_start_s()
        end = last + self._half_sample_s  # the mark just past the last sample: a slice up to it holds that sample
        # every sensor's samples before the mark (two sensors' clocks interleave: not only those up to `last`)
        series = [x for x in (s.series(start, end, inclusive=False) for s in self.sensors.values()) if len(x.t_s)]
        report, events = self._final_report(series, start, end)
        if report is None:
            report = SetReport(self.exercise or UNRECOGNISED, self.primary, self.tempo, ())
        events += self._merge(now, report.reps, final=True)
        report = replace(report, reps=tuple(self.reps))
        events.append(SetEnded(now, report, reason, start, end, self.exercise_source or "recognised",
                               self.exercise_confidence if self.exercise is not None else 0.0))
        self.reports.append(report)
        self._reset_set(start_s=end)  # the next set's samples are those from the mark on
        return events

    def _last_sample_at_or_before(self, t_s: float) -> float:
        times = [s.times() for s in self.sensors.values() if len(s.samples)]
        before = [t[np.searchsorted(t, t_s, side="right") - 1] for t in times if t[0] <= t_s]
        return float(max(before)) if before else t_s


def _up_in_sensor(w: float, x: float, y: float, z: float) -> np.ndarray:
    """Earth's up in the sensor frame for one quaternion (`orientation.up_in_sensor` for a single sample)."""
    return np.array([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)])


def _same_rep(a: Rep, b: Rep) -> bool:
    """Equal for the lifter: same phases (within 1 ms), metrics within 1 %, same faults."""
    if a.faults != b.faults or len(a.phases) != len(b.phases):
        return False
    for p, q in zip(a.phases, b.phases):
        if p.name != q.name or abs(p.start_s - q.start_s) > 1e-3 or abs(p.end_s - q.end_s) > 1e-3:
            return False
    for x, y in (
        (a.rom_deg, b.rom_deg), (a.tilt_sagittal_deg, b.tilt_sagittal_deg), (a.pelvic_drop_deg, b.pelvic_drop_deg)
    ):
        if (x is None) != (y is None):
            return False
        if x is not None and abs(x - y) > 0.01 * max(abs(x), abs(y), 1.0):
            return False
    return True


def batches_in_time_order(series: Sequence[ImuSeries], batch_s: float):
    """Cut whole recordings into `batch_s` batches of each sensor, yielded in arrival order (by last sample time),
    as a BLE stream would deliver them: (placement, t_s, acc_mps2, gyr_rads)."""
    chunks = []
    for s in series:
        if len(s.t_s) == 0:
            continue
        edges = np.arange(s.t_s[0], s.t_s[-1] + batch_s, batch_s)
        idx = np.unique(np.searchsorted(s.t_s, edges))
        idx = np.append(idx, len(s.t_s)) if idx[-1] < len(s.t_s) else idx
        for a, b in zip(idx[:-1], idx[1:]):
            if b > a:
                chunks.append((float(s.t_s[b - 1]), s.placement, a, b, s))
    chunks.sort(key=lambda c: c[0])
    for _, placement, a, b, s in chunks:
        yield placement, s.t_s[a:b], s.acc_mps2[a:b], s.gyr_rads[a:b]


def stream_series(
    series: Sequence[ImuSeries], exercise: str | None, tempo: TempoTarget | None = None, side: str | None = None,
    batch_s: float = 0.05, **options,
) -> tuple[StreamingAnalyzer, list[Event]]:
    """Run whole recordings through a `StreamingAnalyzer` as a stream and end the set: all events, in order."""
    rates = {s.placement: 1.0 / float(np.median(np.diff(s.t_s))) for s in series}
    sa = StreamingAnalyzer(exercise, rates, tempo, side, **options)
    events: list[Event] = []
    for placement, t, a, g in batches_in_time_order(series, batch_s):
        events += sa.push(placement, t, a, g)
    events += sa.end_set("stream end")
    return sa, events
