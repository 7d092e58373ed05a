"""The live window's views, each a small widget that draws one part (`ui.live_window` composes them): the cue
banner, the head (rep number, phase box with its legend, the info column), the shading legend, the traces, the
tempo/step bars, the posture gauges. Every text size follows the window's height (`LayoutParams`, `TextSizes`),
so the read-outs stay readable from the bench on any screen, and a label whose text is wider than its room gets
a smaller font (never clipped).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from analysis.faults import LUMBAR_ARCH_DEG, PELVIC_DROP_DEG
from analysis.results import PHASE_NAMES, Rep
from analysis.tempo import tolerance_s
from ui import palette
from ui.live_readout import PHASE_COUNT_LEGEND, LockoutHold

TEMPO_BAR_REPS = 8
STEP_BARS = 16
SHADE_ALPHA = 0.4  # phase shading opacity, pre-blended; the legend chips are the same colour


@dataclass(frozen=True)
class LayoutParams:
    """Text heights as fractions of the window's height: the cue banner and the phase box are the largest text
    after the rep number. At 1280×800 the rep number is 112 px, the phase box 64, the banner 52, the info
    column 26; at 1920×1080 151, 86, 70, 35."""

    rep_frac: float = 0.14
    phase_frac: float = 0.08
    banner_frac: float = 0.065
    info_frac: float = 0.0325
    unit_frac: float = 0.028
    small_frac: float = 0.021  # legends, the phase count's key, plot titles
    min_px: int = 11


@dataclass(frozen=True)
class TextSizes:
    rep: int
    phase: int
    banner: int
    info: int
    unit: int
    small: int

    @staticmethod
    def for_height(height_px: int, params: LayoutParams = LayoutParams()) -> TextSizes:
        def px(frac: float) -> int:
            return max(params.min_px, int(round(frac * height_px)))

        return TextSizes(px(params.rep_frac), px(params.phase_frac), px(params.banner_frac), px(params.info_frac),
                         px(params.unit_frac), px(params.small_frac))


class FitLabel(QtWidgets.QLabel):
    """A bold one-line read-out at a chosen pixel size, shrunk (down to 60 %) when its text is wider than the
    room it has, so it is never clipped. Its size hint does not follow the text (text that changes every frame
    must not re-lay out the window)."""

    def __init__(self, text: str = "", px: int = 20, align=QtCore.Qt.AlignmentFlag.AlignLeft) -> None:
        super().__init__(text)
        self._px = px
        self.setAlignment(align | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        self.set_px(px)

    def set_px(self, px: int) -> None:
        self._px = px
        self.setMinimumHeight(int(px * 1.3))
        self._fit()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        if text != self.text():
            super().setText(text)
            self._fit()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        f = QtGui.QFont(self.font())
        f.setBold(True)
        f.setPixelSize(self._px)
        room = self.contentsRect().width() - 2 * self.margin() - 4
        px = self._px
        if room > 0 and self.text():
            wide = QtGui.QFontMetrics(f).horizontalAdvance(self.text())
            if wide > room:
                px = max(int(self._px * 0.6), int(px * room / wide))
        if self.font().pixelSize() != px or not self.font().bold():
            f.setPixelSize(px)
            self.setFont(f)


def set_text(label: QtWidgets.QLabel, text: str) -> None:
    if label.text() != text:
        label.setText(text)


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


class Banner(QtWidgets.QLabel):
    """The cue banner: the newest rep's cues in plain words (between sets the last set's summary). Two lines at
    its size; a longer text gets a smaller font (never below `floor_px`, the info column's size plus a little)
    before the banner grows, so the plots below keep their room."""

    PAD_PX = 6
    LINES = 2

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.setWordWrap(True)
        self.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self._kind, self._px, self.floor_px, self.px = "neutral", 28, 20, 28

    def show_text(self, text: str, kind: str) -> None:
        self._kind = kind
        self.setText(text)
        self._restyle()

    def set_px(self, px: int, floor_px: int) -> None:
        self._px, self.floor_px = px, min(px, floor_px)
        self.setMinimumHeight(int(self.LINES * 1.35 * px + 2 * self.PAD_PX + 4))
        self._restyle()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._restyle()

    def fitted_px(self) -> int:
        """The largest size from the banner's own down to `floor_px` at which the text fits in its lines."""
        room = self.contentsRect().width() - 2 * self.PAD_PX - 4
        if room <= 0:
            return self._px
        f = QtGui.QFont(self.font())
        f.setBold(True)
        px = self._px
        while px > self.floor_px:
            f.setPixelSize(px)
            fm = QtGui.QFontMetrics(f)
            rect = fm.boundingRect(QtCore.QRect(0, 0, room, 100_000), int(QtCore.Qt.TextFlag.TextWordWrap),
                                   self.text())
            if rect.height() <= self.LINES * fm.lineSpacing() + 1:
                break
            px -= 2
        return max(px, self.floor_px)

    def _restyle(self) -> None:
        px = self.fitted_px()
        style = (palette.BANNER[self._kind], px)
        if getattr(self, "_style", None) == style:
            return
        self._style, self.px = style, px
        self.setStyleSheet(
            f"QLabel {{ background: {style[0]}; color: white; font-size: {px}px; font-weight: bold;"
            f" padding: {self.PAD_PX}px; border-radius: 6px; }}"
        )


class HeadView(QtWidgets.QWidget):
    """The big read-outs: rep (step) number and unit, the phase box with the key to its count, and the info
    column (exercise, working leg, last rep's speed, loss, TUT, tempo)."""

    INFO = ("exercise", "side", "speed", "loss", "tut", "tempo")

    def __init__(self, unit: str) -> None:
        super().__init__()
        centre = QtCore.Qt.AlignmentFlag.AlignCenter
        self.rep_label = FitLabel("0", 96, centre)
        self.rep_unit = FitLabel(unit, 18, centre)
        self.phase_label = FitLabel("", 60, centre)
        self.phase_key = FitLabel(PHASE_COUNT_LEGEND, 14, centre)
        self.phase_key.setStyleSheet("color: #bbbbbb;")
        self.info = {name: FitLabel("", 20) for name in self.INFO}
        head = QtWidgets.QHBoxLayout(self)
        head.setContentsMargins(0, 0, 0, 0)
        head.addLayout(_column(self.rep_label, self.rep_unit), 2)
        head.addLayout(_column(self.phase_label, self.phase_key), 6)
        head.addLayout(_column(*self.info.values()), 3)
        self._phase_key_state = None

    def set_sizes(self, s: TextSizes) -> None:
        self.rep_label.set_px(s.rep)
        self.rep_unit.set_px(s.unit)
        self.phase_label.set_px(s.phase)
        self.phase_key.set_px(s.small)
        for w in self.info.values():
            w.set_px(s.info)

    def phase_colour(self, phase: str | None, mark: str | None = None) -> None:
        """The phase box on its phase's colour (the shading's), its border in the mark's colour."""
        key = (phase, mark)
        if self._phase_key_state == key:
            return
        self._phase_key_state = key
        bg = "transparent" if phase is None else hex_colour(palette.blend(palette.PHASE_COLOURS[phase], 0.55))
        border = mark or bg
        self.phase_label.setStyleSheet(
            f"QLabel {{ background: {bg}; color: white; border: 5px solid {border}; border-radius: 8px; }}")


def _column(*widgets) -> QtWidgets.QVBoxLayout:
    col = QtWidgets.QVBoxLayout()
    col.setSpacing(2)
    for w in widgets:
        col.addWidget(w)
    return col


class ShadingLegend(QtWidgets.QLabel):
    """What the trace shading means, in the shading's own colours (`entries`: the names shown)."""

    def __init__(self, band_walk: bool) -> None:
        super().__init__()
        self.entries: list[str] = []
        self.set_mode(band_walk)

    def set_mode(self, band_walk: bool) -> None:
        if band_walk:
            chips = [(palette.blend(palette.SIDE_COLOURS[s], SHADE_ALPHA), f"step {s}") for s in ("left", "right")]
        else:
            chips = [(palette.blend(palette.PHASE_COLOURS[n], SHADE_ALPHA), palette.PHASE_WORDS[n].lower())
                     for n in PHASE_NAMES]
        html = "  ".join(
            f"<span style='background:{hex_colour(c)}; color:{hex_colour(c)}'>{'&nbsp;' * 4}</span>&nbsp;{name}"
            "&nbsp;&nbsp;" for c, name in chips
        )
        what = "steps by direction" if band_walk else "shading = phase"
        self.entries = [name for _, name in chips]
        self.setText(f"<span style='color:#bbbbbb'>{what}:&nbsp;&nbsp;</span>{html}")

    def set_px(self, px: int) -> None:
        f = self.font()
        f.setPixelSize(px)
        self.setFont(f)


class TracesView(QtWidgets.QWidget):
    """Each sensor's movement angle and angular speed over the last `window_s`, the phases shaded, `#n` over
    each rep's lowering end."""

    def __init__(self, placements, window_s: float) -> None:
        super().__init__()
        self.window_s = window_s
        self.angle_plot = pg.PlotWidget()
        self.angle_plot.setLabel("left", "movement angle", units="°")
        self.angle_plot.addLegend(offset=(5, 5))
        self.speed_plot = pg.PlotWidget()
        self.speed_plot.setLabel("left", "angular speed", units="°/s")
        self.speed_plot.setLabel("bottom", "seconds ago")
        self.speed_plot.setXLink(self.angle_plot)
        self.curves: dict[str, tuple] = {}
        for placement in placements:  # a BLE session lists its sensors once connected: see `curve`
            self.curve(placement)
        for plot in (self.angle_plot, self.speed_plot):
            # a 10-s window at 200 Hz is 2,000 points per curve for ~700 px: peak-preserving downsampling
            plot.setDownsampling(auto=True, mode="peak")
            plot.setClipToView(True)
            plot.enableAutoRange(axis="y", enable=False)
        shades = {**palette.PHASE_COLOURS, **palette.SIDE_COLOURS}  # phases; band-walk steps by side
        self._brushes = {k: pg.mkBrush(palette.blend(v, SHADE_ALPHA)) for k, v in shades.items()}
        self._no_pen = pg.mkPen(None)
        self._shading = pg.BarGraphItem(x0=[0], x1=[0], y0=[0], y1=[0], brush=(0, 0, 0))
        self._shading.setZValue(-10)
        self.angle_plot.getViewBox().addItem(self._shading, ignoreBounds=True)
        self.angle_plot.hideAxis("bottom")
        self.angle_plot.setXRange(-window_s, 0, padding=0)
        self.angle_plot.enableAutoRange(axis="x", enable=False)
        self.speed_plot.enableAutoRange(axis="x", enable=False)
        self._yranges: dict[int, tuple[float, float]] = {}
        self._labels: list[pg.TextItem] = []
        col = QtWidgets.QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.angle_plot, 3)
        col.addWidget(self.speed_plot, 2)

    def curve(self, placement: str):
        """The (angle, speed) curves of one sensor, added on its first trace."""
        if placement not in self.curves:
            colour = palette.rgb(palette.SENSOR_COLOURS.get(placement, "#c8c8c8"))
            pen = pg.mkPen(colour, width=1)  # wide lines cost 3× to rasterise
            self.curves[placement] = (
                self.angle_plot.plot([], [], pen=pen, name=placement.replace("_", " ")),
                self.speed_plot.plot([], [], pen=pen),
            )
        return self.curves[placement]

    def draw(self, traces: dict, t1: float) -> None:
        for placement, tr in traces.items():
            if len(tr.t_s) == 0:
                continue
            ac, sc = self.curve(placement)
            # time relative to now: the x range (and so the axis) never changes while the traces scroll, which
            # spares pyqtgraph re-laying out its ticks every frame (the largest cost of a scrolling plot)
            ac.setData(tr.t_s - t1, tr.angle_deg)
            sc.setData(tr.t_s - t1, tr.speed_dps)
        self._fit_y(self.angle_plot, [tr.angle_deg for tr in traces.values()], 10.0)
        self._fit_y(self.speed_plot, [tr.speed_dps for tr in traces.values()], 20.0)

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
        self._yranges[id(plot)] = (lo - pad, hi + pad)
        plot.setYRange(lo - pad, hi + pad, padding=0)

    def shade(self, spans: list[tuple[str, float, float]], t1: float) -> None:
        """(phase or side, start, end) spans as the trace's background: one bar item for all of them
        (LinearRegionItems, one per phase, cost a fifth of a core to repaint)."""
        lo, hi = self._yranges.get(id(self.angle_plot), (-1e3, 1e3))
        if not spans:
            self._shading.hide()
            return
        self._shading.setOpts(
            x0=[a - t1 for _, a, _ in spans], x1=[b - t1 for _, _, b in spans], y0=[lo] * len(spans),
            y1=[hi] * len(spans), brushes=[self._brushes[name] for name, _, _ in spans],
            pens=[self._no_pen] * len(spans),
        )
        self._shading.show()

    def label_reps(self, reps, t0: float, t1: float) -> None:
        """`#n` over each rep's lowering end in view."""
        ends = [(r.index, r.phase("eccentric").end_s) for r in reps if t0 <= r.phase("eccentric").end_s <= t1]
        while len(self._labels) < len(ends):
            label = pg.TextItem(anchor=(0.5, 0), color=(255, 255, 255))
            self.angle_plot.getViewBox().addItem(label, ignoreBounds=True)  # at the top: must not grow the range
            self._labels.append(label)
        top = self.angle_plot.getViewBox().viewRange()[1][1]
        for label, (idx, t) in zip(self._labels, ends):
            if getattr(label, "rep", None) != idx:
                label.rep = idx
                label.setText(f"#{idx}")
            label.setPos(t - t1, top)
            label.show()
        for label in self._labels[len(ends):]:
            label.hide()


