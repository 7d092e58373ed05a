"""The live window (pyqtgraph on PySide6): what the lifter sees during a set, read from the bench 2 m away, and
the replay view. It composes the views of `ui.live_views` and feeds them the session's snapshots and events.

Layout: the cue banner on top (the newest rep's cues in plain words; between sets the last set's summary); a
head row with the big rep (or step) number, the current phase with its count against the tempo target
(`LOWER 2 · 3 · ✓`, a key to it below; the rest timer between sets; the per-side step counter on a band walk),
and the exercise, working leg, the last rep's speed, time under tension and the tempo; the movement angle and
angular speed of each sensor over the last 10 s with the phases shaded (legend above, colours from
`ui.palette`, the report's too); per-rep tempo bars against the target band (per-step bars by side on a band
walk); pelvis tilt and drop gauges at lockout, shown only for a pelvis sensor on the lifts they apply to; a
status bar (connection, rate, dropped packets, recording, sound). Every text size follows the window's height.
Keys: space ends/starts a set, u undoes the last rep (again: the one before), r toggles recording, f full
screen, q quits; in a replay ←/→ jump to the
previous/next rep, the slider scrubs, 1/2/4/m set the speed.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from analysis.results import Rep
from analysis.session import set_bounds
from analysis.streaming import (
    RECOGNISE_AFTER_REPS,
    ExerciseRecognised,
    FaultDetected,
    PhaseChanged,
    RepCompleted,
    RepsRevised,
    SetEnded,
    SetStarted,
    StepsUpdated,
)
from analysis.tempo import format_tempo
from sensors.exercises import BY_NAME
from ui import palette
from ui.audio import LiveSound
from ui.live_readout import (
    exercise_text,
    gauges_for,
    is_undone,
    phase_readout,
    rest_text,
    set_summary,
    speed_text,
    step_counter,
    without_undone,
    working_side_text,
)
from ui.live_views import Banner, BarsView, GaugesView, HeadView, ShadingLegend, TextSizes, TracesView, set_text
from ui.session import Session, Snapshot
from ui.tables import step_summary

TRACE_WINDOW_S = 10.0
BANNER_CUES = 2  # cues of one rep shown at once on the banner
NOTICE_S = 6.0  # a key's answer (`u`) stays this long at the head of the status bar
_K = QtCore.Qt.Key
REPLAY_SPEEDS = {_K.Key_1: 1.0, _K.Key_2: 2.0, _K.Key_4: 4.0, _K.Key_M: math.inf}  # replay keys → speed


def _counts_steps(exercise: str | None) -> bool:
    """The set is counted in steps (a band walk: the registry's `steps` trait), not reps; False while unknown."""
    entry = BY_NAME.get(exercise) if exercise is not None else None
    return entry is not None and entry.steps


class LiveWindow(QtWidgets.QMainWindow):
    """Draws `Session` snapshots and events at the display's pace (a 30 fps timer)."""

    def __init__(self, session: Session, title: str = "repscope", replay: bool = False, fps: float = 30.0,
                 sound: bool = False) -> None:
        super().__init__()
        pg.setConfigOptions(antialias=False, background=palette.WINDOW_BACKGROUND, foreground="#dddddd")
        self.session = session
        self.replay = replay
        self.exercise = session.exercise  # None until the set's first reps are recognised
        self.exercise_source = "given" if session.exercise is not None else None
        self.exercise_confidence: float | None = None
        self.band_walk = _counts_steps(session.exercise)
        self.setWindowTitle(title)
        self.reps: list[Rep] = []  # the analyzer's current list less the reps undone, in index order (`_set_reps`)
        self._reps_by_index: dict[int, Rep] = {}
        self.undone_s: list[float] = []  # middles of the reps the lifter undid (`u`), stream clock
        self._notice: tuple[str, float] = ("", -math.inf)  # (text, wall time it goes)
        self.steps = ()
        self.last_report = None
        self.ended: list[SetEnded] = []  # every set this window saw end, in order
        self.sets_done = 0
        self.rest_from_s: float | None = None  # stream time the last set's last movement ended (the rest's start)
        # sets that begin by themselves (three reps in a span between rests, `StreamingAnalyzer`): the rest lasts
        # until the next set starts, whatever the lifter does meanwhile (walking, setting up); else until a lift
        self._rest_until_set = session.exercise is None or session.auto_end_rest_s is not None
        self._after_set = False
        self.cues_shown: list[tuple[int, str]] = []  # (rep, cue) in the order the banner showed them
        self.frames = 0
        self.finished = False
        self._snap: Snapshot | None = None
        self._snap_wall = 0.0
        self.drawn_t_s = math.nan  # the stream time of the frame last drawn
        self.screenshot_t_s = math.nan  # ... of the frame a screenshot grabbed (`ui.app.run_window`)
        self._drawn_at = {"gauges": 0.0, "status": 0.0}
        self._gauge_key: tuple[int, str | None] = (0, None)  # (newest rep, live phase) the gauges last drew
        self._build()
        self.resize(1280, 800)
        self.sound = LiveSound(session.tempo) if sound else None
        self.timer = QtCore.QTimer(self)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)
        # a hair faster than `fps`: ticks can slip while the worker holds the GIL
        self.timer.start(max(1, int(1000 / fps) - 1))

    # ------------------------------------------------------------------------------------------------ layout

    def _build(self) -> None:
        central = QtWidgets.QWidget()
        self.setCentralWidget(central)
        dark = self.palette()  # the whole window dark, like the plots: bright text reads from the bench
        dark.setColor(QtGui.QPalette.ColorRole.Window, QtGui.QColor(palette.WINDOW_BACKGROUND))
        dark.setColor(QtGui.QPalette.ColorRole.WindowText, QtGui.QColor("#eeeeee"))
        self.setPalette(dark)
        outer = QtWidgets.QVBoxLayout(central)
        outer.setContentsMargins(8, 6, 8, 0)
        self.banner = Banner(self._first_banner())
        self.head = HeadView("STEPS" if self.band_walk else "REPS")
        self.legend = ShadingLegend(self.band_walk)
        self.traces = TracesView([i.placement for i in self.session.infos], TRACE_WINDOW_S)
        self.bars = BarsView(self.band_walk, self.session.tempo)
        self.gauges = GaugesView()
        self._aliases()
        self._fill_info()
        outer.addWidget(self.banner)
        outer.addWidget(self.head)
        outer.addWidget(self.legend)
        grid = QtWidgets.QHBoxLayout()
        grid.addWidget(self.traces, 3)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(self.bars, 3)
        right.addWidget(self.gauges, 2)
        grid.addLayout(right, 2)
        outer.addLayout(grid, 1)
        if self.replay:
            outer.addLayout(self._build_slider())
        self.status = QtWidgets.QStatusBar()
        self.status.setSizeGripEnabled(False)
        self.setStatusBar(self.status)
        self._show_gauges()

    def _first_banner(self) -> str:
        if self.exercise is None:
            return "Stand still for 2 s, then start — the exercise is recognised from the first reps"
        return "Start walking sideways" if self.band_walk else "Get into position — stand still for 2 s, then start"

    def _aliases(self) -> None:
        """The views' widgets by the names the rest of the window (and its tests) use."""
        h = self.head
        self.rep_label, self.rep_unit, self.phase_label = h.rep_label, h.rep_unit, h.phase_label
        (self.exercise_label, self.side_label, self.speed_label, self.loss_label, self.tut_label,
         self.tempo_label) = (h.info[k] for k in HeadView.INFO)
        self.angle_plot, self.speed_plot = self.traces.angle_plot, self.traces.speed_plot
        self.tempo_plot, self.tilt_plot, self.drop_plot = self.bars, self.gauges.tilt, self.gauges.drop

    @property
    def legend_entries(self) -> list[str]:
        return self.legend.entries

    @property
    def curves(self) -> dict:
        """Each sensor's (angle, speed) curves, by placement, once its first trace came."""
        return self.traces.curves

    def _fill_info(self) -> None:
        self.exercise_label.setText(self._exercise_line())
        placements = [i.placement for i in self.session.infos]
        self.side_label.setText(working_side_text(self.session.exercise, self.session.side, placements))
        self.speed_label.setText("last rep – m/s" if self._lift_speed_measured() else "")
        self.tut_label.setText("" if self.band_walk else "TUT 0.0 s")
        self.tempo_label.setText(self._tempo_line())
        self._show_phase_key()

    def _show_phase_key(self) -> None:
        """The key to the phase count, where there is a count against a target (a set of reps with a tempo)."""
        self.head.phase_key.setVisible(not self.band_walk and self.session.tempo is not None)

    def _tempo_line(self) -> str:
        t = self.session.tempo
        return "" if self.band_walk else (f"tempo {format_tempo(t)}" if t else "tempo not set")

    def _build_slider(self) -> QtWidgets.QHBoxLayout:
        row = QtWidgets.QHBoxLayout()
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, 1000)
        self.slider.sliderReleased.connect(self._scrubbed)
        self.pos_label = QtWidgets.QLabel("0.0 s")
        row.addWidget(self.slider, 1)
        row.addWidget(self.pos_label)
        return row

    def _show_gauges(self) -> None:
        """Tilt and drop only for a pelvis sensor on a lift they apply to (the exercise, once known)."""
        placements = list(self.traces.curves) or [i.placement for i in self.session.infos]
        self.gauges.show_only(gauges_for(self.exercise, placements))

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.apply_sizes(TextSizes.for_height(event.size().height()))

    def apply_sizes(self, sizes: TextSizes) -> None:
        """Every text size from the window's height: the layout scales with the screen."""
        self.text_sizes = sizes
        self.banner.set_px(sizes.banner, sizes.info + max(4, sizes.info // 5))
        self.head.set_sizes(sizes)
        self.legend.set_px(sizes.small)
        for g in (self.gauges.tilt, self.gauges.drop):
            g.set_px(sizes.unit)

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    # ------------------------------------------------------------------------------------------------ updates

    def tick(self) -> None:
        if self.session.finished and self.session.analyzer is None and self.session.error:
            self.close()  # the sensors never started (no Bluetooth, not found): nothing to show; the command says why
            return
        reset, events, snap = self.session.poll()
        if reset:
            self._reset()
        for e in events:
            self.on_event(e)
            if self.sound is not None:
                self.sound.on_event(e)
        now = time.monotonic()
        if snap is not None:
            self._snap, self._snap_wall = snap, now
            self.draw(snap)
            self.frames += 1
        elif self._snap is not None and self._snap.finished and self.rest_from_s is not None:
            # the stream is over (a simulated set, a replay): the rest goes on in real time
            rest = self._snap.t_s - self.rest_from_s + (now - self._snap_wall)
            set_text(self.phase_label, rest_text(rest))
        elif self._snap is not None and not self._snap.finished and self._snap.set_active and not self._snap.held:
            # Samples arrive in bursts (a BLE connection event, a 40-ms batch): between them, keep scrolling at
            # the display rate by advancing the clock with the wall time, at most one burst ahead of the data.
            speed = self.session.speed if math.isfinite(self.session.speed) else 0.0
            ahead = min(now - self._snap_wall, 0.1) * speed
            if ahead > 0:
                self.draw(self._snap, self._snap.t_s + ahead)
                self.frames += 1
        if self.sound is not None and self._snap is not None and math.isfinite(self.session.speed):
            self.sound.tick(self._snap.t_s + min(now - self._snap_wall, 0.1) * self.session.speed)

    def _reset(self) -> None:
        """A new set or a seek: the views start empty."""
        self._set_reps(())
        self.steps = ()
        self.rest_from_s = None
        self.gauges.reset()
        self.banner.show_text("Replaying…" if self.replay else "New set — get into position", "neutral")

    def on_event(self, e) -> None:
        if isinstance(e, SetStarted):
            if self.sets_done and self._after_set:  # a set begun after a rest: the list is the new set's
                self._set_reps(())
                self.steps = ()
                self.gauges.reset()  # the last set's lockout is not this set's
            self._after_set = False
            self.rest_from_s = None
            self.banner.show_text("Set started", "neutral")
        elif isinstance(e, PhaseChanged):
            if (e.phase == "concentric" and self.rest_from_s is not None and e.start_s > self.rest_from_s
                    and not self._rest_until_set and (self._snap is None or self._snap.set_active)):
                self.rest_from_s = None  # lifting again: the rest is over (the set's first rep settles later)
        elif isinstance(e, RepCompleted):
            self._upsert_rep(e.rep)
            self._show_rep(e.rep)
        elif isinstance(e, FaultDetected):
            pass  # its cue is on the banner with its rep (`_show_rep`); the sound plays it from `LiveSound`
        elif isinstance(e, RepsRevised):
            self._set_reps(e.reps)
        elif isinstance(e, StepsUpdated):
            self.steps = e.steps
            if e.steps:
                self.banner.show_text(f"Step {e.steps[-1].index}: {e.steps[-1].side}", "good")
        elif isinstance(e, SetEnded):
            self._set_ended(e)
        elif isinstance(e, ExerciseRecognised):
            self._recognised(e)

    def _exercise_line(self) -> str:
        return exercise_text(self.exercise, self.exercise_source, self.exercise_confidence, RECOGNISE_AFTER_REPS)

    def _recognised(self, e: ExerciseRecognised) -> None:
        """The set's exercise became known (or its end corrected it): the label, and the views that depend on it."""
        changed = e.exercise != self.exercise
        self.exercise, self.exercise_source, self.exercise_confidence = e.exercise, "recognised", e.confidence
        set_text(self.exercise_label, self._exercise_line())
        self._set_mode(_counts_steps(e.exercise))
        self._show_gauges()
        side = working_side_text(e.exercise, self.session.side, [i.placement for i in self.session.infos])
        set_text(self.side_label, side)
        if changed and not e.final:
            self.banner.show_text(f"Recognised: {e.exercise.replace('_', ' ')} ({100 * e.confidence:.0f} %)",
                                  "neutral")

    def _set_mode(self, band_walk: bool) -> None:
        """Reps or steps: the unit, the legend, the bar chart and the info column follow the exercise."""
        if band_walk == self.band_walk:
            return
        self.band_walk = band_walk
        self.rep_unit.setText("STEPS" if band_walk else "REPS")
        self.legend.set_mode(band_walk)
        self.bars.set_mode(band_walk)
        for w in (self.speed_label, self.loss_label, self.tut_label):
            w.setText("")
        self.tempo_label.setText(self._tempo_line())
        self._show_phase_key()

    def _show_rep(self, rep: Rep) -> None:
        """The banner for a newly announced rep: its cues (faults first, then tempo misses), or a good word."""
        self.cues_shown += [(rep.index, c) for c in rep.cues]
        if rep.cues:
            self.banner.show_text("\n".join(f"Rep {rep.index}: {c}" for c in rep.cues[:BANNER_CUES]),
                                  "fault" if rep.faults else "tempo")
        else:
            self.banner.show_text(f"Rep {rep.index}: good — lowering {rep.eccentric_s:.1f} s", "good")

    def _set_ended(self, e: SetEnded) -> None:
        report = without_undone(e.report, self.undone_s)  # as the history will show it (drop_rep edits)
        self.last_report = report
        self.ended.append(e)
        self._set_reps(e.report.reps)
        self.steps = e.report.steps
        self.sets_done += 1
        # the rest runs from the set's last movement (the set is ended once the rest is seen, some seconds later)
        bounds = set_bounds(e.report)
        self.rest_from_s = bounds[1] if bounds is not None else e.t_s
        self._after_set = True  # the next SetStarted begins a new rep list
        after = " — space for the next set" if e.reason == "user" and not self.replay else ""
        known = ""
        if e.exercise_source == "recognised" and (e.report.reps or e.report.steps):
            known = f"\n{e.report.exercise.replace('_', ' ')} (recognised {100 * e.exercise_confidence:.0f} %)"
        self.banner.show_text(set_summary(report, self.sets_done) + after + known, "done")
        if self.session.exercise is None:  # the next set is recognised afresh
            self.exercise = self.exercise_confidence = None
            self.exercise_source = None
            set_text(self.exercise_label, self._exercise_line())

    def _set_reps(self, reps) -> None:
        """Replace the rep list with the analyzer's full list (`RepsRevised`, `SetEnded`, a new set)."""
        self._reps_by_index = {r.index: r for r in reps}
        self._shown_reps()

    def _upsert_rep(self, rep: Rep) -> None:
        """One rep by its index: announcing a rep the list already holds (`RepsRevised` came first) is a no-op."""
        self._reps_by_index[rep.index] = rep
        self._shown_reps()

    def _shown_reps(self) -> None:
        """The reps drawn and counted: the analyzer's, less those undone (matched by time: a revision that moves
        a rep's ends keeps it undone)."""
        kept = [r for r in self._reps_by_index.values() if not is_undone(r, self.undone_s)]
        self.reps = sorted(kept, key=lambda r: r.index)

    def undo_last_rep(self) -> None:
        """`u`: the newest counted rep is no rep: the count drops at once, the session keeps it as a `drop_rep`
        (the history drops it as an edit; the analysis is untouched). Again: the one before."""
        if self.band_walk or not self.reps:
            self._say("nothing to undo" + (" (steps are not undone)" if self.band_walk else ""))
            return
        rep = self.reps[-1]
        middle = 0.5 * (rep.start_s + rep.end_s)
        self.undone_s.append(middle)
        self.session.undo_rep(middle)
        if self.sound is not None:
            self.sound.undo()
        self._shown_reps()
        set_text(self.rep_label, str(len(self.reps)))
        self._say(f"rep {rep.index} undone (u again: the one before)")

    def _say(self, text: str) -> None:
        """A key's answer at the head of the status bar for `NOTICE_S`."""
        self._notice = (text, time.monotonic() + NOTICE_S)
        self._drawn_at["status"] = 0.0
        if self._snap is not None:
            self._draw_status(self._snap)
        else:
            self.status.showMessage(text)

    def draw(self, snap: Snapshot, t_now: float | None = None) -> None:
        t1 = snap.t_s if t_now is None else t_now
        t1 = t1 if math.isfinite(t1) else 0.0
        self.drawn_t_s = t1
        every = snap.finished or snap.held  # the last frame, or one to be grabbed: every view as of now
        if any(p not in self.traces.curves for p in snap.traces):  # a BLE sensor's first trace
            self.traces.draw(snap.traces, t1)
            self._show_gauges()
        else:
            self.traces.draw(snap.traces, t1)
        self._draw_phases(snap, t1 - TRACE_WINDOW_S, t1)
        self._draw_head(snap, t1)
        self.bars.draw(self.reps, self.steps)
        # gauges at 10 Hz and the status bar at 2 Hz: enough for the eye, and each repaint costs a frame's CPU;
        # a new rep or phase redraws the gauges at once (their caption names the rep, never one behind the count)
        key = (self.reps[-1].index if self.reps else 0, self._gauge_phase(snap))
        if self._due("gauges", 0.1, every or key != self._gauge_key) and self.gauges.isVisibleTo(self):
            self._gauge_key = key
            self._draw_pelvis(snap)
        if self._due("status", 0.5, every):
            self._draw_status(snap)
        if snap.finished and not self.finished:
            self.finished = True
            if snap.message and snap.message != "end of stream":
                self.banner.show_text(snap.message, "fault")

    def _due(self, what: str, every_s: float, force: bool) -> bool:
        wall = time.monotonic()
        if force or wall - self._drawn_at[what] >= every_s:
            self._drawn_at[what] = wall
            return True
        return False

    def _draw_head(self, snap: Snapshot, t1: float) -> None:
        """Rep (step) number, the phase line or rest timer, speed and TUT: text set only when it changes."""
        reps = self.reps
        set_text(self.rep_label, str(len(self.steps) if self.band_walk else len(reps)))
        if self.band_walk:
            set_text(self.phase_label, step_counter(self.steps) if self.steps else "walk sideways")
            cadence = step_summary(self.steps).cadence_steps_per_min
            set_text(self.speed_label, "" if cadence is None else f"cadence {cadence:.0f} steps/min")
            self.head.phase_colour(None)
            return
        set_text(self.tut_label, f"TUT {sum(r.time_under_tension_s for r in reps):.1f} s")
        speed, loss = speed_text(reps) if self._lift_speed_measured() else ("", "")
        set_text(self.speed_label, speed)
        set_text(self.loss_label, loss)
        if self.rest_from_s is not None and (self._rest_until_set or not snap.set_active or snap.live_phase is None
                                             or snap.live_phase[1] <= self.rest_from_s):
            set_text(self.phase_label, rest_text(t1 - self.rest_from_s))
            self.head.phase_colour(None)
        elif snap.live_phase is not None and snap.set_active:
            name, start = snap.live_phase
            line = phase_readout(name, t1 - start, self.session.tempo)
            set_text(self.phase_label, line.text)
            self.head.phase_colour(name, line.colour)
        else:
            set_text(self.phase_label, "" if snap.set_active else "set ended")
            self.head.phase_colour(None)

    def _lift_speed_measured(self) -> bool:
        """The lift's speed is the pelvis's rise: measured on the hip-extension lifts (or not known yet)."""
        return self.exercise is None or BY_NAME[self.exercise].hip_extension

    def _draw_phases(self, snap: Snapshot, t0: float, t1: float) -> None:
        spans = []
        if self.band_walk:  # no phases on a walk: each step shaded over its duration in its side's colour
            for st in self.steps:
                a, b = st.t_s - st.duration_s / 2, st.t_s + st.duration_s / 2
                if b >= t0 and a <= t1:
                    spans.append((st.side, max(a, t0), min(b, t1)))
            self.traces.shade(spans, t1)
            return
        for r in self.reps:
            for p in r.phases:
                if p.end_s >= t0 and p.start_s <= t1:
                    spans.append((p.name, max(p.start_s, t0), min(p.end_s, t1)))
        # after the newest settled rep: the live tracker's provisional phases
        settled_to = max((r.phases[-1].end_s for r in self.reps), default=-math.inf)
        resting = self._rest_until_set and self.rest_from_s is not None  # moves between sets are no phases
        if snap.set_active and not resting:
            live = list(snap.live_phases)
            for k, (name, start) in enumerate(live):
                end = live[k + 1][1] if k + 1 < len(live) else t1
                a, b = max(start, settled_to, t0), min(end, t1)
                if a < b:
                    spans.append((name, a, b))
        self.traces.shade(spans, t1)
        self.traces.label_reps(self.reps, t0, t1)

    @staticmethod
    def _gauge_phase(snap: Snapshot) -> str | None:
        return snap.live_phase[0] if snap.set_active and snap.live_phase is not None else None

    def _draw_pelvis(self, snap: Snapshot) -> None:
        """Tilt and drop at lockout: live while the lifter holds the top, else held from the last lockout."""
        self.gauges.draw(self._gauge_phase(snap), snap.pelvis, self.reps[-1] if self.reps else None)

    def _draw_status(self, snap: Snapshot) -> None:
        notice, until = self._notice
        parts = [notice] if notice and time.monotonic() < until else []
        for st in snap.status:
            rate = "–" if not math.isfinite(st.rate_hz) else f"{st.rate_hz:.0f} Hz"
            batt = "" if st.battery_pct is None else f", battery {st.battery_pct} %"
            extra = f", {st.malformed} bad packets" if st.malformed else ""
            where = self.session.placement_of.get(st.sensor_id, st.sensor_id)
            parts.append(f"{where}: {st.state} {rate}, dropped {st.dropped}{extra}{batt}")
        # the file's name (the whole path is printed when the session ends)
        parts.append(f"recording → {snap.recording.name}" if snap.recording else "not recording (r starts)")
        if self.sound is not None:
            parts.append(self.sound.status)
        if self.replay and math.isfinite(snap.duration_s):
            parts.append(f"speed {self.session.speed:g}×" if math.isfinite(self.session.speed) else "speed max")
            self.pos_label.setText(f"{snap.position_s:.1f} / {snap.duration_s:.1f} s")
            if not self.slider.isSliderDown() and snap.duration_s > 0:
                src = self.session.source
                frac = (snap.position_s - src.t_start_s) / max(1e-9, src.t_end_s - src.t_start_s)
                self.slider.setValue(int(1000 * np.clip(frac, 0, 1)))
        self.status.showMessage("   ·   ".join(parts))

    # ------------------------------------------------------------------------------------------------ input

    def _scrubbed(self) -> None:
        src = self.session.source
        self.session.seek(src.t_start_s + self.slider.value() / 1000 * (src.t_end_s - src.t_start_s))

    def jump_rep(self, direction: int) -> None:
        """Replay: move to the start of the next/previous rep of the final analysis (1 s of lead-in)."""
        starts = [r.start_s for r in getattr(self, "rep_starts", [])]
        if not starts or self._snap is None:
            return
        now = self._snap.t_s
        if direction > 0:
            nxt = [s for s in starts if s - 1.0 > now + 0.1]
            target = nxt[0] if nxt else None
        else:
            prev = [s for s in starts if s - 1.0 < now - 1.5]
            target = prev[-1] if prev else starts[0]
        if target is not None:
            self.session.seek(target - 1.0)

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        key = event.key()
        if key == QtCore.Qt.Key.Key_Q:
            self.close()
        elif key == QtCore.Qt.Key.Key_Space:
            self.session.end_or_start_set()
        elif key == QtCore.Qt.Key.Key_R:
            self.session.toggle_recording()
        elif key == QtCore.Qt.Key.Key_U:
            self.undo_last_rep()
        elif key == QtCore.Qt.Key.Key_F:
            self.toggle_full_screen()
        elif self.replay and key == QtCore.Qt.Key.Key_Right:
            self.jump_rep(+1)
        elif self.replay and key == QtCore.Qt.Key.Key_Left:
            self.jump_rep(-1)
        elif self.replay and key in REPLAY_SPEEDS:
            self.session.set_speed(REPLAY_SPEEDS[key])
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.timer.stop()
        self.session.stop()
        super().closeEvent(event)
