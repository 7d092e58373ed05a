"""The workout watcher: in a live workout (no exercise given, or sets ending by themselves) where a set begins and
where it ends, read as the offline session reads a recording (`analysis.session`).

A set begins in the set detector's span between rests (walking, a long stillness) once the session's reading of
that span holds `recognise_after_reps` reps (a band walk: its steps) not read standing up; without a given
exercise, the recogniser names it then. The set ends when the detector sees the rest begin (or `auto_end_rest_s`
after its last rep), at the end of its span. Times in s.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from analysis import recognition, session
from analysis.pipeline import ImuSeries, primary_placement, read_movement
from analysis.phase_tracker import PhaseTracker
from analysis.recognition import PostureReference
from analysis.stream_params import StreamingParams
from analysis.stream_state import SensorStream, SetState
from sensors.exercises import recognised, stepped


class WorkoutWatcher:
    """Where the sets of a workout begin and end; the upright reference (walking, else standing still at the
    start) outlives a set, the look timers do not (`reset`)."""

    def __init__(self, sensors: dict[str, SensorStream], params: StreamingParams, auto_end_rest_s: float | None,
                 tempo, side, exercise_given: bool = False) -> None:
        self.sensors = sensors
        self.exercise_given = exercise_given  # the analyzer's: nothing is recognised (no partner reference needed)
        self.params = params.watch
        self.live_window_s = params.buffers.live_window_s
        self.auto_end_rest_s = auto_end_rest_s
        self.tempo, self.side = tempo, side
        lift = recognised("hip_extension", "supine_bench")
        self.detector = primary_placement(lift, list(sensors))  # a hip-extension lift's: the pelvis, else the first
        self.half_sample_s = 0.5 / max(s.rate_hz for s in sensors.values())
        self.reference: PostureReference | None = None  # the upright reference for recognition
        self.partner_refs: dict[str, PostureReference] = {}  # the partner thigh's, read beside the detector
        self.reference_at = -np.inf
        self.reset()

    def reset(self) -> None:
        self.walk_tried_s = -np.inf
        self.begin_tried_s = -np.inf
        self.rest_looked_s = -np.inf
        self.anchor_s: float | None = None

    # ------------------------------------------------------------------------------------------------ begin

    def begin_set(self, now: float, set_: SetState, lowering_pending: bool, live_reps: int):
        """The current activity read as the offline session reads a candidate span (`session.read_span`): the
        span between the rests, its exercise given or recognised from the reps' posture and movement axis, and its
        analysis as that exercise; None until it holds the session's `min_reps` reps or a band walk's steps.
        `lowering_pending`: the tracker saw a lowering end that no announced rep accounts for."""
        p = self.params
        # Each look reads the span (twice to recognise): only when a lowering has just ended after enough lifts, or
        # now and then for a band walk (its steps are no lifts)
        lowering = lowering_pending and live_reps >= p.recognise_after_reps and now - self.begin_tried_s >= \
            p.begin_look_every_s
        walk = stepped(set_.exercise)
        if not lowering and (not walk or now - self.walk_tried_s < p.walk_look_every_s):
            return None
        if not lowering:
            self.walk_tried_s = now
        self.begin_tried_s = now
        span = self.activity_span(now, set_)
        ref = self.posture_reference(now, set_) if set_.exercise is None else PostureReference(None, None)
        if ref is None or span is None:
            return None
        given = None if set_.exercise is None else (set_.exercise, "given")
        t0 = max(span[0], now - self.live_window_s)
        try:
            found = session.read_span(self.window_series(t0), (t0, now + self.half_sample_s), given, ref,
                                      self.tempo, self.side, session.SESSION, refs=self.refs_for(given))
            if found is not None and given is not None and self.upright_reps(now, t0, set_):
                return None
        except ValueError:
            return None
        return found

    def window_series(self, since_s: float) -> list[ImuSeries]:
        return [s.series(since_s) for s in self.sensors.values() if len(s.samples)]

    def upright_reps(self, now: float, t0: float, set_: SetState) -> bool:
        """A given lift's reps read standing up (`recognition.is_upright`): the first steps of a walk, which the
        set detector needs a few more seconds to call one (the offline session never reads them as a set)."""
        ref = self.posture_reference(now, set_)
        if (set_.exercise is not None and stepped(set_.exercise)) or ref is None or ref.up_ref is None:
            return False
        reading = read_movement(self.sensors[self.detector].series(t0))
        return bool(reading.spans) and recognition.is_upright(recognition.set_features(reading, ref))

    def activity_span(self, now: float, set_: SetState, at_s: float | None = None) -> tuple[float, float] | None:
        """The candidate span (`session.activity_spans`: between walking and long stillness) of the set's samples
        that holds `at_s` (default: the newest one, when it runs to now); None when there is none."""
        # walking is told over at least the last `walk_context_s`, before the set too: the detector needs several
        # seconds of rhythm to call a walk, and the walks already seen tell it which way is forward
        set_start = set_.start_s(self.sensors)
        since = min(set_start, now - self.params.walk_context_s)
        det = self.sensors[self.detector]
        if len(det.rows(since)) < self.params.min_samples:
            return None
        spans = session.activity_spans(self.window_series(since), session.SESSION)
        newest = det.last_t
        if at_s is None:
            if not spans or spans[-1][1] < newest:
                return None
            return max(spans[-1][0], set_start), spans[-1][1]
        return next((sp for sp in spans if sp[0] <= at_s <= sp[1]), None)

    def posture_reference(self, now: float, set_: SetState) -> PostureReference | None:
        """The upright reference (the offline session's: walking, else standing still at the start) over every
        buffered sample, the sets before this one's too; looked for once a set (a walk or a new start pose may
        have come since), again every `reference_retry_s` while there is none, and an older one kept until a
        newer is found."""
        ref = self.reference
        fresh = ref is not None and self.reference_at >= set_.start_s(self.sensors)  # looked for in this set
        if fresh and (ref.up_ref is not None or now - self.reference_at < self.params.reference_retry_s):
            return ref
        det = self.sensors[self.detector].series(-np.inf)
        if len(det.t_s) < self.params.min_samples:
            return ref
        new, partners = session.upright_references(self.window_series(-np.inf), partners=not self.exercise_given)
        if new.up_ref is not None or ref is None:
            self.reference, self.partner_refs = new, partners
        self.reference_at = now
        return self.reference

    def refs_for(self, given) -> dict[str, PostureReference] | None:
        """The partner thigh's upright reference when the exercise is to be recognised (as `analyze` reads a
        span with both sensors), else None."""
        return self.partner_refs if given is None else None

    # ------------------------------------------------------------------------------------------------ end

    def resting(self, now: float, set_: SetState, tracker: PhaseTracker) -> bool:
        """The set is over: `auto_end_rest_s` without movement since the last stop, or (walking, fiddling between
        sets keeps the tracker busy) that long since the last rep or step the analysis found."""
        if not (set_.reps or set_.steps):
            return False
        if tracker.moving_sign == 0 and now - tracker.last_stop_s >= self.auto_end_rest_s:
            return True
        return now - set_.last_movement_s() >= self.auto_end_rest_s

    def rest_began(self, now: float, set_: SetState) -> float | None:
        """With auto-end, a rest the offline set detector sees (walking, a long stillness) after the set's last
        movement: where the set's span ends (the detector's margin after it); None while the set goes on."""
        if self.auto_end_rest_s is None or not (set_.reps or set_.steps):
            return None
        if now - self.rest_looked_s < self.params.rest_look_every_s:
            return None
        self.rest_looked_s = now
        # the set is the span holding its first movement (a walk after it, read as more reps, must not move it)
        span = self.activity_span(now, set_, self.first_movement_s(set_))
        return None if span is None or span[1] >= self.sensors[self.detector].last_t else span[1]

    def rest_start_s(self, now: float, set_: SetState) -> float:
        """Where the set's span ends: the end of the candidate span holding its first movement (walking or a
        long stillness began there, plus the detector's margin), else now."""
        span = self.activity_span(now, set_, self.first_movement_s(set_))
        return now if span is None else min(span[1], now)

    def first_movement_s(self, set_: SetState) -> float:
        """The set's first rep (step) as first announced: a stable anchor, whatever later settles read."""
        if self.anchor_s is None:
            self.anchor_s = set_.reps[0].start_s if set_.reps else set_.steps[0].t_s
        return self.anchor_s

    def holds_set(self, series: Sequence[ImuSeries], start: float, end: float, set_: SetState) -> bool:
        """The session's reading of the span (unmarked, the given exercise) calls it a set: enough reps (as
        `analyze` reads a given exercise's span: no posture check)."""
        try:
            found = session.read_span(series, (start, end), (set_.exercise, "given"), PostureReference(None, None),
                                      self.tempo, self.side, session.SESSION)
        except ValueError:
            return False
        return found is not None

    def final_read(self, now: float, series: Sequence[ImuSeries], start: float, end: float, set_: SetState):
        """The session analysis of the set's samples as one marked set, recognition included (what `repscope
        analyze` reports for the recording's marked span); None when it holds no set."""
        ref = self.posture_reference(now, set_)
        try:
            return None if ref is None else session.read_span(
                series, (start, end), None, ref, self.tempo, self.side, session.SESSION, True,
                refs=self.refs_for(None))
        except ValueError:
            return None
