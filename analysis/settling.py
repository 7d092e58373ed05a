"""Settling: a running set re-read when a movement stops, and its reps announced once (`RepCompleted` with its
faults, `RepsRevised` when later data moves them).

Until the set's movement axis is known (its first rep), the offline analysis (`offline`, i.e.
`pipeline.analyze_with_calibration`) re-runs over the last `live_window_s` of the set, once the window holds a
complete rep about the tracker's guessed axis read either way up (`live_tail.holds_rep`). After that a new rep is
read from the stream's tail alone (`analysis.live_tail`: the real-time VQF orientation and bias kept with every
sample, the known axis, the offline segmentation of the last rep and the new one), and the offline analysis looks
only for a lowering the tracker saw end that the tail does not read as a rep (over the last rep and `context_s`
before it). The first rep may be a set-up move that set the axis wrong: while it is the only one, a turn across
its axis (`off_axis_dps`) puts the set back on offline looks until a second rep. Times in s.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable, Sequence

import numpy as np

from analysis import live_tail
from analysis.pipeline import Calibration, ImuSeries
from analysis.results import Rep, SetReport
from analysis.stream_events import Event, FaultDetected, RepCompleted, RepsRevised, SetStarted
from analysis.stream_params import StreamingParams
from analysis.stream_state import ACC, BIAS, GYR, QUAT, SensorStream, SetState
from analysis.phase_tracker import PhaseTracker, Stop
from sensors.exercises import exercise as exercise_entry

Offline = Callable[..., tuple[SetReport, Calibration]]  # (series, exercise, tempo, side) → report, calibration


class Settler:
    """When to settle and what a settle announces, for the current set (`reset` begins the next one); the
    calibration (`calibration`, the sensors' settled axes) outlives the set."""

    def __init__(self, sensors: dict[str, SensorStream], params: StreamingParams, offline: Offline) -> None:
        self.sensors = sensors
        self.params = params.settle
        self.live_window_s = params.buffers.live_window_s
        self.offline = offline
        self.calibration: Calibration | None = None
        self.reset()

    def reset(self) -> None:
        self.due = False  # a stop the tracker saw asks for a settle now
        self.last_settle_s = -np.inf
        self.doubt_looked_s = -np.inf
        self.doubted = False  # the first rep's axis is in doubt (`axis_doubted`)
        self.frame_at_s = -np.inf  # when `frame` was last set
        self.resettle_at = np.inf
        self.unannounced_lowering_s: float | None = None  # a lowering's stop seen live, its rep not yet settled
        self.tracker_agrees = False  # the live tracker saw a lowering end where a settled rep's lowering ends
        self.frame: live_tail.SetFrame | None = None  # this set's axis and pelvis frame, once a settle found reps
        self.offline_look_for: float | None = None  # the unread lowering the offline analysis last looked for

    # ------------------------------------------------------------------------------------------------ when

    def on_stop(self, stop: Stop) -> None:
        """A lowering's end completes a rep: settle now (and once more a moment later, in case the stop came a hair
        before the offline fit could see the rest after it); a lift's end completes none, so once the tracker's
        stops are known to match the settled reps it waits for the lowering."""
        self.due = stop.sign < 0 or not self.tracker_agrees
        if stop.sign < 0:
            self.resettle_at = stop.t_s + self.params.resettle_after_s
            self.unannounced_lowering_s = stop.t_s

    def wanted(self, now: float, set_: SetState, tracker: PhaseTracker) -> bool:
        """A settle is due now: at the tracker's stops, and as a net on the interval while it can announce
        something they would not trigger (before the first rep the tracker's axis is only a guess)."""
        p = self.params
        if self.unannounced_lowering_s is not None or not self.trusted(set_):
            interval = p.max_interval_s
        else:
            interval = p.idle_interval_s
        if self.due or now >= self.resettle_at:
            return True
        if now - self.last_settle_s >= interval:
            if self._net_can_find(set_, tracker, now):
                return True
            self.last_settle_s = now  # nothing a look could find: the next one an interval later
            return False
        return self._axis_doubted(now, set_)

    def begin(self, now: float) -> None:
        """A settle runs now."""
        self.due = False
        self.last_settle_s = now
        if now >= self.resettle_at:
            self.resettle_at = np.inf

    def trusted(self, set_: SetState) -> bool:
        """The tracker's stops match the settled reps, and the axis is not in doubt (a single rep may be a set-up
        move that set the tracker's axis wrong, its stops then come late or never: settle on the interval
        meanwhile)."""
        return (self.tracker_agrees and len(set_.reps) >= self.params.tail_after_reps
                and not (self.doubted and len(set_.reps) < self.params.confirmed_reps))

    def _axis_doubted(self, now: float, set_: SetState) -> bool:
        """Looked at once a second while fewer than `confirmed_reps` reps are known: the primary turned faster than
        `off_axis_dps` about the axes across the set's known one (the first rep was a set-up move, and the reps
        turn about another axis). From then on until a second rep, the set is settled as before its axis was
        known."""
        p = self.params
        if (self.doubted or self.frame is None or len(set_.reps) >= p.confirmed_reps
                or now - self.doubt_looked_s < p.max_interval_s):
            return False
        since, self.doubt_looked_s = self.doubt_looked_s, now
        r = self.sensors[set_.primary].rows(max(since, self.frame_at_s))
        if not len(r):
            return False
        w = r[:, GYR] - r[:, BIAS]
        across = w - np.outer(w @ self.frame.axis_sensor, self.frame.axis_sensor)
        self.doubted = float(np.einsum("ij,ij->i", across, across).max()) > np.radians(p.off_axis_dps) ** 2
        return self.doubted

    def _net_can_find(self, set_: SetState, tracker: PhaseTracker, now: float) -> bool:
        """A settle on the interval (not at a stop the tracker saw) could find something: the primary turned faster
        than `net_motion_dps` since the last look, and the tracker is not in the middle of a stroke (its stop
        settles, and a rep is announced only once its lowering has stopped), unless that stroke has run for longer
        than `net_stroke_s` (the tracker's axis may be wrong)."""
        p = self.params
        if self.trusted(set_) and tracker.moving_sign != 0 and now - tracker.stroke_started_s < p.net_stroke_s:
            return False
        r = self.sensors[set_.primary].rows(self.last_settle_s)
        if not len(r):
            return False
        return float(np.abs(r[:, GYR] - r[:, BIAS]).max()) > np.radians(p.net_motion_dps)

    # ------------------------------------------------------------------------------------------------ what

    def tail_ready(self, set_: SetState) -> bool:
        """The set's axis is known and its first reps settled: new reps can be read from the tail alone."""
        return (self.frame is not None and set_.started and set_.confirmed and self.trusted(set_)
                and not set_.steps)

    def tail(self, placement: str, since_s: float) -> live_tail.Tail:
        r = self.sensors[placement].rows(since_s)
        return live_tail.Tail(r[:, 0].copy(), r[:, ACC].copy(), r[:, GYR] - r[:, BIAS], r[:, QUAT].copy())

    def from_tail(self, now: float, set_: SetState, tracker: PhaseTracker, tempo) -> list[Event] | None:
        """New reps read from the tail (`analysis.live_tail`): from just before the last announced rep's lift to
        now, segmented about the set's known axis on the real-time orientation. The last announced rep's bottom
        pause closes at the next lift; the reps before it are left to the set's end. None: a new rep has a fault
        whose cue quotes a posture or range (`live_tail.POSTURE_FAULTS`): the offline analysis of the window
        announces it instead (its numbers are the final ones; the real-time orientation's tilt can be a degree
        off). Timing cues quote the tail's phase boundaries (within a few ms of the final ones)."""
        p = self.params
        last = set_.reps[-1]
        sensor = self.sensors[set_.primary]
        since = max(last.start_s - live_tail.TAIL.lead_s, now - live_tail.TAIL.max_s, set_.start_s(self.sensors))
        tail = self.tail(set_.primary, since)
        if len(tail.t_s) < live_tail.TAIL.min_s * sensor.rate_hz:
            return []
        reading = live_tail.read_tail(tail, self.frame.axis_sensor)
        spans = [sp for sp in reading.spans if sp.concentric[0] > last.start_s + p.phase_match_s]
        if tracker.moving_sign != 0:  # the newest stroke may still be running (see `accept`)
            spans = [sp for sp in spans if sp.eccentric[1] <= tracker.last_stop_s - p.stroke_still_running_s]
        if not spans or spans[0].concentric[0] - last.phase("eccentric").end_s > p.split_gap_s:
            return []
        ex = exercise_entry(set_.exercise)
        pel = tail if set_.primary == "pelvis" else (self.tail("pelvis", since) if "pelvis" in self.sensors else None)
        known = list(set_.reps)
        revised = known[-1].phase("bottom_pause") is None
        if revised:
            known[-1] = live_tail.with_bottom_pause(known[-1], spans[0].concentric[0])
        events: list[Event] = []
        for sp in spans:
            if len(known) > len(set_.reps):  # two new reps in one tail: the first one's bottom pause closes here
                known[-1] = live_tail.with_bottom_pause(known[-1], sp.concentric[0])
                revised = True
            rep = live_tail.provisional_rep(sp, len(known) + 1, known, reading, tail, pel, self.frame, ex, tempo)
            if set(rep.faults) & live_tail.POSTURE_FAULTS:
                return None
            known.append(rep)
            events.append(RepCompleted(now, rep))
            events += [FaultDetected(now, rep.index, f, c) for f, c in zip(rep.faults, rep.cues)]
        set_.reps = known
        return ([RepsRevised(now, tuple(known))] if revised else []) + events

    def offline_look_from(self, now: float, events: list[Event], set_: SetState) -> float | None:
        """After a tail reading (`events`): where an offline look begins, for a lowering's end the tail did not
        read as a rep (the offline analysis decides, of the last rep on with `context_s` before it: the reps
        there are settled, not re-judged), once per such lowering (a set-up move, the set's last stroke); None:
        no look."""
        pending = self.unannounced_lowering_s
        if events or pending is None or now - pending < self.params.tail_retry_s or self.offline_look_for == pending:
            return None
        self.offline_look_for = pending
        return set_.reps[-1].start_s - live_tail.TAIL.lead_s - self.params.context_s

    def window(self, now: float, set_: SetState, look_from: float) -> tuple[float, bool]:
        """The stretch an offline settle reads: its start (s) and whether it is cut short of the set's start."""
        set_from = set_.start_s(self.sensors)
        since = max(set_from, now - self.live_window_s, look_from)
        return since, since > set_from + 1e-9

    def no_rep_yet(self, since: float, set_: SetState) -> bool:
        """Before the set's first rep (a given exercise counted in reps): the window from `since` holds no complete
        rep about the tracker's guessed axis (the dominant rotation of the last moments), read either way up, on the
        real-time orientation (`live_tail.holds_rep`, a few ms): the offline analysis would find none either, and is
        not run."""
        s = self.sensors[set_.primary]
        if set_.reps or s.axis is None or set_.exercise is None:
            return False
        if exercise_entry(set_.exercise).steps:
            return False
        return not live_tail.holds_rep(self.tail(set_.primary, since), s.axis)

    def read_window(self, now: float, series: Sequence[ImuSeries], set_: SetState, tempo, side) -> SetReport | None:
        """The offline analysis of the window as the set's exercise; its reps set the axes (`adopt`) and the set's
        frame for the tail readings. None: the window holds nothing to read."""
        try:
            report, cal = self.offline(series, set_.exercise, tempo, side)
        except ValueError:
            return None
        if report.reps:
            self.adopt(cal)
            axis = cal.axes_sensor.get(set_.primary)
            self.frame_at_s = now
            self.frame = None if axis is None else live_tail.SetFrame(
                np.asarray(axis, float), cal.pelvis_frame, cal.tilt_reference, cal.pelvis_up_top,
                set_.primary == "pelvis")
        return report

    def adopt(self, cal: Calibration) -> None:
        """Take the settled movement axes for the live traces (keeps the angle continuous across the switch)."""
        self.calibration = cal
        for p, axis in cal.axes_sensor.items():
            s = self.sensors.get(p)
            if s is not None:
                axis = np.asarray(axis, dtype=float)
                if s.axis is not None and float(s.axis @ axis) < 0:
                    s.speed_dps = -s.speed_dps  # the guess had it the other way up: the smoothed speed follows
                s.axis = axis
                s.calibrated = True
        for s in self.sensors.values():
            s.calibrated = True  # a sensor the verdict does not use keeps its guessed axis: a steady display

    def settled_reps(self, report: SetReport, set_: SetState, tracker: PhaseTracker, since: float,
                     truncated: bool) -> list[Rep]:
        """The report's reps a settle may announce: not those already settled at the start of a truncated
        window, not a lowering the tracker has not seen stop, not those after a rest (the next set's)."""
        p = self.params
        settled: list[Rep] = []
        for rep in report.reps:
            if truncated and rep.start_s < since + p.context_s:
                continue
            ecc = rep.phase("eccentric")
            # the newest stroke may still be running: a lowering counts once the tracker has seen it stop
            if tracker.moving_sign != 0 and ecc.end_s > tracker.last_stop_s - p.stroke_still_running_s:
                continue
            last = settled[-1] if settled else (set_.reps[-1] if set_.reps else None)
            if last is not None and rep.start_s - last.phase("eccentric").end_s > p.split_gap_s:
                break  # after a rest: the next set's (the offline session splits there), not this one's
            settled.append(rep)
        return settled

    def merge(self, now: float, settled: Sequence[Rep], set_: SetState, final: bool,
              window_start_s: float | None = None) -> list[Event]:
        """Settled reps into the announced ones: new ones announced (`RepCompleted`, `FaultDetected`, the set's
        `SetStarted` with its first), moved ones revised (`RepsRevised`); `final`: the set's last word."""
        events: list[Event] = []
        known = list(set_.reps)
        changed = False
        new: list[Rep] = []
        match_s = self.params.phase_match_s
        if window_start_s is not None and settled:
            # The window holds the whole set: an emitted rep the analysis no longer finds was a set-up move taken
            # for a rep before the set's common start pose was known; withdraw it and renumber.
            kept = [r for r in known if any(abs(r.start_s - x.start_s) < match_s for x in settled)
                    or r.start_s > settled[-1].start_s]
            if len(kept) != len(known):
                known = [replace(r, index=k) for k, r in enumerate(kept, start=1)]
                changed = True
        for rep in settled:
            match = next((k for k, r in enumerate(known) if abs(r.start_s - rep.start_s) < match_s), None)
            if match is not None:
                rep = replace(rep, index=known[match].index)
                if not same_rep(known[match], rep):
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
            new = [r for r in known if all(abs(r.start_s - o.start_s) >= match_s for o in set_.reps)]
        set_.reps = known
        if new and not set_.started:
            set_.started = True
            if not set_.start_shown:  # else shown at the first lift the tracker named
                set_.start_shown = True
                events.append(SetStarted(now, known[0].start_s))
        if changed:
            events.append(RepsRevised(now, tuple(known)))
        for rep in new:
            events.append(RepCompleted(now, rep))
            events += [FaultDetected(now, rep.index, f, c) for f, c in zip(rep.faults, rep.cues)]
        return events

    def account_pending(self, now: float, set_: SetState) -> list[Event]:
        """A lowering's end the tracker saw is accounted for by an announced rep (from now on the tracker's stops
        are what settling waits for), or given up on after `idle_interval_s`. No events."""
        pending = self.unannounced_lowering_s
        if pending is not None:
            if any(abs(r.phase("eccentric").end_s - pending) < self.params.lowering_match_s for r in set_.reps):
                self.unannounced_lowering_s = None
                self.tracker_agrees = True
                self.resettle_at = np.inf  # announced: no second look needed
            elif now - pending > self.params.idle_interval_s:
                self.unannounced_lowering_s = None  # that stop ended no rep (a set-up move, a partial stroke)
        return []


def same_rep(a: Rep, b: Rep) -> bool:
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
