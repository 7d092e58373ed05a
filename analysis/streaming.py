"""Streaming analysis: sample batches in as they arrive, events out (`SetStarted`, `PhaseChanged`, `RepCompleted`,
`FaultDetected`, `RepsRevised`, `StepsUpdated`, `ExerciseRecognised`, `SetEnded`).

A thin coordinator over four parts, each a module with its parameters (`analysis.stream_params`, composed in
`AnalysisParams.streaming`), all wrapping the offline core, so the live and the final answers cannot disagree:

- **stream events** (`analysis.stream_events`): what a push or a set's end emits, and the display values;
- **the live phase tracker** (`analysis.phase_tracker`, every sample of the primary sensor, causal): a start/stop
  detector with hysteresis on the angular speed about the movement axis gives `PhaseChanged` within a few tens
  of ms of a movement starting or stopping (provisional: the shading and the metronome); with the exercise known
  it names a set's strokes from the first, before the axis's sense settles, by a causal cue (gravity for the
  lifts that raise the segment, the start pose for a rotation about gravity), and the set starts (`SetStarted`)
  with the first lift it names;
- **settling** (`analysis.settling` with `analysis.live_tail`): when a movement stops (and on an interval as a
  net) the set is re-read, by the offline analysis of the window until its axis is known and from the stream's
  tail after; a rep whose lowering has ended is announced once (`RepCompleted`, `FaultDetected`) and revised
  when later data moves it (`RepsRevised`);
- **the workout watcher** (`analysis.workout_watch`, no exercise given or sets ending by themselves): a set begins
  as the offline session (`analysis.session`) finds one in the span between rests, recognised then without a
  given exercise (`ExerciseRecognised`), and ends when the detector sees the rest begin.

**Set end** (`end_set()`, the end of a replay, or the rest): the offline analysis over the set's samples (its
span): `analyze_set` with a given exercise, else the session analysis of the span as a marked set (recognition
included, `ExerciseRecognised(final=True)`); its reps are what `repscope analyze` reports for the same samples (a
recording holding the set's marks), and `SetEnded` carries that `SetReport` and the span.

Memory is bounded: every sensor's samples live in ring buffers of `set_window_s` (a set longer than that is ended
and a new one begun), so a 2-hour stream uses the same memory as a 10-minute one. The settling cost is bounded by
`live_window_s` (a tail reading by `live_tail.TailParams.max_s`). Time is the session clock in s; angles in
degrees where the name says `_deg`.
"""
from __future__ import annotations

import math
from dataclasses import replace
from typing import Sequence

import numpy as np

from analysis import live_tail  # noqa: F401  (tests reach `streaming.live_tail`)
from analysis.orientation import up_in_sensor
from analysis.params import DEFAULT_PARAMS, AnalysisParams
from analysis.phase_tracker import PhaseTracker
from analysis.pipeline import Calibration, ImuSeries, analyze_with_calibration, primary_placement
from analysis.results import Rep, SetReport, TempoTarget
from analysis.settling import Settler, same_rep  # noqa: F401  (same_rep: the settled-rep equality)
from analysis.stream_events import (  # noqa: F401  (the events are this module's interface)
    Event, ExerciseRecognised, FaultDetected, LiveTrace, PelvisNow, PhaseChanged, RepCompleted, RepsRevised,
    SetEnded, SetStarted, StepsUpdated,
)
from analysis.stream_params import STREAMING
from analysis.stream_state import ACC, BIAS, GYR, QUAT, SAMPLE_COLUMNS, SensorStream, SetState  # noqa: F401
from analysis.workout_watch import WorkoutWatcher
from sensors.exercises import BY_NAME, recognised

LIVE_WINDOW_S = STREAMING.buffers.live_window_s
SET_WINDOW_S = STREAMING.buffers.set_window_s
TAIL_AFTER_REPS = STREAMING.settle.tail_after_reps
RECOGNISE_AFTER_REPS = STREAMING.watch.recognise_after_reps
UNRECOGNISED = "unrecognised"  # a set ended with no exercise recognised (no reps, no steps): its report's name

_DETECTOR_EXERCISE = recognised("hip_extension", "supine_bench")  # its primary: the pelvis, else the first sensor