class BarsView(pg.PlotWidget):
    """Per-rep tempo bars against the target band, or a band walk's step durations by side."""

    def __init__(self, band_walk: bool, tempo) -> None:
        super().__init__()
        self.tempo = tempo
        self.setMouseEnabled(False, False)
        self.setLabel("left", "s")
        self.getAxis("left").enableAutoSIPrefix(False)  # seconds stay seconds (no "×0.001")
        self._drawn = None
        self.set_mode(band_walk)

    def set_mode(self, band_walk: bool) -> None:
        self.band_walk = band_walk
        self.setTitle("steps: duration per step (s), blue = left, orange = right" if band_walk
                      else "tempo per rep: lift · top · lower · bottom (s), grey = target")
        self._drawn = None
        self.clear()

    def draw(self, reps, steps) -> None:
        key = tuple(steps[-STEP_BARS:]) if self.band_walk else tuple(reps[-TEMPO_BAR_REPS:])
        if key == self._drawn:
            return  # unchanged: no repaint
        self._drawn = key
        self.clear()
        if key:
            self._steps(key) if self.band_walk else self._tempo(key)

    def _tempo(self, shown: tuple[Rep, ...]) -> None:
        target = self.tempo
        xs, hs, brushes, bx, by0, bh, ticks = [], [], [], [], [], [], []
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
            self.addItem(pg.BarGraphItem(x=bx, y0=by0, height=bh, width=0.95, brush=band, pen=pg.mkPen(None)))
        self.addItem(pg.BarGraphItem(x=xs, height=hs, width=0.6, brushes=brushes, pen=pg.mkPen(None)))
        self.getAxis("bottom").setTicks([ticks])
        self.setXRange(-1, len(shown) * 5 - 1, padding=0)

    def _steps(self, key) -> None:
        xs = list(range(len(key)))
        brushes = [palette.rgb(palette.SIDE_COLOURS.get(s.side, palette.NEUTRAL)) for s in key]
        self.addItem(pg.BarGraphItem(x=xs, height=[s.duration_s for s in key], width=0.7, brushes=brushes,
                                     pen=pg.mkPen(None)))
        self.getAxis("bottom").setTicks([[(x, f"{s.index}") for x, s in zip(xs, key)]])
        self.setXRange(-1, max(len(key), 8), padding=0)


