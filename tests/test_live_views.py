"""The live window read from the bench: the read-outs (pure), the trace's sign, and the window driven by real
analyzer events — phase count, legend, palette, gauges at lockout, working leg, speed, rest timer and the last
set's summary, band-walk step counter."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from analysis.pipeline import ImuSeries, analyze_set  # noqa: E402
from analysis.results import Phase, Rep, SetReport, Step  # noqa: E402
from analysis.streaming import (  # noqa: E402
    ExerciseRecognised,
    LiveTrace,
    PelvisNow,
    PhaseChanged,
    RepCompleted,
    SetEnded,
    SetStarted,
    StepsUpdated,
    StreamingAnalyzer,
    batches_in_time_order,
)
from analysis.tempo import parse_tempo  # noqa: E402
from sensors.recording import read_recording  # noqa: E402
from sensors.source import ArraySource  # noqa: E402
from tests.conftest import DEMO_DIR  # noqa: E402
from ui import palette, report_html  # noqa: E402
from ui.live_readout import (  # noqa: E402
    LockoutHold,
    phase_readout,
    rest_text,
    set_summary,
    speed_text,
    step_counter,
    working_side_text,
)
from ui.session import Session, Snapshot, TraceSigns  # noqa: E402

pytest.importorskip("pytestqt")
from ui.live_window import LiveWindow  # noqa: E402

TEMPO = parse_tempo("3-1-1-2")


# ------------------------------------------------------------------------------------------------ read-outs


@pytest.mark.parametrize("phase, elapsed, text", [
    ("eccentric", 1.2, "LOWER 1 · 3 · …"),  # short of 3 s − 0.6 s
    ("eccentric", 2.6, "LOWER 2 · 3 · ✓"),
    ("eccentric", 3.7, "LOWER 3.7 · 3 → BOTTOM"),  # still running: no verdict, the time and the move due
    ("top_pause", 1.6, "HOLD 1 · 2 · ✓"),
    ("concentric", 0.6, "LIFT 0 · 1 · ✓"),
    ("bottom_pause", 1.6, "BOTTOM 1.6 · 1 → LIFT"),
])
def test_the_phase_line_counts_against_the_tempo_target(phase, elapsed, text):
    line = phase_readout(phase, elapsed, TEMPO)
    assert line.text == text
    assert line.colour == {"…": None, "✓": palette.OK, "→": palette.BAD}[line.mark]
    assert "✗" not in line.text


def test_the_phase_line_without_a_target():
    assert phase_readout("eccentric", 2.2, None).text == "LOWER 2"
    assert phase_readout("concentric", 0.3, parse_tempo("3-1-X-1")).text == "LIFT 0 · X"


def test_posture_is_shown_at_lockout_and_held_through_the_rep():
    hold = LockoutHold()
    assert hold.update("concentric", -30.0, 0, None) is None  # moving up: nothing yet
    assert hold.update("top_pause", 3.0, 0, None) == 3.0 and hold.source == "live"
    assert hold.update("eccentric", -40.0, 0, None) == 3.0 and hold.source == "held"  # not the lowering's −40
    assert hold.update("bottom_pause", -45.0, 0, None) == 3.0 and hold.source == "held"  # not the bottom's −45
    assert hold.update("bottom_pause", -45.0, 1, 2.5) == 2.5 and hold.source == "rep 1"  # announced: its own
    assert hold.update(None, -80.0, 1, 2.5) == 2.5  # between sets: the last rep's lockout
    assert "rep 1" in hold.label()


def test_rest_summary_speed_and_step_texts():
    assert rest_text(65.4) == "REST 1:05" and rest_text(-1) == "REST 0:00"
    reps = [_rep(1, mcv=0.40), _rep(2, mcv=0.30, faults=("rushed_eccentric",)), _rep(3, mcv=0.36)]
    assert speed_text(reps) == ("last rep 0.36 m/s", "speed loss 10 %")
    assert speed_text([_rep(1)]) == ("last rep – m/s", "")
    report = SetReport("hip_thrust", "pelvis", TEMPO, tuple(reps), velocity_loss_pct=10.0)
    assert set_summary(report, 2) == "Set 2 done: 3 reps · 1 fault · lowering 3.0 s · speed loss 10 %"
    steps = [Step(1, 1.0, "left", 0.3), Step(2, 2.0, "left", 0.3), Step(3, 3.0, "right", 0.3)]
    assert step_counter(steps) == "← 2 · 1 →  last: right"
    walk = SetReport("lateral_band_walk", "thigh_left", None, (), tuple(steps))
    assert set_summary(walk, 1) == "Set 1 done: 3 steps (left 2 · right 1) · 60 steps/min"
    assert working_side_text("single_leg_hip_thrust", "right", ["pelvis"]) == "RIGHT LEG working"
    assert working_side_text("single_leg_hip_thrust", None, ["pelvis"]).endswith("(--side)")
    assert working_side_text("clamshell", None, ["thigh_left"]) == "LEFT LEG (thigh sensor)"
    assert working_side_text("hip_thrust", None, ["pelvis"]) == ""


def test_one_palette_for_window_and_report():
    import ui.live_window as lw

    assert report_html.PHASE_COLOURS is palette.PHASE_COLOURS and lw.palette is palette
    assert set(palette.PHASE_COLOURS) == {"concentric", "top_pause", "eccentric", "bottom_pause"}
    assert palette.rgb("#e69f00") == (230, 159, 0) and palette.blend("#ffffff", 0.0) == palette.rgb("#1e1e1e")


def _rep(index, mcv=None, faults=(), t0=None):
    t = 10.0 * index if t0 is None else t0
    phases = (Phase("concentric", t, t + 1), Phase("top_pause", t + 1, t + 3), Phase("eccentric", t + 3, t + 6),
              Phase("bottom_pause", t + 6, t + 7))
    return Rep(index, t, t + 7, phases, 45.0, 60.0, tilt_sagittal_deg=2.0, pelvic_drop_deg=1.0,
               pelvic_drop_side="left", mean_concentric_velocity_mps=mcv, faults=faults)


# ------------------------------------------------------------------------------------------------ trace sign


def test_the_live_trace_keeps_its_sign_when_the_axis_turns():
    """The hip-thrust demo's settled axis reverses the guessed one during rep 1 (12.7 s): through TraceSigns,
    the window's trace shows both lifts rising and never jumps."""
    rec = read_recording(DEMO_DIR / "hip-thrust.csv")
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in rec.streams]
    sa = StreamingAnalyzer("hip_thrust", {s.placement: 100.0 for s in series})
    signs = TraceSigns()
    offline = analyze_set(series, "hip_thrust")
    offline_lifts = [(p.start_s, p.end_s) for p in (r.phase("concentric") for r in offline.reps[:2])]
    shown = None
    for placement, t, a, g in batches_in_time_order(series, 0.05):
        sa.push(placement, t, a, g)
        for p, s in sa.sensors.items():
            signs.observe(p, s.axis, s.last_t, s.angle_deg)
        if sa.now_s > offline_lifts[1][1] + 0.2:
            shown, raw = signs.apply("pelvis", sa.trace("pelvis", 30.0)), sa.trace("pelvis", 30.0)
            break
    assert signs._flips.get("pelvis"), "the demo's axis reversal happens (else this test shows nothing)"
    for a, b in offline_lifts:
        i, j = np.searchsorted(shown.t_s, [a, b])
        assert shown.angle_deg[j] - shown.angle_deg[i] > 20.0  # the lift rises
    i, j = np.searchsorted(raw.t_s, offline_lifts[0])
    assert raw.angle_deg[j] - raw.angle_deg[i] < 0  # ... where the unsigned trace fell
    assert np.max(np.abs(np.diff(shown.angle_deg))) < 2.0  # continuous across the reversal