def _offline(series: Sequence[ImuSeries], exercise: str, tempo: TempoTarget | None, side: str | None):
    """The offline analysis of a window (looked up at call time: a benchmark or test may count the calls)."""
    return analyze_with_calibration(series, exercise, tempo, side)


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
        live_window_s: float | None = None,
        set_window_s: float | None = None,
        auto_end_rest_s: float | None = None,
        params: AnalysisParams = DEFAULT_PARAMS,
    ) -> None:
        if not rates_hz:
            raise ValueError("no sensors to analyse")
        sp = params.streaming
        buffers = replace(sp.buffers, **{k: float(v) for k, v in (("live_window_s", live_window_s),
                                                                    ("set_window_s", set_window_s)) if v is not None})
        self.params = replace(sp, buffers=buffers)
        self.given_exercise = exercise  # None: each set's exercise is recognised from its first reps
        self.tempo = tempo
        self.side = side
        self.live_window_s = buffers.live_window_s
        self.set_window_s = buffers.set_window_s
        self.auto_end_rest_s = auto_end_rest_s
        # A live workout (sets ending by themselves, or no exercise given) begins each set as the offline session
        # finds one: in a span between rests, once it holds three reps; else (one set, e.g. a replay) from rep 1
        self._as_session = exercise is None or auto_end_rest_s is not None
        self.sensors = {p: SensorStream(p, r, buffers) for p, r in rates_hz.items()}
        self._now_s = -np.inf
        self._length_checked_s = -np.inf  # `_too_long` looks once a second (the set window is minutes)
        self._half_sample_s = 0.5 / max(rates_hz.values())
        self.settler = Settler(self.sensors, self.params, _offline)
        self.watcher = WorkoutWatcher(self.sensors, self.params, auto_end_rest_s, tempo, side, exercise is not None)
        self.reports: list[SetReport] = []  # one per ended set
        self._reset_set(start_s=-np.inf)

    # ------------------------------------------------------------------------------------------------ public

    @property
    def now_s(self) -> float:
        """The newest sample of any sensor (s)."""
        return self._now_s

    @property
    def calibration(self) -> Calibration | None:
        """The sensors' settled axes and pelvis frame (the last settle that found reps)."""
        return self.settler.calibration

    @property
    def reps(self) -> list[Rep]:
        """The current set's announced reps."""
        return self.set.reps

    @property
    def steps(self):
        return self.set.steps

    @property
    def exercise(self) -> str | None:
        return self.set.exercise

    @property
    def primary(self) -> str:
        return self.set.primary

    @property
    def exercise_source(self) -> str | None:
        return self.set.exercise_source

    @property
    def exercise_confidence(self) -> float:
        return self.set.exercise_confidence

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
        if self._now_s >= self._length_checked_s + self.params.buffers.length_check_every_s and self._too_long():
            events += self._end("set too long")
        sensor.ingest(t_s, np.asarray(acc_mps2, float), np.asarray(gyr_rads, float))
        self._now_s = max(self._now_s, sensor.last_t)
        if placement == self.set.primary:
            events += self._track(sensor, len(t_s))
        now = self.now_s
        if self.settler.wanted(now, self.set, self.tracker):
            events += self._settle(now)
        if self.auto_end_rest_s is not None and self.watcher.resting(now, self.set, self.tracker):
            events += self._end("rest", self.watcher.rest_start_s(now, self.set))
        return events

    def end_set(self, reason: str = "user", at_s: float | None = None) -> list[Event]:
        """Close the current set at `at_s` (default: now; a quit mid-rep ends it at its last whole rep): the final
        offline analysis of its samples (SetEnded with the report); the samples after it begin the next set."""
        return self._end(reason, at_s)

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
        up = up_in_sensor(s.quat[None])[0]
        frame = live_tail.SetFrame(np.zeros(3), cal.pelvis_frame, cal.tilt_reference, cal.pelvis_up_top)
        tilt, drop, side = live_tail.posture_of(up / np.linalg.norm(up), frame)
        if tilt is None:
            return None
        return PelvisNow(s.last_t, tilt, drop if side == "left" else -drop)

    # ------------------------------------------------------------------------------------------------ internals

    def _reset_set(self, start_s: float) -> None:
        ex = self.given_exercise
        # until the exercise is known, the tracker follows the sensor the sets are found with (the pelvis, else
        # the first: `analysis.session`'s detector, which is also the primary of a hip-extension lift)
        self.set = SetState(ex, "given" if ex is not None else None, 1.0 if ex is not None else float("nan"),
                            primary_placement(ex or _DETECTOR_EXERCISE, list(self.sensors)), start_s,
                            confirmed=not self._as_session)
        if self.given_exercise is None and math.isfinite(start_s):
            for s in self.sensors.values():
                s.calibrated = False  # the next set may turn about another axis: guess it afresh
        # the phases are named by the sign once the primary's axis is known with its sense (a settled rep, this
        # set's or, with a given exercise, the last set's); before it, with the exercise known, by the cue
        entry = BY_NAME.get(ex) if ex is not None else None
        cued = entry is not None and not entry.steps
        self.tracker = PhaseTracker(self.params.tracker, labelled=self.sensors[self.set.primary].calibrated,
                                    cue=self.params.cue, rom_deg=entry.default_rom_deg if cued else None,
                                    gravity=cued and entry.hip_extension)
        for placement, sensor in self.sensors.items():
            sensor.cued = cued and placement == self.set.primary
        self.settler.reset()
        self.watcher.reset()

    def _track(self, s: SensorStream, n: int) -> list[Event]:
        """The live tracker over the batch's display rows; each stop it saw tells settling when to look."""
        events, stops = self.tracker.track(s, n)
        for stop in stops:
            self.settler.on_stop(stop)
        return self._shown_start(list(events))

    def _shown_start(self, events: list[Event]) -> list[Event]:
        """The set starts (`SetStarted`, the set-up banner goes) with the first lift the cue named, before it
        settles as rep 1."""
        if self.set.start_shown or not self.tracker.cue_named:
            return events
        k = next((i for i, e in enumerate(events) if isinstance(e, PhaseChanged) and e.phase == "concentric"), None)
        if k is None:
            return events
        self.set.start_shown = True
        return events[:k] + [SetStarted(events[k].t_s, events[k].start_s)] + events[k:]

    def _too_long(self) -> bool:
        """The current set (from its own start, not the oldest buffered sample) is about to outgrow the buffers.

        Before the first rep, the wait is trimmed to `idle_lead_in_fraction` of the set window: a set begun after a
        long idle spell is not cut short by it.
        """
        now = self.now_s
        self._length_checked_s = now
        if not self.set.reps:
            lead_in = self.params.buffers.idle_lead_in_fraction * self.set_window_s
            self.set.from_s = max(self.set.from_s, now - lead_in)
            return False
        return self.set.start_s(self.sensors) < now - self.set_window_s * self.params.buffers.too_long_fraction

    def _settle(self, now: float) -> list[Event]:
        """Re-read the set: 1. a rest the detector sees ends it; 2. new reps from the tail once its axis is known
        (or an offline look for a lowering the tail did not read); 3. else the offline reading of the window (a
        workout's set: the session's reading of its span once it holds enough reps, provisional readings of the
        span before); 4. what it found announced, and the phases named once the axis's sense is known."""
        primary = self.sensors[self.set.primary]
        axis_before = primary.axis
        events = self._reread(now)
        flipped = axis_before is not None and primary.axis is not None and float(axis_before @ primary.axis) < 0
        # named from the second settled rep on: the first alone may be a set-up move read the other way up
        enough = len(self.set.reps) >= self.params.settle.confirmed_reps
        if self.tracker.confirmed or not (primary.calibrated and enough):
            if flipped and self.tracker.labelled and not self.tracker.confirmed:
                primary.flip_axis()  # one settled rep does not overrule the sense a cue told (it may be a set-up move)
            elif flipped:
                self.tracker.flip()  # a later reading turned the set the other way up: the tracker follows it
            return events
        return events + self.tracker.label(now, self.set.reps, flipped)

    def _reread(self, now: float) -> list[Event]:
        st = self.settler
        at_stop = st.due or now >= st.resettle_at  # a stop the tracker saw asked for this settle
        st.begin(now)
        rest_from = self.watcher.rest_began(now, self.set)
        if rest_from is not None:
            return self._end("rest", rest_from)  # before the rest's moves (a walk) can be read as reps
        look_from = -np.inf
        if st.tail_ready(self.set):
            events = st.from_tail(now, self.set, self.tracker, self.tempo)
            if events is not None:
                look = st.offline_look_from(now, events, self.set)
                if look is None:
                    return events + st.account_pending(now, self.set)
                look_from = look
        since, truncated = st.window(now, self.set, look_from)
        series = self.watcher.window_series(since)
        if any(len(x.t_s) < self.params.buffers.min_window_samples for x in series):
            return []
        head: list[Event] = []
        report = None
        if self.set.exercise is None or not self.set.confirmed:
            found = self.watcher.begin_set(now, self.set, st.unannounced_lowering_s is not None,
                                           self.tracker.live_reps)
            if found is not None:
                head += self._begun(now, found)
                since, truncated, report = found.t0, False, found.report
            elif self.set.exercise is None:
                return []
        if report is None:
            read = self._read(now, since, truncated, at_stop)
            if read is None:
                return []
            since, truncated, report = read
        if report.steps and not truncated and len(report.steps) != len(self.set.steps):
            return head + self._steps(now, report)
        settled = st.settled_reps(report, self.set, self.tracker, since, truncated)
        events = head + st.merge(now, settled, self.set, final=False, window_start_s=None if truncated else since)
        return events + st.account_pending(now, self.set)

    def _read(self, now: float, since: float, truncated: bool, at_stop: bool) -> tuple[float, bool, SetReport] | None:
        """The offline reading of the window from `since` as the set's (given or recognised) exercise, once it holds
        a rep (`Settler.no_rep_yet`). A workout's set not yet confirmed by the session's reading (fewer reps than
        it needs) is read provisionally, at the tracker's stops (`at_stop`): within the detector's span of activity
        that runs to now, and not when its reps are read standing up (a walk's strides); its reps are announced from
        the first, and a rest before the session's reading confirms the set withdraws them unless that reading of
        the span calls it a set."""
        if not self.set.confirmed and not at_stop:
            return None  # provisional reads at the tracker's stops only (the session's reading is the net)
        if self.settler.no_rep_yet(since, self.set):
            return None
        if not self.set.confirmed:
            span = self.watcher.activity_span(now, self.set)
            if span is None:
                return None
            since = max(span[0], now - self.live_window_s)
            truncated = since > span[0] + 1e-9
        series = self.watcher.window_series(since)
        report = self.settler.read_window(now, series, self.set, self.tempo, self.side)
        if report is None:
            return None
        if not self.set.confirmed and report.reps and self.watcher.upright_reps(now, since, self.set):
            return None
        return since, truncated, report

    def _begun(self, now: float, found) -> list[Event]:
        """The workout watcher found the set: its exercise (recognised now, unless given) and its span."""
        head: list[Event] = []
        if self.set.exercise is None:
            self.set.exercise, self.set.exercise_source = found.exercise, "recognised"
            self.set.exercise_confidence = found.confidence
            self.set.primary = primary_placement(found.exercise, list(self.sensors))
            head.append(ExerciseRecognised(now, found.exercise, found.confidence))
        self.set.from_s = found.t0  # the set is the candidate span the offline session would read
        self.set.confirmed = True
        return head

    def _steps(self, now: float, report: SetReport) -> list[Event]:
        """A band walk's steps so far (its set begins with its first steps)."""
        self.set.steps = report.steps
        head: list[Event] = []
        if not self.set.started:
            self.set.started = True
            head.append(SetStarted(now, report.steps[0].t_s))
        return head + [StepsUpdated(now, report.steps)]

    def _final_report(self, series: list[ImuSeries], start: float, end: float) -> tuple[SetReport | None, list]:
        """The set's final analysis: with a given exercise `analyze_set` of its samples; else the offline session
        analysis of them as one marked set (what `repscope analyze` reports for the recording's marked span)."""
        if not series or any(len(x.t_s) < self.params.buffers.min_window_samples for x in series):
            return None, []
        if self.given_exercise is not None:
            try:
                report, cal = analyze_with_calibration(series, self.set.exercise, self.tempo, self.side)
            except ValueError:
                return None, []
            if report.reps:
                self.settler.adopt(cal)
            return report, []
        found = self.watcher.final_read(self.now_s, series, start, end, self.set)
        if found is None:
            return None, []
        self.set.exercise, self.set.exercise_source = found.exercise, found.source
        self.set.exercise_confidence = found.confidence
        return found.report, [ExerciseRecognised(self.now_s, found.exercise, found.confidence, final=True)]

    def _end(self, reason: str, at_s: float | None = None) -> list[Event]:
        """Close the set at `at_s` (default: now): the samples after it begin the next set."""
        now = self.now_s
        last = now if at_s is None else self._last_sample_at_or_before(at_s)
        start = self.set.start_s(self.sensors)
        end = last + self._half_sample_s  # the mark just past the last sample: a slice up to it holds that sample
        # every sensor's samples before the mark (two sensors' clocks interleave: not only those up to `last`)
        series = [x for x in (s.series(start, end, inclusive=False) for s in self.sensors.values()) if len(x.t_s)]
        if reason == "rest" and not self.set.confirmed and not self.watcher.holds_set(series, start, end, self.set):
            return self._withdraw(end)
        report, events = self._final_report(series, start, end)
        if report is None:
            report = SetReport(self.set.exercise or UNRECOGNISED, self.set.primary, self.tempo, ())
        events += self.settler.merge(now, report.reps, self.set, final=True)
        report = replace(report, reps=tuple(self.set.reps))
        st = self.set
        events.append(SetEnded(now, report, reason, start, end, st.exercise_source or "recognised",
                               st.exercise_confidence if st.exercise is not None else 0.0))
        self.reports.append(report)
        self._reset_set(start_s=end)  # the next set's samples are those from the mark on
        return events

    def _withdraw(self, end: float) -> list[Event]:
        """A workout's set ended by a rest before the session's reading confirmed it, and the span holds no set the
        session would call one (a set-up move, a partial start): its provisional reps are withdrawn, no set ends."""
        events: list[Event] = [RepsRevised(self.now_s, ())] if self.set.reps else []
        self._reset_set(start_s=end)
        return events

    def _last_sample_at_or_before(self, t_s: float) -> float:
        times = [s.times() for s in self.sensors.values() if len(s.samples)]
        before = [t[np.searchsorted(t, t_s, side="right") - 1] for t in times if t[0] <= t_s]
        return float(max(before)) if before else t_s


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