def _fault_phase(fault: str) -> str | None:
    return {"rushed_eccentric": "eccentric", "no_top_pause": "top_pause", "momentum": "concentric"}.get(fault)


class Gauge(pg.PlotWidget):
    """One posture value at lockout (tilt or drop) against its good zone, held as `LockoutHold` says."""

    def __init__(self, title: str, yrange: tuple[float, float], ok: tuple[float, float]) -> None:
        super().__init__(title=title)
        self.title_text, self.ok = title, ok
        self.setLabel("left", "°")
        self.setMouseEnabled(False, False)
        self.hideAxis("bottom")
        self.setYRange(*yrange, padding=0)
        self.setXRange(-1, 1, padding=0)
        self.enableAutoRange(enable=False)
        zone = pg.LinearRegionItem(values=ok, orientation="horizontal", movable=False,
                                   brush=(*palette.rgb(palette.OK), 45), pen=pg.mkPen(None))
        self.addItem(zone)
        self.bar = pg.BarGraphItem(x=[0], height=[0], width=0.8, brush=palette.rgb(palette.OK))
        self.addItem(self.bar)
        self.value = pg.TextItem("", anchor=(0.5, 1.0), color=(255, 255, 255))
        self.value.setFont(QtGui.QFont("", 16, QtGui.QFont.Weight.Bold))
        self.addItem(self.value, ignoreBounds=True)
        self.gauge = (self.bar, self.value, title, ok)
        self.hold = LockoutHold()
        self.shown = None

    def set_px(self, px: int) -> None:
        f = QtGui.QFont()
        f.setPixelSize(px)
        f.setBold(True)
        self.value.setFont(f)

    def show_value(self, value: float | None, why_empty: str) -> None:
        if value is None:
            shown = ("empty", why_empty)
            if self.shown != shown:
                self.shown = shown
                self.bar.setOpts(height=[0])
                self.value.setText("")
                self.setTitle(f"{self.title_text}<br>{why_empty}")
            return
        shown = (round(value, 1), self.hold.source)
        if self.shown == shown:
            return
        self.shown = shown
        good = self.ok[0] <= value <= self.ok[1]
        self.bar.setOpts(height=[value], brush=palette.rgb(palette.OK if good else palette.BAD))
        self.value.setText(f"{value:+.1f}°")
        lo, hi = self.getViewBox().viewRange()[1]
        self.value.setPos(0, min(max(value, lo) + 0.15 * (hi - lo), hi))
        self.setTitle(f"{self.title_text}<br>{self.hold.label()}")