def test_trace_signs_flip_each_older_segment_and_join_it():
    signs = TraceSigns()
    signs.observe("pelvis", np.array([0, 0, 1.0]), 0.0, 0.0)
    signs.observe("pelvis", np.array([0, 0, -1.0]), 1.0, 5.0)  # up to t = 1 the angle rose to 5 about the old sense
    t = np.array([0.0, 0.5, 1.0, 1.5])
    out = signs.apply("pelvis", LiveTrace(t, np.array([0.0, 2.5, 5.0, 6.0]), np.array([5.0, 5.0, 5.0, 2.0])))
    assert np.allclose(out.angle_deg, [10.0, 7.5, 5.0, 6.0]) and np.allclose(out.speed_dps, [-5, -5, -5, 2])


# ------------------------------------------------------------------------------------------------ the window


def _window(qtbot, exercise="hip_thrust", side=None, tempo=TEMPO):
    rec = read_recording(DEMO_DIR / "hip-thrust.csv")
    win = LiveWindow(Session(ArraySource(rec.streams), exercise, tempo, side), "test")
    qtbot.addWidget(win)
    return win


def _snap(t_s, phase=None, tilt=None, active=True, reps=()):
    pelvis = None if tilt is None else PelvisNow(t_s, tilt, 0.0)
    live = None if phase is None else (phase, t_s - 2.6)
    return Snapshot(t_s, {}, pelvis, (), tuple(reps), (), live, () if live is None else (live,), active, None)


