"""The live window (pyqtgraph on PySide6): what the lifter sees during a set, and the replay view.

Layout: a cue banner on top (newest fault's cue, in plain words); the rep counter and time under tension; the
movement angle and angular speed of each sensor over the last 10 s with the phases shaded; per-rep tempo bars
against the target band; pelvis tilt and drop gauges with their tolerance zones; a status bar (connection,
measured rate, dropped packets, recording). Keys: space ends/starts a set, r toggles recording, q quits; in a
replay ←/→ jump to the previous/next rep, the slider scrubs, 1/2/4/m set the speed.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from analysis.faults import LUMBAR_ARCH_DEG, PELVIC_DROP_DEG
from analysis.results import PHASE_NAMES, Rep
from analysis.streaming import FaultDetected, RepCompleted, RepsRevised, SetEnded, SetStarted, StepsUpdated
from analysis.tempo import format_tempo, tolerance_s
from ui.audio import TempoCuer, TonePlayer
from ui.session import Session, Snapshot

PHASE_COLOURS = {  # RGBA: colour-blind-safe hues (Okabe–Ito)
    "concentric": (230, 159, 0, 70),
    "top_pause": (0, 158, 115, 70),
    "eccentric": (86, 180, 233, 70),
    "bottom_pause": (204, 121, 167, 55),
}
PHASE_LABELS = {"concentric": "lift", "top_pause": "top", "eccentric": "lower", "bottom_pause": "bottom"}
SENSOR_PENS = {"pelvis": (240, 240, 240), "thigh_left": (230, 159, 0), "thigh_right": (86, 180, 233)}
OK_GREEN, BAD_RED, BAND, NEUTRAL = (60, 180, 75), (220, 50, 47), (200, 200, 200, 60), (150, 150, 150)
TEMPO_BAR_REPS = 8
TRACE_WINDOW_S = 10.0


class LiveWindow(QtWidgets.QMainWindow):
    """Draws `Session` snapshots and events at the display's pace (a 30 fps timer)."""

    def __init__(self, session: Session, title: str = "repscope", replay: bool = False, fps: float = 30.0, sound: bool = False) -> None:
        super().__init__()
        pg.setConfigOptions(antialias=False, background="#1e1e1e", foreground="#dddddd")
        self.session = session
        self.replay = replay
        self.setWindowTitle(title)
        self.resize(1280, 820)
        self.reps: list[Rep] = []  # the analyzer's current list, in index order (see `_set_reps`)
        self._reps_by_index: dict[int, Rep] = {}
        self.steps = ()
        self.last_report = None
        self.cues_shown: list[tuple[int, str]] = []  # (rep, cue) in the order the banner showed them
        self.frames = 0
        self.finished = False
        self._snap: Snapshot | None = None
        self._snap_wall = 0.0
        self._phase_brushes = {k: pg.mkBrush(_on_background(v)) for k, v in PHASE_COLOURS.items()}
        self._no_pen = pg.mkPen(None)
        self._labels: list[pg.TextItem] = []
        self._build()
        self.cuer = TempoCuer(session.tempo) if sound else None
        self.player = TonePlayer() if sound else None
        self.timer = QtCore.QTimer(self)
        self.timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)
        self.timer.start(max(1, int(1000 / fps) - 1))  # a hair faster than `fps`: ticks can slip while the worker holds the GIL

    # ------------------------------------------------------------------------------------------------ layout

    def _build(self) -> None:
        central = QtWidgets.QWidget()
        self.setCentralWidget(central)
        outer = QtWidgets.QVBoxLayout(central)
        self.banner = QtWidgets.QLabel("Get into position — stand still for 2 s, then start the set")
        self.banner.setWordWrap(True)
        self.banner.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.banner.setMinimumHeight(70)
        self._banner_style("neutral")
        outer.addWidget(self.banner)

        head = QtWidgets.QHBoxLayout()
        self.rep_label = QtWidgets.QLabel("reps 0")
        self.tut_label = QtWidgets.QLabel("TUT 0.0 s")
        self.phase_label = QtWidgets.QLabel("")
        t = self.session.tempo
        self.tempo_label = QtWidgets.QLabel(f"tempo {format_tempo(t)}" if t else "tempo not set")
        for w in (self.rep_label, self.tut_label, self.phase_label, self.tempo_label):
            f = w.font()
            f.setPointSize(16)
            f.setBold(True)
            w.setFont(f)
            # text that changes every frame must not change the label's size hint: that re-lays out (and
            # repaints) the whole window, plots included
            w.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
            w.setMinimumHeight(w.sizeHint().height())
            head.addWidget(w)
        outer.addLayout(head)

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
        self.tempo_plot = pg.PlotWidget(title="tempo per rep: lift · top · lower · bottom (s), grey = target")
        self.tempo_plot.setMouseEnabled(False, False)
        self.tempo_plot.setLabel("left", "s")
        right.addWidget(self.tempo_plot, 3)
        self.tilt_plot = self._gauge("tilt (+ tuck, − arch)", (-20, 20), (LUMBAR_ARCH_DEG, 20))
        self.drop_plot = self._gauge("drop (+ left hip lower)", (-15, 15), (-PELVIC_DROP_DEG, PELVIC_DROP_DEG))
        right.addWidget(self.tilt_plot, 1)
        right.addWidget(self.drop_plot, 1)
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

    def _curve(self, placement: str):
        """The (angle, speed) curves of one sensor, added on its first trace."""
        if placement not in self.curves:
            pen = pg.mkPen(SENSOR_PENS.get(placement, (200, 200, 200)), width=1)  # wide lines cost 3× to rasterise
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
        zone = pg.LinearRegionItem(values=ok, orientation="horizontal", movable=False, brush=(60, 180, 75, 45), pen=pg.mkPen(None))
        plot.addItem(zone)
        bar = pg.BarGraphItem(x=[0], height=[0], width=0.6, brush=OK_GREEN)
        plot.addItem(bar)
        plot.gauge = (bar, title, ok)  # type: ignore[attr-defined]
        return plot

    def _banner_style(self, kind: str) -> None:
        colours = {"neutral": "#333333", "fault": "#8b1e1e", "good": "#1e5f2e", "done": "#1e3f6f"}
        self.banner.setStyleSheet(
            f"QLabel {{ background: {colours[kind]}; color: white; font-size: 26px; font-weight: bold; padding: 8px; border-radius: 6px; }}"
        )

    # ------------------------------------------------------------------------------------------------ updates

    def tick(self) -> None:
        reset, events, snap = self.session.poll()
        if reset:
            self._set_reps(())
            self.steps = ()
            self.banner.setText("Replaying…" if self.replay else "New set — get into position")
            self._banner_style("neutral")
        for e in events:
            self.on_event(e)
            if self.cuer is not None:
                self.cuer.on_event(e)
        now = time.monotonic()
        if snap is not None:
            self._snap, self._snap_wall = snap, now
            self.draw(snap)
            self.frames += 1
        elif self._snap is not None and not self._snap.finished and self._snap.set_active:
            # Samples arrive in bursts (a BLE connection event, a 40-ms batch): between them, keep scrolling at
            # the display rate by advancing the clock with the wall time, at most one burst ahead of the data.
            speed = self.session.speed if math.isfinite(self.session.speed) else 0.0
            ahead = min(now - self._snap_wall, 0.1) * speed
            if ahead > 0:
                self.draw(self._snap, self._snap.t_s + ahead)
                self.frames += 1
        if self.cuer is not None and self._snap is not None and math.isfinite(self.session.speed):
            for kind in self.cuer.due(self._snap.t_s + min(now - self._snap_wall, 0.1) * self.session.speed):
                self.player.play(kind)

    def on_event(self, e) -> None:
        if isinstance(e, SetStarted):
            self.banner.setText("Set started")
            self._banner_style("neutral")
        elif isinstance(e, RepCompleted):
            self._upsert_rep(e.rep)
            if not e.rep.faults:
                self.banner.setText(f"Rep {e.rep.index}: good — lowering {e.rep.eccentric_s:.1f} s")
                self._banner_style("good")
        elif isinstance(e, FaultDetected):
            self.cues_shown.append((e.rep_index, e.cue))
            self.banner.setText(f"Rep {e.rep_index}: {e.cue}")
            self._banner_style("fault")
        elif isinstance(e, RepsRevised):
            self._set_reps(e.reps)
        elif isinstance(e, StepsUpdated):
            self.steps = e.steps
        elif isinstance(e, SetEnded):
            self.last_report = e.report
            self._set_reps(e.report.reps)
            self.steps = e.report.steps
            n = len(e.report.reps) or len(e.report.steps)
            unit = "steps" if e.report.steps else "reps"
            faults = sum(len(r.faults) for r in e.report.reps)
            self.banner.setText(
                f"Set done: {n} {unit}, {faults} fault{'s' if faults != 1 else ''}"
                + ("" if self.replay else " — space for the next set")
            )
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
        reps = self.reps
        n = len(reps) if not self.steps else len(self.steps)
        self.rep_label.setText(f"{'steps' if self.steps else 'reps'} {n}")
        tut = sum(r.time_under_tension_s for r in reps)
        self.tut_label.setText(f"TUT {tut:.1f} s")
        if snap.live_phase is not None and snap.set_active:
            name, start = snap.live_phase
            self.phase_label.setText(f"{PHASE_LABELS[name]} {max(0.0, t1 - start):.1f} s")
        else:
            self.phase_label.setText("" if snap.set_active else "set ended")
        self._draw_tempo(reps)
        # gauges at 10 Hz and the status bar at 2 Hz: enough for the eye, and each repaint costs a frame's CPU
        wall = time.monotonic()
        if wall - getattr(self, "_gauges_at", 0.0) >= 0.1 or snap.finished:
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
        for r in self.reps:
            for p in r.phases:
                if p.end_s >= t0 and p.start_s <= t1:
                    spans.append((p.name, max(p.start_s, t0), min(p.end_s, t1)))
        # after the newest settled rep: the live tracker's provisional phases
        settled_to = max((r.phases[-1].end_s for r in self.reps), default=-math.inf)
        if snap.set_active:
            live = list(snap.live_phases)
            for k, (name, start) in enumerate(live):
                end = live[k + 1][1] if k + 1 < len(live) else t1
                a, b = max(start, settled_to, t0), min(end, t1)
                if a < b:
                    spans.append((name, a, b))
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
                brushes.append(BAD_RED if bad else OK_GREEN)
                goal = getattr(target, f"{name}_s", None) if target is not None else None
                if goal is not None:
                    tol = tolerance_s(goal, target.tol_s, target.tol_frac)
                    bx.append(x)
                    by0.append(max(0.0, goal - tol))
                    bh.append(goal + tol - max(0.0, goal - tol))
            ticks.append((k * 5 + 1.5, f"#{rep.index}"))
        if bx:
            plot.addItem(pg.BarGraphItem(x=bx, y0=by0, height=bh, width=0.95, brush=BAND, pen=pg.mkPen(None)))
        plot.addItem(pg.BarGraphItem(x=xs, height=hs, width=0.6, brushes=brushes, pen=pg.mkPen(None)))
        plot.getAxis("bottom").setTicks([ticks])
        plot.setXRange(-1, len(shown) * 5 - 1, padding=0)

    def _draw_pelvis(self, snap: Snapshot) -> None:
        now = snap.pelvis
        latest = self.reps[-1] if self.reps else None
        at_top = snap.live_phase is not None and snap.live_phase[0] == "top_pause"
        for plot, live, rep_val, label in (
            (self.tilt_plot, None if now is None else now.tilt_sagittal_deg, None if latest is None else latest.tilt_sagittal_deg, "tilt"),
            (self.drop_plot, None if now is None else now.pelvic_drop_deg, None if latest is None or latest.pelvic_drop_deg is None
             else latest.pelvic_drop_deg * (1 if latest.pelvic_drop_side == "left" else -1), "drop"),
        ):
            bar, title, ok = plot.gauge
            if not snap.set_active and rep_val is not None:
                # the set is over (standing up, re-racking): the live posture means nothing; show the last top
                shown = ("last", round(rep_val, 1))
                if getattr(plot, "shown", None) != shown:
                    plot.shown = shown
                    bar.setOpts(height=[rep_val], brush=OK_GREEN if ok[0] <= rep_val <= ok[1] else BAD_RED)
                    plot.setTitle(f"{title}: last rep's top {rep_val:+.1f}°")
                continue
            if live is None or not math.isfinite(live):
                if getattr(plot, "shown", None) == "empty":
                    continue
                plot.shown = "empty"
                bar.setOpts(height=[0])
                why = "needs a pelvis sensor" if "pelvis" not in self.curves else "after the first rep"
                plot.setTitle(f"{title}: {why}")
                continue
            shown = (round(live, 1), None if rep_val is None else round(rep_val, 1), at_top)
            if getattr(plot, "shown", None) == shown:
                continue
            plot.shown = shown
            good = ok[0] <= live <= ok[1]
            # tilt is judged at the top (lockout); while moving it is shown neutral, drop is judged throughout
            colour = (OK_GREEN if good else BAD_RED) if (label == "drop" or at_top) else NEUTRAL
            bar.setOpts(height=[live], brush=colour)
            last = "" if rep_val is None else f" · last top {rep_val:+.1f}°"
            plot.setTitle(f"{title}: now {live:+.1f}°{last}")

    def _draw_status(self, snap: Snapshot) -> None:
        parts = []
        for st in snap.status:
            rate = "–" if not math.isfinite(st.rate_hz) else f"{st.rate_hz:.0f} Hz"
            batt = "" if st.battery_pct is None else f", battery {st.battery_pct} %"
            extra = f", {st.malformed} bad packets" if st.malformed else ""
            parts.append(f"{self.session.placement_of.get(st.sensor_id, st.sensor_id)}: {st.state} {rate}, dropped {st.dropped}{extra}{batt}")
        parts.append(f"recording → {snap.recording}" if snap.recording else "not recording (r)")
        if self.player is not None:
            parts.append("sound on" if self.player.available else self.player.reason)
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
        elif self.replay and key in (QtCore.Qt.Key.Key_1, QtCore.Qt.Key.Key_2, QtCore.Qt.Key.Key_4, QtCore.Qt.Key.Key_M):
            speeds = {QtCore.Qt.Key.Key_1: 1.0, QtCore.Qt.Key.Key_2: 2.0, QtCore.Qt.Key.Key_4: 4.0, QtCore.Qt.Key.Key_M: math.inf}
            self.session.set_speed(speeds[key])
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.timer.stop()
        self.session.stop()
        super().closeEvent(event)


def _on_background(rgba: tuple[int, int, int, int], bg: tuple[int, int, int] = (0x1E, 0x1E, 0x1E)) -> tuple[int, int, int]:
    """The translucent colour pre-blended onto the plot background: an opaque fill is several times cheaper for
    the raster painter than alpha blending, and the shading sits under the curves anyway."""
    a = rgba[3] / 255.0
    return tuple(int(round(a * c + (1 - a) * b)) for c, b in zip(rgba[:3], bg))


def _fault_phase(fault: str) -> str | None:
    return {"rushed_eccentric": "eccentric", "no_top_pause": "top_pause", "momentum": "concentric"}.get(fault)