class GaugesView(QtWidgets.QWidget):
    """The pelvis's tilt and drop at lockout, each shown only where it applies (`live_readout.gauges_for`)."""

    def __init__(self) -> None:
        super().__init__()
        self.tilt = Gauge("tilt: + tuck, − arch", (-20, 20), (LUMBAR_ARCH_DEG, 20))
        self.drop = Gauge("drop: + left hip lower", (-15, 15), (-PELVIC_DROP_DEG, PELVIC_DROP_DEG))
        row = QtWidgets.QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.tilt)
        row.addWidget(self.drop)

    def show_only(self, names: tuple[str, ...]) -> None:
        self.tilt.setVisible("tilt" in names)
        self.drop.setVisible("drop" in names)
        self.setVisible(bool(names))

    def reset(self) -> None:
        for g in (self.tilt, self.drop):
            g.hold = LockoutHold()

    def draw(self, phase: str | None, pelvis_now, latest: Rep | None) -> None:
        """Live at the top, else held (`LockoutHold`); `latest`: the newest announced rep."""
        drop_rep = None
        if latest is not None and latest.pelvic_drop_deg is not None:
            drop_rep = latest.pelvic_drop_deg * (1 if latest.pelvic_drop_side == "left" else -1)
        index = 0 if latest is None else latest.index
        for gauge, live, rep_val in (
            (self.tilt, None if pelvis_now is None else pelvis_now.tilt_sagittal_deg,
             None if latest is None else latest.tilt_sagittal_deg),
            (self.drop, None if pelvis_now is None else pelvis_now.pelvic_drop_deg, drop_rep),
        ):
            value = gauge.hold.update(phase, live, index, rep_val)
            gauge.show_value(value if value is None or math.isfinite(value) else None, gauge.hold.empty_text())