def test_window_big_number_phase_count_legend_and_working_leg(qtbot):
    win = _window(qtbot, "single_leg_hip_thrust", "right")
    assert win.legend_entries == ["lift", "hold", "lower", "bottom"]
    assert all(_hex_of(palette.blend(c, 0.4)) in win.legend.text() for c in palette.PHASE_COLOURS.values())
    assert win.side_label.text() == "RIGHT LEG working"
    assert win.rep_label.font().pixelSize() >= 90 and win.phase_label.font().pixelSize() >= 60
    win.on_event(RepCompleted(20.0, _rep(1, mcv=0.31)))
    win.draw(_snap(30.0, "eccentric"))
    assert win.rep_label.text() == "1" and win.phase_label.text() == "LOWER 2 · 3 · ✓"
    assert win.speed_label.text() == "last rep 0.31 m/s"
    assert "Rep 1: good" in win.banner.text()


def _hex_of(rgb):
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def test_window_gauges_show_the_lockout_not_the_bottom(qtbot):
    win = _window(qtbot)
    win._draw_pelvis(_snap(11.5, "top_pause", tilt=4.0))
    bar, text, _, _ = win.tilt_plot.gauge
    assert text.toPlainText() == "+4.0°"
    win._draw_pelvis(_snap(14.0, "eccentric", tilt=-40.0))
    assert text.toPlainText() == "+4.0°" and "held" in win.tilt_plot.plotItem.titleLabel.text
    win.on_event(RepCompleted(16.0, _rep(1)))
    win._draw_pelvis(_snap(16.5, "bottom_pause", tilt=-45.0))
    assert text.toPlainText() == "+2.0°" and "rep 1 at lockout" in win.tilt_plot.plotItem.titleLabel.text


def test_window_cues_every_tempo_miss_with_its_rep(qtbot):
    win = _window(qtbot)
    rep = _rep(1)
    from dataclasses import replace

    rep = replace(rep, cues=("Pause longer at the top: 0.4 s, target 2 s.",))
    win.on_event(RepCompleted(20.0, rep))
    assert win.banner.text() == "Rep 1: Pause longer at the top: 0.4 s, target 2 s."
    assert win.cues_shown == [(1, rep.cues[0])]


def test_window_rest_timer_and_last_set_summary_between_sets(qtbot):
    """Set end → rest timer from the last rep's lowering end and the summary on the banner; the next set's lift
    ends the rest; its SetStarted starts a fresh rep list (multi-set sessions: the analyzer ends a set after a
    rest)."""
    win = _window(qtbot)
    reps = (_rep(1, mcv=0.4), _rep(2, mcv=0.38))
    for r in reps:
        win.on_event(RepCompleted(r.end_s, r))
    report = SetReport("hip_thrust", "pelvis", TEMPO, reps, velocity_loss_pct=5.0)
    win.on_event(SetEnded(40.0, report, "rest", 0.0))
    assert win.banner.text().startswith("Set 1 done: 2 reps · 0 faults") and "speed loss 5 %" in win.banner.text()
    win.draw(_snap(91.0, None))  # rep 2's lowering ended at 26 s
    assert win.phase_label.text() == "REST 1:05"
    win._snap = _snap(106.0, None)
    win.on_event(PhaseChanged(106.0, "concentric", 105.9, 1))
    win.draw(_snap(106.5, "concentric"))
    assert win.phase_label.text().startswith("LIFT")
    win.on_event(SetStarted(112.0, 105.9))
    assert win.reps == []
    win.on_event(RepCompleted(113.0, _rep(1, t0=105.9)))
    win.on_event(SetEnded(200.0, SetReport("hip_thrust", "pelvis", TEMPO, (_rep(1, t0=105.9),)), "user", 105.0))
    assert win.sets_done == 2 and win.banner.text().startswith("Set 2 done: 1 reps")
    assert win.banner.text().endswith("space for the next set")


