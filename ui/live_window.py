"""The live window (pyqtgraph on PySide6): what the lifter sees during a set, read from the bench 2 m away, and
the replay view.

Layout: the cue banner on top (the newest rep's cues in plain words; between sets the last set's summary); a
head row with the big rep (or step) number, the current phase with its count against the tempo target
(`LOWER 2 · 3 · ✓`, or the rest timer between sets; the per-side step counter on a band walk), and the working
leg, the last rep's speed, time under tension and the tempo; the movement angle and angular speed of each sensor
over the last 10 s with the phases shaded (legend above, colours from `ui.palette`, the report's too); per-rep
tempo bars against the target band (per-step bars by side on a band walk); pelvis tilt and drop gauges showing
the value at lockout and holding it; a status bar (connection, rate, dropped packets, recording). Keys: space
ends/starts a set, r toggles recording, q quits; in a replay ←/→ jump to the previous/next rep, the slider
scrubs, 1/2/4/m set the speed.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from analysis.faults import LUMBAR_ARCH_DEG, PELVIC_DROP_DEG
from analysis.results import PHASE_NAMES, Rep
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
from analysis.tempo import format_tempo, tolerance_s
from ui import palette
from ui.audio import LiveSound
from ui.live_readout import (
    LockoutHold,
    exercise_text,
    phase_readout,
    rest_text,
    set_summary,
    speed_text,
    step_counter,
    working_side_text,
)
from ui.session import Session, Snapshot
from ui.tables import step_summary

TEMPO_BAR_REPS = 8
STEP_BARS = 16
TRACE_WINDOW_S = 10.0
SHADE_ALPHA = 0.4  # phase shading opacity, pre-blended; the legend chips are the same colour
BANNER_CUES = 2  # cues of one rep shown at once on the banner
_K = QtCore.Qt.Key
REPLAY_SPEEDS = {_K.Key_1: 1.0, _K.Key_2: 2.0, _K.Key_4: 4.0, _K.Key_M: math.inf}  # replay keys → speed


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
        self.band_walk = session.exercise == "lateral_band_walk"
        self.setWindowTitle(title)
        self.resize(1280, 800)
        self.reps: list[Rep] = []  # the analyzer's current list, in index order (see `_set_reps`)
        self._reps_by_index: dict[int, Rep] = {}
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
        shades = {**palette.PHASE_COLOURS, **palette.SIDE_COLOURS}  # phases; band-walk steps by side
        self._phase_brushes = {k: pg.mkBrush(palette.blend(v, SHADE_ALPHA)) for k, v in shades.items()}
        self._no_pen = pg.mkPen(None)
        self._labels: list[pg.TextItem] = []
        self._holds = {"tilt": LockoutHold(), "drop": LockoutHold()}
        self._build()
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
        first = "Start walking sideways" if self.band_walk else "Get into position — stand still for 2 s, then start"
        if self.exercise is None:
            first = "Stand still for 2 s, then start — the exercise is recognised from the first reps"
        self.banner = QtWidgets.QLabel(first)
        self.banner.setWordWrap(True)
        self.banner.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.banner.setMinimumHeight(70)
        self._banner_style("neutral")
        outer.addWidget(self.banner)
        outer.addLayout(self._build_head())
        outer.addWidget(self._build_legend())

        grid = QtWidgets.QHBoxLayout()
        left = QtWidgets.QVBoxLayout()
        self.angle_plot = pg.PlotWidget()
        self.angle_plot.setLabel("left", "movement angle", units="°")
        self.angle_plot.addLegend(offset=(5, 5))
        self.speed_plot = pg.PlotWidget()
        self.speed_plot.setLabel("left", "angular speed", units="°/s")
        self.speed_plot.setLabel("bottom", "seconds ago")
        self.speed_plot.setXLink(self.angle_plot)
        self.curves = {}
        for info in self.session.infos:  # a BLE session lists its sensors once connected: see `_curve`
            self._curve(info.placement)
        for plot in (self.angle_plot, self.speed_plot):
            # a 10-s window at 200 Hz is 2,000 points per curve for ~700 px: peak-preserving downsampling
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.enableAutoRange(axis="y", enable=False)
        self._shading = pg.BarGraphItem(x0=[0], x1=[0], y0=[0], y1=[0], brush=(0, 0, 0))
        self._shading.setZValue(-10)
        self.angle_plot.getViewBox().addItem(self._shading, ignoreBounds=True)
        self.angle_plot.hideAxis("bottom")
        self.angle_plot.setXRange(-TRACE_WINDOW_S, 0, padding=0)
        self.angle_plot.enableAutoRange(axis="x", enable=False)
        self.speed_plot.enableAutoRange(axis="x", enable=False)
        self._yranges = {}
        left.addWidget(self.angle_plot, 3)
        left.addWidget(self.speed_plot, 2)
        grid.addLayout(left, 3)

        right = QtWidgets.QVBoxLayout()
        self.tempo_plot = pg.PlotWidget(title=self._bars_title())
        self.tempo_plot.setMouseEnabled(False, False)
        self.tempo_plot.setLabel("left", "s")
        self.tempo_plot.getAxis("left").enableAutoSIPrefix(False)  # seconds stay seconds (no "×0.001")
        right.addWidget(self.tempo_plot, 3)
        gauges = QtWidgets.QHBoxLayout()
        self.tilt_plot = self._gauge("tilt: + tuck, − arch", (-20, 20), (LUMBAR_ARCH_DEG, 20))
        self.drop_plot = self._gauge("drop: + left hip lower", (-15, 15), (-PELVIC_DROP_DEG, PELVIC_DROP_DEG))
        gauges.addWidget(self.tilt_plot)
        gauges.addWidget(self.drop_plot)
        self.gauges = QtWidgets.QWidget()
        self.gauges.setLayout(gauges)
        gauges.setContentsMargins(0, 0, 0, 0)
        self.gauges.setVisible(not self.band_walk)  # a band walk has no lockout
        right.addWidget(self.gauges, 2)
        grid.addLayout(right, 2)
        outer.addLayout(grid, 1)

        if self.replay:
            row = QtWidgets.QHBoxLayout()
            self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
            self.slider.setRange(0, 1000)
            self.slider.sliderReleased.connect(self._scrubbed)
            self.pos_label = QtWidgets.QLabel("0.0 s")
            row.addWidget(self.slider, 1)
            row.addWidget(self.pos_label)
            outer.addLayout(row)
        self.status = QtWidgets.QStatusBar()
        self.status.setSizeGripEnabled(False)
        self.setStatusBar(self.status)

    def _build_head(self) -> QtWidgets.QHBoxLayout:
        """The big read-outs: rep number, phase with its count (or the rest timer), and the side column."""
        head = QtWidgets.QHBoxLayout()
        count = QtWidgets.QVBoxLayout()
        self.rep_label = _big_label("0", 96)
        self.rep_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.rep_unit = _big_label("STEPS" if self.band_walk else "REPS", 18)
        self.rep_unit.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        count.addWidget(self.rep_label)
        count.addWidget(self.rep_unit)
        head.addLayout(count, 2)
        self.phase_label = _big_label("", 60)
        self.phase_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.phase_label.setStyleSheet("border-radius: 8px;")
        head.addWidget(self.phase_label, 6)
        info = QtWidgets.QVBoxLayout()
        self.exercise_label = _big_label(self._exercise_line(), 20)
        info.addWidget(self.exercise_label)
        side = working_side_text(self.session.exercise, self.session.side, [i.placement for i in self.session.infos])
        self.side_label = _big_label(side, 20)
        self.speed_label = _big_label("" if self.band_walk else "last rep – m/s", 20)
        self.loss_label = _big_label("", 20)
        self.tut_label = _big_label("" if self.band_walk else "TUT 0.0 s", 20)
        t = self.session.tempo
        tempo = "" if self.band_walk else (f"tempo {format_tempo(t)}" if t else "tempo not set")
        self.tempo_label = _big_label(tempo, 20)
        for w in (self.side_label, self.speed_label, self.loss_label, self.tut_label, self.tempo_label):
            info.addWidget(w)
        head.addLayout(info, 3)
        return head

    def _build_legend(self) -> QtWidgets.QLabel:
        """What the trace shading means, in the shading's own colours."""
        self.legend = QtWidgets.QLabel(self._legend_html())
        f = self.legend.font()
        f.setPointSize(13)
        self.legend.setFont(f)
        return self.legend

    def _legend_html(self) -> str:
        if self.band_walk:
            chips = [(palette.blend(palette.SIDE_COLOURS[s], SHADE_ALPHA), f"step {s}") for s in ("left", "right")]
        else:
            chips = [(palette.blend(palette.PHASE_COLOURS[n], SHADE_ALPHA), palette.PHASE_WORDS[n].lower())
                     for n in PHASE_NAMES]
        html = "  ".join(
            f"<span style='background:{_hex(c)}; color:{_hex(c)}'>{'&nbsp;' * 4}</span>&nbsp;{name}&nbsp;&nbsp;"
            for c, name in chips
        )
        what = "steps by direction" if self.band_walk else "shading = phase"
        self.legend_entries = [name for _, name in chips]
        return f"<span style='color:#bbbbbb'>{what}:&nbsp;&nbsp;</span>{html}"

    def _bars_title(self) -> str:
        return ("steps: duration per step (s), blue = left, orange = right" if self.band_walk
                else "tempo per rep: lift · top · lower · bottom (s), grey = target")

    def _curve(self, placement: str):
        """The (angle, speed) curves of one sensor, added on its first trace."""
        if placement not in self.curves:
            colour = palette.rgb(palette.SENSOR_COLOURS.get(placement, "#c8c8c8"))
            pen = pg.mkPen(colour, width=1)  # wide lines cost 3× to rasterise
            self.curves[placement] = (
                self.angle_plot.plot([], [], pen=pen, name=placement.replace("_", " ")),
                self.speed_plot.plot([], [], pen=pen),
            )
        return self.curves[placement]

    def _gauge(self, title: str, yrange: tuple[float, float], ok: tuple[float, float]) -> pg.PlotWidget:
        plot = pg.PlotWidget(title=title)
        plot.setLabel("left", "°")
        plot.setMouseEnabled(False, False)
        plot.hideAxis("bottom")
        plot.setYRange(*yrange, padding=0)
        plot.setXRange(-1, 1, padding=0)
        plot.enableAutoRange(enable=False)
        zone = pg.LinearRegionItem(values=ok, orientation="horizontal", movable=False,
                                   brush=(*palette.rgb(palette.OK), 45), pen=pg.mkPen(None))
        plot.addItem(zone)
        bar = pg.BarGraphItem(x=[0], height=[0], width=0.8, brush=palette.rgb(palette.OK))
        plot.addItem(bar)
        value = pg.TextItem("", anchor=(0.5, 1.0), color=(255, 255, 255))
        value.setFont(QtGui.QFont("", 16, QtGui.QFont.Weight.Bold))
        plot.addItem(value, ignoreBounds=True)
        plot.gauge = (bar, value, title, ok)  # type: ignore[attr-defined]
        return plot

    def _banner_style(self, kind: str) -> None:
        self.banner.setStyleSheet(
            f"QLabel {{ background: {palette.BANNER[kind]}; color: white; font-size: 28px; font-weight: bold;"
            " padding: 8px; border-radius: 6px; }"
        )

    # ------------------------------------------------------------------------------------------------ updates

    def tick(self) -> None:
        if self.session.finished and self.session.analyzer is None and self.session.error:
            self.close()  # the sensors never started (no Bluetooth, not found): nothing to show; the command says why
            return
        reset, events, snap = self.session.poll()
        if reset:
            self._set_reps(())
            self.steps = ()
            self.rest_from_s = None
            self._holds = {"tilt": LockoutHold(), "drop": LockoutHold()}
            self.banner.setText("Replaying…" if self.replay else "New set — get into position")
            self._banner_style("neutral")
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
            _set_text(self.phase_label, rest_text(rest))
        elif self._snap is not None and not self._snap.finished and self._snap.set_active:
            # Samples arrive in bursts (a BLE connection event, a 40-ms batch): between them, keep scrolling at
            # the display rate by advancing the clock with the wall time, at most one burst ahead of the data.
            speed = self.session.speed if math.isfinite(self.session.speed) else 0.0
            ahead = min(now - self._snap_wall, 0.1) * speed
            if ahead > 0:
                self.draw(self._snap, self._snap.t_s + ahead)
                self.frames += 1
        if self.sound is not None and self._snap is not None and math.isfinite(self.session.speed):
            self.sound.tick(self._snap.t_s + min(now - self._snap_wall, 0.1) * self.session.speed)

    def on_event(self, e) -> None:
        if isinstance(e, SetStarted):
            if self.sets_done and self._after_set:  # a set begun after a rest: the list is the new set's
                self._set_reps(())
                self.steps = ()
            self._after_set = False
            self.rest_from_s = None
            self.banner.setText("Set started")
            self._banner_style("neutral")
        elif isinstance(e, PhaseChanged):
            if (e.phase == "concentric" and self.rest_from_s is not None and e.start_s > self.rest_from_s
                    and not self._rest_until_set and (self._snap is None or self._snap.set_active)):
                self.rest_from_s = None  # lifting again: the rest is over (the set's first rep settles later)
        elif isinstance(e, RepCompleted):
            self._upsert_rep(e.rep)
            self._show_rep(e.rep)
        elif isinstance(e, FaultDetected):
            pass  # its cue is on the banner with its rep (`_show_rep`); the tone plays from `TempoCuer`
        elif isinstance(e, RepsRevised):
            self._set_reps(e.reps)
        elif isinstance(e, StepsUpdated):
            self.steps = e.steps
            if e.steps:
                last = e.steps[-1]
                self.banner.setText(f"Step {last.index}: {last.side}")
                self._banner_style("good")
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
        _set_text(self.exercise_label, self._exercise_line())
        self._set_mode(e.exercise == "lateral_band_walk")
        side = working_side_text(e.exercise, self.session.side, [i.placement for i in self.session.infos])
        _set_text(self.side_label, side)
        if changed and not e.final:
            self.banner.setText(f"Recognised: {e.exercise.replace('_', ' ')} ({100 * e.confidence:.0f} %)")
            self._banner_style("neutral")

    def _set_mode(self, band_walk: bool) -> None:
        """Reps or steps: the unit, the legend, the bar chart's title and the posture gauges follow the exercise."""
        if band_walk == self.band_walk:
            return
        self.band_walk = band_walk
        self.rep_unit.setText("STEPS" if band_walk else "REPS")
        self.legend.setText(self._legend_html())
        self.tempo_plot.setTitle(self._bars_title())
        self.gauges.setVisible(not band_walk)
        self._tempo_drawn = self._steps_drawn = None
        self.tempo_plot.clear()
        for w in (self.speed_label, self.loss_label, self.tut_label):
            w.setText("")
        t = self.session.tempo
        self.tempo_label.setText("" if band_walk else (f"tempo {format_tempo(t)}" if t else "tempo not set"))

    def _show_rep(self, rep: Rep) -> None:
        """The banner for a newly announced rep: its cues (faults first, then tempo misses), or a good word."""
        self.cues_shown += [(rep.index, c) for c in rep.cues]
        if rep.cues:
            self.banner.setText("\n".join(f"Rep {rep.index}: {c}" for c in rep.cues[:BANNER_CUES]))
            self._banner_style("fault" if rep.faults else "tempo")
        else:
            self.banner.setText(f"Rep {rep.index}: good — lowering {rep.eccentric_s:.1f} s")
            self._banner_style("good")

    def _set_ended(self, e: SetEnded) -> None:
        self.last_report = e.report
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
        self.banner.setText(set_summary(e.report, self.sets_done) + after + known)
        if self.session.exercise is None:  # the next set is recognised afresh
            self.exercise = self.exercise_confidence = None
            self.exercise_source = None
            _set_text(self.exercise_label, self._exercise_line())
        self._banner_style("done")

    def _set_reps(self, reps) -> None:
        """Replace the rep list with the analyzer's full list (`RepsRevised`, `SetEnded`, a new set)."""
        self._reps_by_index = {r.index: r for r in reps}
        self.reps = sorted(self._reps_by_index.values(), key=lambda r: r.index)

    def _upsert_rep(self, rep: Rep) -> None:
        """One rep by its index: announcing a rep the list already holds (`RepsRevised` came first) is a no-op."""
        self._reps_by_index[rep.index] = rep
        self.reps = sorted(self._reps_by_index.values(), key=lambda r: r.index)

    def draw(self, snap: Snapshot, t_now: float | None = None) -> None:
        t1 = snap.t_s if t_now is None else t_now
        t1 = t1 if math.isfinite(t1) else 0.0
        t0 = t1 - TRACE_WINDOW_S
        for placement, tr in snap.traces.items():
            if len(tr.t_s) == 0:
                continue
            ac, sc = self._curve(placement)
            # time relative to now: the x range (and so the axis) never changes while the traces scroll, which
            # spares pyqtgraph re-laying out its ticks every frame (the largest cost of a scrolling plot)
            ac.setData(tr.t_s - t1, tr.angle_deg)
            sc.setData(tr.t_s - t1, tr.speed_dps)
        self._fit_y(self.angle_plot, [tr.angle_deg for tr in snap.traces.values()], 10.0)
        self._fit_y(self.speed_plot, [tr.speed_dps for tr in snap.traces.values()], 20.0)
        self._draw_phases(snap, t0, t1)
        self._draw_head(snap, t1)
        if self.band_walk:
            self._draw_steps(self.steps)
        else:
            self._draw_tempo(self.reps)
        # gauges at 10 Hz and the status bar at 2 Hz: enough for the eye, and each repaint costs a frame's CPU
        wall = time.monotonic()
        if not self.band_walk and (wall - getattr(self, "_gauges_at", 0.0) >= 0.1 or snap.finished):
            self._gauges_at = wall
            self._draw_pelvis(snap)
        if wall - getattr(self, "_status_at", 0.0) >= 0.5 or snap.finished:
            self._status_at = wall
            self._draw_status(snap)
        if snap.finished and not self.finished:
            self.finished = True
            if snap.message and snap.message != "end of stream":
                self.banner.setText(snap.message)
                self._banner_style("fault")

    def _draw_head(self, snap: Snapshot, t1: float) -> None:
        """Rep (step) number, the phase line or rest timer, speed and TUT: text set only when it changes."""
        reps = self.reps
        _set_text(self.rep_label, str(len(self.steps) if self.band_walk else len(reps)))
        if self.band_walk:
            _set_text(self.phase_label, step_counter(self.steps) if self.steps else "walk sideways")
            cadence = step_summary(self.steps).cadence_steps_per_min
            _set_text(self.speed_label, "" if cadence is None else f"cadence {cadence:.0f} steps/min")
            self._phase_colour(None)
            return
        _set_text(self.tut_label, f"TUT {sum(r.time_under_tension_s for r in reps):.1f} s")
        speed, loss = speed_text(reps)
        _set_text(self.speed_label, speed)
        _set_text(self.loss_label, loss)
        if self.rest_from_s is not None and (self._rest_until_set or not snap.set_active or snap.live_phase is None
                                             or snap.live_phase[1] <= self.rest_from_s):
            _set_text(self.phase_label, rest_text(t1 - self.rest_from_s))
            self._phase_colour(None)
        elif snap.live_phase is not None and snap.set_active:
            name, start = snap.live_phase
            line = phase_readout(name, t1 - start, self.session.tempo)
            _set_text(self.phase_label, line.text)
            self._phase_colour(name, line.colour)
        else:
            _set_text(self.phase_label, "" if snap.set_active else "set ended")
            self._phase_colour(None)

    def _phase_colour(self, phase: str | None, mark: str | None = None) -> None:
        """The phase line on its phase's colour (the shading's), the text in the mark's colour."""
        key = (phase, mark)
        if getattr(self, "_phase_key", None) == key:
            return
        self._phase_key = key
        bg = "transparent" if phase is None else _hex(palette.blend(palette.PHASE_COLOURS[phase], 0.55))
        border = mark or bg
        self.phase_label.setStyleSheet(
            f"QLabel {{ background: {bg}; color: white; border: 5px solid {border}; border-radius: 8px; }}")

    def _fit_y(self, plot: pg.PlotWidget, series: list, min_span: float) -> None:
        """Keep the y range steady: grow at once to fit the data, shrink only when it is far too large (a range
        that changes every frame makes the axis re-layout and repaint every frame)."""
        vals = [v for v in series if len(v)]
        if not vals:
            return
        lo = min(float(np.min(v)) for v in vals)
        hi = max(float(np.max(v)) for v in vals)
        span = max(hi - lo, min_span)
        cur = self._yranges.get(id(plot))
        if cur is not None and cur[0] <= lo and cur[1] >= hi and (cur[1] - cur[0]) < 3 * span:
            return
        pad = 0.15 * span
        new = (lo - pad, hi + pad)
        self._yranges[id(plot)] = new
        plot.setYRange(*new, padding=0)

    def _draw_phases(self, snap: Snapshot, t0: float, t1: float) -> None:
        spans = []
        if self.band_walk:  # no phases on a walk: each step shaded over its duration in its side's colour
            for st in self.steps:
                a, b = st.t_s - st.duration_s / 2, st.t_s + st.duration_s / 2
                if b >= t0 and a <= t1:
                    spans.append((st.side, max(a, t0), min(b, t1)))
            self._shade(spans, t1)
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
        self._shade(spans, t1)
        self._label_reps(t0, t1)

    def _shade(self, spans: list[tuple[str, float, float]], t1: float) -> None:
        """(phase or side, start, end) spans as the trace's background."""
        # one bar item for all the shading (LinearRegionItems, one per phase, cost a fifth of a core to repaint)
        lo, hi = self._yranges.get(id(self.angle_plot), (-1e3, 1e3))
        if spans:
            self._shading.setOpts(
                x0=[a - t1 for _, a, _ in spans], x1=[b - t1 for _, _, b in spans], y0=[lo] * len(spans),
                y1=[hi] * len(spans), brushes=[self._phase_brushes[name] for name, _, _ in spans],
                pens=[self._no_pen] * len(spans),
            )
            self._shading.show()
        else:
            self._shading.hide()

    def _label_reps(self, t0: float, t1: float) -> None:
        """`#n` over each rep's lowering end in view."""
        ends = [(r.index, r.phase("eccentric").end_s) for r in self.reps if t0 <= r.phase("eccentric").end_s <= t1]
        while len(self._labels) < len(ends):
            label = pg.TextItem(anchor=(0.5, 0), color=(255, 255, 255))
            self.angle_plot.getViewBox().addItem(label, ignoreBounds=True)  # placed at the top: must not grow the range
            self._labels.append(label)
        vb = self.angle_plot.getViewBox().viewRange()[1]
        for label, (idx, t) in zip(self._labels, ends):
            if getattr(label, "rep", None) != idx:
                label.rep = idx
                label.setText(f"#{idx}")
            label.setPos(t - t1, vb[1])
            label.show()
        for label in self._labels[len(ends):]:
            label.hide()

    def _draw_tempo(self, reps: list[Rep]) -> None:
        key = tuple(reps[-TEMPO_BAR_REPS:])
        if key == getattr(self, "_tempo_drawn", None):
            return  # unchanged: no repaint
        self._tempo_drawn = key
        plot = self.tempo_plot
        plot.clear()
        shown = reps[-TEMPO_BAR_REPS:]
        if not shown:
            return
        target = self.session.tempo
        xs, hs, brushes, bx, by0, bh = [], [], [], [], [], []
        ticks = []
        for k, rep in enumerate(shown):
            checks = {c.name: c for c in rep.tempo_checks} if rep.tempo_checks else {}
            for j, name in enumerate(PHASE_NAMES):
                d = getattr(rep, f"{name}_s")
                if d is None:
                    continue
                x = k * 5 + j
                xs.append(x)
                hs.append(d)
                c = checks.get(name)
                bad = (c is not None and not c.ok) or any(_fault_phase(f) == name for f in rep.faults)
                brushes.append(palette.rgb(palette.BAD if bad else palette.OK))
                goal = getattr(target, f"{name}_s", None) if target is not None else None
                if goal is not None:
                    tol = tolerance_s(goal, target.tol_s, target.tol_frac)
                    bx.append(x)
                    by0.append(max(0.0, goal - tol))
                    bh.append(goal + tol - max(0.0, goal - tol))
            ticks.append((k * 5 + 1.5, f"#{rep.index}"))
        if bx:
            band = (*palette.rgb(palette.TARGET_BAND), 60)
            plot.addItem(pg.BarGraphItem(x=bx, y0=by0, height=bh, width=0.95, brush=band, pen=pg.mkPen(None)))
        plot.addItem(pg.BarGraphItem(x=xs, height=hs, width=0.6, brushes=brushes, pen=pg.mkPen(None)))
        plot.getAxis("bottom").setTicks([ticks])
        plot.setXRange(-1, len(shown) * 5 - 1, padding=0)

    def _draw_steps(self, steps) -> None:
        """Band walk: the newest steps' durations, coloured by the side they travel to."""
        key = tuple(steps[-STEP_BARS:])
        if key == getattr(self, "_steps_drawn", None):
            return
        self._steps_drawn = key
        plot = self.tempo_plot
        plot.clear()
        if not key:
            return
        xs = list(range(len(key)))
        brushes = [palette.rgb(palette.SIDE_COLOURS.get(s.side, palette.NEUTRAL)) for s in key]
        plot.addItem(pg.BarGraphItem(x=xs, height=[s.duration_s for s in key], width=0.7, brushes=brushes,
                                     pen=pg.mkPen(None)))
        plot.getAxis("bottom").setTicks([[(x, f"{s.index}") for x, s in zip(xs, key)]])
        plot.setXRange(-1, max(len(key), 8), padding=0)

    def _draw_pelvis(self, snap: Snapshot) -> None:
        """Tilt and drop at lockout: live while the lifter holds the top, else held from the last lockout."""
        now = snap.pelvis
        latest = self.reps[-1] if self.reps else None
        phase = snap.live_phase[0] if snap.set_active and snap.live_phase is not None else None
        drop_rep = None
        if latest is not None and latest.pelvic_drop_deg is not None:
            drop_rep = latest.pelvic_drop_deg * (1 if latest.pelvic_drop_side == "left" else -1)
        index = 0 if latest is None else latest.index
        for key, plot, live, rep_val in (
            ("tilt", self.tilt_plot, None if now is None else now.tilt_sagittal_deg,
             None if latest is None else latest.tilt_sagittal_deg),
            ("drop", self.drop_plot, None if now is None else now.pelvic_drop_deg, drop_rep),
        ):
            hold = self._holds[key]
            value = hold.update(phase, live, index, rep_val)
            bar, text, title, ok = plot.gauge
            if value is None:
                why = "needs a pelvis sensor" if "pelvis" not in self.curves else "at the first lockout"
                shown = ("empty", why)
                if getattr(plot, "shown", None) != shown:
                    plot.shown = shown
                    bar.setOpts(height=[0])
                    text.setText("")
                    plot.setTitle(f"{title}<br>{why}")
                continue
            shown = (round(value, 1), hold.source)
            if getattr(plot, "shown", None) == shown:
                continue
            plot.shown = shown
            good = ok[0] <= value <= ok[1]
            bar.setOpts(height=[value], brush=palette.rgb(palette.OK if good else palette.BAD))
            text.setText(f"{value:+.1f}°")
            lo, hi = plot.getViewBox().viewRange()[1]
            text.setPos(0, min(max(value, lo) + 0.15 * (hi - lo), hi))
            plot.setTitle(f"{title}<br>{hold.label()}")

    def _draw_status(self, snap: Snapshot) -> None:
        parts = []
        for st in snap.status:
            rate = "–" if not math.isfinite(st.rate_hz) else f"{st.rate_hz:.0f} Hz"
            batt = "" if st.battery_pct is None else f", battery {st.battery_pct} %"
            extra = f", {st.malformed} bad packets" if st.malformed else ""
            where = self.session.placement_of.get(st.sensor_id, st.sensor_id)
            parts.append(f"{where}: {st.state} {rate}, dropped {st.dropped}{extra}{batt}")
        parts.append(f"recording → {snap.recording}" if snap.recording else "not recording (r)")
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


def _big_label(text: str, px: int) -> QtWidgets.QLabel:
    """A bold label readable from the bench. Text that changes every frame must not change its size hint (that
    re-lays out and repaints the whole window, plots included), hence the ignored horizontal size policy."""
    w = QtWidgets.QLabel(text)
    f = w.font()
    f.setPixelSize(px)
    f.setBold(True)
    w.setFont(f)
    w.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
    w.setMinimumHeight(int(px * 1.35))
    return w


def _set_text(label: QtWidgets.QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _fault_phase(fault: str) -> str | None:
    return {"rushed_eccentric": "eccentric", "no_top_pause": "top_pause", "momentum": "concentric"}.get(fault)