def test_window_band_walk_counts_steps_per_side(qtbot):
    win = _window(qtbot, "lateral_band_walk", tempo=None)
    assert win.rep_unit.text() == "STEPS" and win.tempo_label.text() == "" and not win.gauges.isVisibleTo(win)
    assert not win.head.phase_key.isVisibleTo(win)  # no phase count on a walk: no key to it
    assert "Get into position" not in win.banner.text()
    steps = (Step(1, 5.0, "left", 0.3), Step(2, 6.2, "left", 0.32), Step(3, 7.4, "right", 0.31))
    win.on_event(StepsUpdated(8.0, steps))
    win.draw(_snap(8.0, "eccentric"))  # the live phase tracker's phases are no band-walk information
    assert win.rep_label.text() == "3" and win.phase_label.text() == "← 2 · 1 →  last: right"
    assert win.speed_label.text() == "cadence 50 steps/min"  # 2 intervals over 2.4 s
    assert win.banner.text() == "Step 3: right"
    assert win.legend_entries == ["step left", "step right"]


def test_window_replays_the_band_walk_demo_to_its_steps(qtbot):
    rec = read_recording(DEMO_DIR / "lateral-band-walk.csv")
    session = Session(ArraySource(rec.streams, speed=math.inf), rec.meta.exercise, None, rec.meta.side)
    win = LiveWindow(session, "test", replay=True)
    qtbot.addWidget(win)
    win.show()
    session.start()
    qtbot.waitUntil(lambda: win.finished, timeout=90_000)
    assert session.error is None and len(win.last_report.steps) == 12
    assert win.rep_label.text() == "12" and win.banner.text().startswith("Set 1 done: 12 steps (left 6 · right 6)")
    win.close()


def test_window_names_the_recognised_exercise_and_keeps_the_rest_until_the_next_set(qtbot):
    """No exercise given: the label says it comes at rep 3, then names it (the views follow: a band walk counts
    steps); between sets the rest runs until the next set starts, whatever the tracker sees meanwhile."""
    rec = read_recording(DEMO_DIR / "hip-thrust.csv")
    win = LiveWindow(Session(ArraySource(rec.streams), None, TEMPO, None, auto_end_rest_s=30.0), "test")
    qtbot.addWidget(win)
    assert win.exercise_label.text() == "exercise: recognised at rep 3" and win.rep_unit.text() == "REPS"
    win.on_event(ExerciseRecognised(30.0, "glute_bridge", 0.82))
    assert win.exercise_label.text() == "GLUTE BRIDGE · recognised 82 %"
    assert win.banner.text() == "Recognised: glute bridge (82 %)"
    reps = (_rep(1), _rep(2), _rep(3))
    win.on_event(SetStarted(30.0, reps[0].start_s))
    for r in reps:
        win.on_event(RepCompleted(30.0, r))
    report = SetReport("glute_bridge", "pelvis", TEMPO, reps)
    win.on_event(SetEnded(60.0, report, "rest", 5.0, 45.0, "recognised", 0.82))
    assert win.banner.text().endswith("glute bridge (recognised 82 %)")
    assert win.exercise_label.text() == "exercise: recognised at rep 3"  # the next set is recognised afresh
    win._snap = _snap(70.0, None)
    win.on_event(PhaseChanged(70.0, "concentric", 69.5, 1))  # a stride on the way to the next station
    win.draw(_snap(72.0, "concentric"))
    assert win.phase_label.text() == "REST 0:36"  # from rep 3's lowering end (36 s)
    win.on_event(ExerciseRecognised(95.0, "lateral_band_walk", 0.6))
    assert win.rep_unit.text() == "STEPS" and not win.gauges.isVisibleTo(win)
    assert win.exercise_label.text() == "LATERAL BAND WALK · recognised 60 %"
    win.on_event(SetStarted(96.0, 90.0))
    win.on_event(StepsUpdated(96.0, (Step(1, 90.0, "left", 0.3),)))
    win.draw(_snap(96.5, None))
    assert win.rep_label.text() == "1" and win.phase_label.text().startswith("← 1 · 0 →")


# ------------------------------------------------------------------------------------------------ bench-readable


def _readouts(win):
    head = [win.rep_label, win.rep_unit, win.phase_label, win.head.phase_key, win.exercise_label, win.side_label,
            win.speed_label, win.loss_label, win.tut_label, win.tempo_label]
    return head


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)])
def test_no_readout_is_clipped_and_the_cue_and_phase_are_largest_after_the_rep(qtbot, tmp_path, size):
    """The window at a laptop's and a monitor's size, mid-set on a single-leg thrust with a long fault cue and a
    pause held past its target: every read-out's text fits its label (QFontMetrics against its geometry), and
    the sizes go rep number > phase box, cue banner > everything else."""
    from dataclasses import replace

    from PySide6 import QtCore, QtGui

    rec = read_recording(DEMO_DIR / "single-leg-hip-thrust.csv")
    win = LiveWindow(Session(ArraySource(rec.streams), "single_leg_hip_thrust", TEMPO, "right"), "test")
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    rep = replace(_rep(12, mcv=0.31), faults=("rushed_eccentric",), cues=(
        "Slow the lowering: 1.2 s, target 3 s — control it all the way down.",
        "Keep the hips level: the left side dropped 6.1°."))
    win.on_event(RepCompleted(90.0, rep))
    win.on_event(RepCompleted(95.0, replace(_rep(13, mcv=0.25), index=13)))
    win.on_event(RepCompleted(96.0, rep))
    win.draw(_snap(100.0, "bottom_pause"))  # 2.6 s into a 1-s bottom pause: past its target
    qtbot.wait(50)
    win.grab().save(str(tmp_path / f"window-{size[0]}.png"))
    assert win.phase_label.text() == "BOTTOM 2.6 · 1 → LIFT" and win.head.phase_key.isVisibleTo(win)
    for label in _readouts(win):
        wide = QtGui.QFontMetrics(label.font()).horizontalAdvance(label.text())
        assert wide <= label.contentsRect().width(), (label.text(), wide, label.contentsRect().width())
        assert QtGui.QFontMetrics(label.font()).height() <= label.contentsRect().height() + 2, label.text()
    pad = win.banner.PAD_PX
    room = win.banner.contentsRect().adjusted(pad, pad, -pad, -pad)
    f = QtGui.QFont(win.banner.font())
    f.setPixelSize(win.banner.px)
    f.setBold(True)
    need = QtGui.QFontMetrics(f).boundingRect(room, int(QtCore.Qt.TextFlag.TextWordWrap), win.banner.text())
    assert need.height() <= room.height() + 2 and need.width() <= room.width()
    px = {w: w.font().pixelSize() for w in _readouts(win)}
    banner_px, phase_px = win.banner.px, px[win.phase_label]
    assert px[win.rep_label] > phase_px and px[win.rep_label] > banner_px
    others = [p for w, p in px.items() if w not in (win.rep_label, win.phase_label)]
    assert min(banner_px, phase_px) > max(others)
    if size == (1920, 1080):
        assert banner_px >= 40 and phase_px >= 80 and px[win.speed_label] >= 30
    assert win.exercise_label.text() == "SINGLE LEG HIP THRUST · given"


def test_f_toggles_full_screen(qtbot):
    from PySide6 import QtCore

    win = _window(qtbot)
    win.show()
    qtbot.keyClick(win, QtCore.Qt.Key.Key_F)
    assert win.isFullScreen()
    qtbot.keyClick(win, QtCore.Qt.Key.Key_F)
    assert not win.isFullScreen()


def test_gauges_only_for_the_sensor_and_exercise_they_apply_to():
    from ui.live_readout import gauges_for

    both = ["pelvis", "thigh_left"]
    assert gauges_for("single_leg_hip_thrust", both) == ("tilt", "drop")
    assert gauges_for("glute_bridge", ["pelvis"]) == ("tilt", "drop")
    assert gauges_for("clamshell", both) == () and gauges_for("seated_hip_abduction", both) == ()
    assert gauges_for("lateral_band_walk", both) == ()
    assert gauges_for("hip_thrust", ["thigh_left"]) == ()  # no pelvis sensor: nothing to read tilt from
    assert gauges_for(None, both) == ()  # not yet recognised


def test_window_hides_the_gauges_on_a_clamshell_with_a_pelvis_sensor(qtbot):
    rec = read_recording(DEMO_DIR / "single-leg-hip-thrust.csv")  # pelvis + thigh
    win = LiveWindow(Session(ArraySource(rec.streams), None, TEMPO, None), "test")
    qtbot.addWidget(win)
    win.show()
    assert not win.gauges.isVisibleTo(win)  # not known yet
    win.on_event(ExerciseRecognised(30.0, "clamshell", 0.9))
    assert not win.gauges.isVisibleTo(win)
    win.on_event(ExerciseRecognised(30.0, "single_leg_hip_thrust", 0.9))
    assert win.gauges.isVisibleTo(win) and win.tilt_plot.isVisibleTo(win)


def test_window_with_sound_speaks_the_count_and_says_honestly_whether_it_plays(qtbot):
    from ui.speech import EspeakVoice, audio_output

    rec = read_recording(DEMO_DIR / "hip-thrust.csv")
    win = LiveWindow(Session(ArraySource(rec.streams), "hip_thrust", TEMPO, None), "test", sound=True)
    qtbot.addWidget(win)
    if isinstance(audio_output(), str):
        assert not win.sound.status.startswith("sound on")
    win._snap, win._snap_wall = _snap(10.0, None), 0.0  # a stale snapshot: the clock stays at 10 s + 0.1 s
    win.sound.on_event(PhaseChanged(10.0, "eccentric", 9.0, 1))
    win.tick()
    if EspeakVoice().available:
        assert win.sound.played == ["down", "two"]  # 1.1 s into the lowering: its word, then second two
    win._draw_status(_snap(10.0, None))
    assert win.sound.status in win.status.currentMessage()


def test_a_gauge_caption_names_the_rep_its_value_belongs_to():
    """Never an older rep's value after a newer one is counted: the newest rep's own value, or nothing (saying
    it was not measured) when it has none; held from the top only while that top's rep is not announced."""
    hold = LockoutHold()
    assert hold.update("bottom_pause", None, 5, 2.0) == 2.0 and hold.label() == "rep 5 at lockout"
    assert hold.update("bottom_pause", None, 7, None) is None and hold.empty_text() == "rep 7: not measured"
    assert hold.update("top_pause", 4.0, 7, None) == 4.0 and hold.label() == "now, at the top"
    assert hold.update("eccentric", -30.0, 7, None) == 4.0 and hold.label() == "held from the top"
    assert hold.update("eccentric", -30.0, 8, 3.5) == 3.5 and hold.label() == "rep 8 at lockout"  # announced
    assert hold.update("concentric", -10.0, 8, 3.5) == 3.5 and hold.label() == "rep 8 at lockout"


def test_window_gauge_caption_follows_the_count_within_one_frame(qtbot):
    """Rep 7 counted a few ms after the gauges drew rep 5 (fast replay, a screenshot): the next frame's caption
    is rep 7's, not rep 5's (the 10 Hz gauge refresh is not waited for)."""
    win = _window(qtbot)
    win.show()
    for k in range(1, 6):
        win.on_event(RepCompleted(10.0 * k + 7, _rep(k)))
    win.draw(_snap(57.5, "bottom_pause"))
    assert "rep 5 at lockout" in win.tilt_plot.plotItem.titleLabel.text
    win.on_event(RepCompleted(67.0, _rep(6)))
    win.on_event(RepCompleted(77.0, _rep(7)))
    win.draw(_snap(77.5, "bottom_pause"))
    assert win.rep_label.text() == "7" and "rep 7 at lockout" in win.tilt_plot.plotItem.titleLabel.text


def test_window_gauges_start_empty_on_the_next_set(qtbot):
    win = _window(qtbot)
    win.show()
    win.on_event(RepCompleted(17.0, _rep(1)))
    win.draw(_snap(17.5, "bottom_pause"))
    report = SetReport("hip_thrust", "pelvis", TEMPO, (_rep(1),))
    win.on_event(SetEnded(30.0, report, "rest", 10.0, 17.0))
    win.on_event(SetStarted(90.0, 90.0))
    win.draw(_snap(91.0, "concentric"))
    assert "at the first lockout" in win.tilt_plot.plotItem.titleLabel.text
