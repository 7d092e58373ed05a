"""Live window and replay: pytest-qt on the offscreen platform, and the CLI end to end."""
from __future__ import annotations

import math
import os
import subprocess
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from analysis.pipeline import ImuSeries, analyze_set  # noqa: E402
from analysis.tempo import parse_tempo  # noqa: E402
from sensors.recording import read_recording  # noqa: E402
from sensors.simulation import SimConfig, simulate_set  # noqa: E402
from sensors.source import ArraySource, VirtualSensorSource  # noqa: E402
from tests.conftest import DEMO_DIR, REPO, run_while_polling  # noqa: E402

pytest.importorskip("pytestqt")
from ui.live_window import LiveWindow  # noqa: E402
from ui.session import Session  # noqa: E402

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def _offline(path):
    rec = read_recording(path)
    tempo = parse_tempo(rec.meta.tempo) if rec.meta.tempo else None
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in rec.streams]
    return rec, tempo, analyze_set(series, rec.meta.exercise, tempo, rec.meta.side)


@pytest.mark.parametrize("demo", ["hip-thrust", "single-leg-hip-thrust"])
def test_window_replays_a_demo_to_the_same_result_as_analyze(qtbot, demo):
    rec, tempo, offline = _offline(DEMO_DIR / f"{demo}.csv")
    session = Session(ArraySource(rec.streams, speed=math.inf), rec.meta.exercise, tempo, rec.meta.side)
    win = LiveWindow(session, "test", replay=True)
    qtbot.addWidget(win)
    win.show()
    session.start()
    qtbot.waitUntil(lambda: win.finished, timeout=90_000)
    assert session.error is None
    assert win.last_report.reps == offline.reps
    assert win.rep_label.text() == str(len(offline.reps)) and win.rep_unit.text() == "REPS"
    assert win.banner.text().startswith(f"Set 1 done: {len(offline.reps)} reps")
    # every cue analyze gives was shown on the banner, for the same rep
    expected = [(r.index, c) for r in offline.reps for c in r.cues]
    assert expected and win.cues_shown == expected
    assert win.frames > 0
    win.close()


def test_keys_end_the_set_and_toggle_recording(qtbot, tmp_path):
    from PySide6 import QtCore

    sim = simulate_set(SimConfig(reps=3, fidget=False), 5)
    session = Session(
        VirtualSensorSource(sim, speed=20.0), "hip_thrust", parse_tempo("3-1-1-1"), recordings_dir=tmp_path
    )
    win = LiveWindow(session, "test")
    qtbot.addWidget(win)
    win.show()
    session.start()
    qtbot.keyClick(win, QtCore.Qt.Key.Key_R)
    qtbot.waitUntil(lambda: win._snap is not None and win._snap.recording is not None, timeout=20_000)
    qtbot.waitUntil(lambda: len(win.reps) >= 2, timeout=60_000)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Space)  # end the set by hand
    qtbot.waitUntil(lambda: win.last_report is not None, timeout=20_000)
    assert win.banner.text().startswith("Set 1 done:") and win.banner.text().endswith("space for the next set")
    assert len(win.last_report.reps) >= 2
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Q)
    qtbot.waitUntil(lambda: session.finished, timeout=10_000)
    files = list(tmp_path.glob("*.csv"))
    assert len(files) == 1
    rec = read_recording(files[0])
    assert rec.meta.exercise == "hip_thrust" and len(rec.streams[0].t_s) > 500


def _run(*args, timeout=180):
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", *args], cwd=REPO, env=ENV, capture_output=True, text=True, timeout=timeout
    )


def test_replay_cli_prints_the_analyze_table_and_saves_a_screenshot(tmp_path):
    demo = str(DEMO_DIR / "glute-bridge.csv")
    shot = tmp_path / "replay.png"
    r = _run("replay", demo, "--speed", "max", "--exit-at-end", "--screenshot", str(shot))
    assert r.returncode == 0, r.stderr
    a = _run("analyze", demo)
    assert r.stdout == a.stdout
    assert shot.stat().st_size > 10_000
    assert "Traceback" not in r.stderr


def test_live_simulated_set_records_a_file_analyze_reads(tmp_path):
    out = tmp_path / "live.csv"
    r = _run("live", "--simulate", "hip_thrust", "--reps", "3", "--no-fidget", "--speed", "30", "--exit-at-end",
             "--record", str(out))
    assert r.returncode == 0, r.stderr
    assert "3 reps" in r.stdout
    a = _run("analyze", str(out), "--json")
    assert a.returncode == 0, a.stderr
    assert '"rep_count": 3' in a.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["replay", "missing.csv"], "missing.csv"),
        (["live", "--simulate", "hip_thrust", "--tempo", "3-1-1"], "--tempo"),
        (["replay", str(DEMO_DIR / "hip-thrust.csv"), "--tempo", "fast"], "--tempo"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, message):
    r = _run(*args, timeout=60)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr


@pytest.fixture(scope="module")
def four_rep_set():
    sim = simulate_set(SimConfig(reps=4, rates_hz=(50.0,), fidget=False), 12)
    return sim, [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in sim.streams]


@pytest.mark.parametrize("batch_s", [0.04, 0.3, 1.1])
def test_window_rep_list_follows_the_analyzer_for_any_batch_timing(qtbot, four_rep_set, batch_s):
    """`RepsRevised` carries the new rep and `RepCompleted` announces it too: the window counts it once, whether
    it draws after every batch or only after several (a slow frame)."""
    from analysis.streaming import SetEnded, StreamingAnalyzer, batches_in_time_order

    sim, series = four_rep_set
    sa = StreamingAnalyzer("hip_thrust", {"pelvis": 50.0})
    pushes = []  # (events of one push, the analyzer's list after it)
    for placement, t, a, g in batches_in_time_order(series, batch_s):
        pushes.append((sa.push(placement, t, a, g), list(sa.reps)))
    final = sa.end_set("stream end")
    report = next(e for e in final if isinstance(e, SetEnded)).report
    assert len(report.reps) == 4
    for frame_every in (1, 5):
        win = LiveWindow(Session(VirtualSensorSource(sim), "hip_thrust"), "test")
        qtbot.addWidget(win)
        most = 0
        for k in range(0, len(pushes), frame_every):
            group = pushes[k:k + frame_every]
            for events, _ in group:
                for e in events:
                    win.on_event(e)
            current = group[-1][1]
            assert len(win.reps) <= len(current)
            assert win.reps == current
            most = max(most, len(win.reps))
        for e in final:
            win.on_event(e)
        assert most >= 3 and win.reps == list(report.reps)
        win.bars.draw(win.reps, ())
        ticks = [label for _, label in win.tempo_plot.getAxis("bottom")._tickLevels[0]]
        assert ticks == [f"#{k}" for k in range(1, 5)]


SLHT = DEMO_DIR / "single-leg-hip-thrust.csv"


def test_scrubbing_a_replay_still_ends_on_the_analyze_result(qtbot):
    """→ (next rep) restarts the causal analysis from the file's start (as the slider does): once the replay
    reaches the end, the window shows exactly what `analyze` says (same reps, same tilt reference)."""
    from PySide6 import QtCore

    rec, tempo, offline = _offline(SLHT)
    assert offline.tilt_reference == "standing" and len(offline.reps) == 8
    session = Session(ArraySource(rec.streams, speed=12.0), rec.meta.exercise, tempo, rec.meta.side)
    win = LiveWindow(session, "test", replay=True)
    win.rep_starts = list(offline.reps)
    qtbot.addWidget(win)
    win.show()
    session.start()
    qtbot.waitUntil(lambda: win._snap is not None and win._snap.t_s > offline.reps[1].start_s, timeout=20_000)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_Right)
    qtbot.keyClick(win, QtCore.Qt.Key.Key_M)
    qtbot.waitUntil(lambda: win.finished, timeout=30_000)
    assert session.error is None
    assert win.last_report.tilt_reference == "standing"
    assert win.last_report.reps == offline.reps
    assert win.rep_label.text() == "8"
    win.close()


def test_replay_prints_the_analyze_table_after_scrubbing_and_quitting_early(qtbot, capsys):
    """The CLI in-process: →, a speed key, the slider, then q before the end; the table printed is `analyze`'s."""
    from PySide6 import QtCore, QtWidgets

    from ui.cli import main

    assert main(["analyze", str(SLHT)]) == 0
    expected = capsys.readouterr().out
    done: list[str] = []
    deadline = QtCore.QDeadlineTimer(25_000)

    def drive() -> None:
        wins = [w for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, LiveWindow) and w.isVisible()]
        if not wins:
            return
        win = wins[0]
        t = win._snap.t_s if win._snap is not None else -math.inf
        if deadline.hasExpired():
            win.close()
        elif not done and t > 8.0:
            qtbot.keyClick(win, QtCore.Qt.Key.Key_Right)
            qtbot.keyClick(win, QtCore.Qt.Key.Key_4)
            done.append("jump")
        elif done == ["jump"] and t > 16.0:
            win.slider.setValue(200)
            win.slider.sliderReleased.emit()
            done.append("scrub")
        elif done == ["jump", "scrub"] and 12.0 < t < 40.0:
            qtbot.keyClick(win, QtCore.Qt.Key.Key_Q)
            done.append("quit")

    code = run_while_polling(drive, lambda: main(["replay", str(SLHT), "--speed", "2"]))
    assert done == ["jump", "scrub", "quit"]
    assert code == 0
    assert capsys.readouterr().out == expected


# ------------------------------------------------------------------------------------------------ always saved


def _live_env(tmp_path):
    return {**ENV, "XDG_DATA_HOME": str(tmp_path / "data"), "REPSCOPE_DB": str(tmp_path / "history.db")}


def test_live_saves_every_session_in_the_data_folder_and_says_where(tmp_path):
    env = _live_env(tmp_path)
    r = subprocess.run([sys.executable, "-m", "ui.cli", "live", "--simulate", "hip_thrust", "--reps", "3",
                        "--no-fidget", "--speed", "30", "--exit-at-end"], cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    files = list((tmp_path / "data" / "repscope" / "recordings").glob("*.csv"))
    assert len(files) == 1
    assert f"recorded to {files[0].resolve()}" in r.stdout
    h = subprocess.run([sys.executable, "-m", "ui.cli", "history", "--json"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=120)
    assert h.returncode == 0, h.stderr
    assert '"rep_count": 3' in h.stdout  # imported into the history when the session ended


def test_live_no_record_saves_nothing_and_says_so(tmp_path):
    r = subprocess.run([sys.executable, "-m", "ui.cli", "live", "--simulate", "hip_thrust", "--reps", "3",
                        "--no-fidget", "--speed", "max", "--exit-at-end", "--no-record"], cwd=REPO,
                       env=_live_env(tmp_path), capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    assert not (tmp_path / "data").exists()
    assert "not recorded (--no-record)" in r.stdout


def _start_live(tmp_path, out, speed="8"):
    """`live --simulate` in a subprocess, returned once its recording holds samples."""
    import time

    p = subprocess.Popen([sys.executable, "-m", "ui.cli", "live", "--simulate", "hip_thrust", "--reps", "10",
                          "--speed", speed, "--record", str(out), "--no-history"], cwd=REPO,
                         env=_live_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while (not out.exists() or out.stat().st_size < 60_000) and time.monotonic() < deadline:
        time.sleep(0.1)
        assert p.poll() is None, p.communicate()
    return p


def test_killed_live_leaves_a_readable_recording(tmp_path):
    import signal

    out = tmp_path / "killed.csv"
    p = _start_live(tmp_path, out)
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=30)
    rec = read_recording(out)
    assert rec.streams and len(rec.streams[0].t_s) > 200


def test_ctrl_c_ends_live_cleanly_with_the_recording_kept(tmp_path):
    import signal

    out = tmp_path / "interrupted.csv"
    p = _start_live(tmp_path, out)
    p.send_signal(signal.SIGINT)
    stdout, stderr = p.communicate(timeout=120)
    assert p.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert f"recorded to {out.resolve()}" in stdout
    assert len(read_recording(out).streams[0].t_s) > 200


def test_interrupted_end_is_before_the_rep_in_progress():
    from analysis.results import Phase, Rep
    from ui.session import interrupted_end_s

    phases = [("concentric", 10.0), ("top_pause", 11.0), ("eccentric", 12.0), ("bottom_pause", 15.0),
              ("concentric", 16.0), ("top_pause", 17.0), ("eccentric", 18.0)]
    assert interrupted_end_s(phases[-1], phases, None, 19.5) == 16.0  # mid-lowering: before its lift
    assert interrupted_end_s(phases[3], phases[:4], None, 15.5) == 15.5  # at the bottom: the set is whole
    assert interrupted_end_s(None, (), None, 3.0) == 3.0
    rep = Rep(index=1, start_s=10.0, end_s=16.2, phases=(Phase("concentric", 10.0, 11.0),
              Phase("top_pause", 11.0, 12.0), Phase("eccentric", 12.0, 16.2)), rom_deg=20.0, peak_speed_dps=50.0)
    assert interrupted_end_s(phases[-1], phases, rep, 19.5) == 16.2  # never before an announced rep's end


def test_quitting_mid_lowering_stores_no_half_rep(tmp_path):
    """q in the middle of a lowering: the set ends at its last whole rep, in what is printed and in the recording
    the history reads (no half rep as a `rushed_eccentric`)."""
    import time

    from ui.history.importer import sets_of

    sim = simulate_set(SimConfig(reps=8, rates_hz=(100.0,), fidget=False), 5)
    out = tmp_path / "quit.csv"
    session = Session(VirtualSensorSource(sim, speed=6.0), "hip_thrust", parse_tempo("3-1-1-2"), record_path=out)
    session.start()
    deadline = time.monotonic() + 120
    snap = None
    while time.monotonic() < deadline:
        _, _, s = session.poll()
        snap = s or snap
        if (snap is not None and len(snap.reps) >= 3 and snap.live_phase is not None
                and snap.live_phase[0] == "eccentric" and snap.t_s - snap.live_phase[1] > 1.2):
            break
        time.sleep(0.01)
    else:
        pytest.fail("never mid-lowering after three reps")
    session.stop()
    ended = session.ended[-1]
    assert ended.reason == "quit"
    assert all("rushed_eccentric" not in r.faults for r in ended.report.reps)
    assert ended.end_s < snap.live_phase[1]
    _, stored = sets_of(str(out))
    assert [r.eccentric_s for r in stored[0].report.reps] == [r.eccentric_s for r in ended.report.reps]
    assert all("rushed_eccentric" not in r.faults for r in stored[0].report.reps)


def test_a_killed_live_is_recovered_into_the_history_by_the_next_command(tmp_path):
    """SIGKILL mid-set: the next command (here `history`) completes the recording as quitting would have (the
    rep in progress is no rep, the set marked), imports it and says so in one line; once only."""
    import json
    import signal
    import time

    env = _live_env(tmp_path)
    folder = tmp_path / "data" / "repscope" / "recordings"
    p = subprocess.Popen([sys.executable, "-m", "ui.cli", "live", "--simulate", "hip_thrust", "--reps", "10",
                          "--no-fidget", "--speed", "8"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        files = list(folder.glob("*.csv"))
        if files and files[0].stat().st_size > 450_000:  # ~30 s of samples: several reps
            break
        assert p.poll() is None, p.communicate()
        time.sleep(0.1)
    p.send_signal(signal.SIGKILL)
    p.communicate(timeout=30)
    assert list((folder / ".unfinished").glob("*.json"))  # the marker of the session that did not end
    h = subprocess.run([sys.executable, "-m", "ui.cli", "history", "--json"], cwd=REPO, env=env,
                       capture_output=True, text=True, timeout=180)
    assert h.returncode == 0, h.stderr
    assert f"recovered 1 session from a session that did not end: {files[0].resolve()}" in h.stderr
    sets = json.loads(h.stdout)["sessions"][0]["sets"]
    assert len(sets) == 1 and sets[0]["rep_count"] >= 3
    rec = read_recording(files[0])
    assert [e.kind for e in rec.events] == ["set_start", "set_end"]
    a = _run("analyze", str(files[0]), "--json")
    assert f'"rep_count": {sets[0]["rep_count"]}' in a.stdout  # the history holds what analyze reads
    assert not list((folder / ".unfinished").glob("*.json"))
    again = subprocess.run([sys.executable, "-m", "ui.cli", "history"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=120)
    assert "recovered" not in again.stderr and again.stdout.count("session 1 ") == 1


def test_completing_a_killed_recording_cuts_the_torn_line_and_the_rep_in_progress(tmp_path):
    """Killed 1.2 s into rep 5's 3-s lowering with half a line written: completed, the file reads without a
    warning, and its one set holds the four whole reps (no half rep as a `rushed_eccentric`)."""
    import numpy as np

    from sensors.batch import SampleBatch
    from sensors.recording import RecordingMeta, RecordingWriter
    from ui.history.importer import sets_of
    from ui.history.recovery import complete_recording

    sim = simulate_set(SimConfig(reps=8, rates_hz=(100.0,), fidget=False), 5)
    s = sim.streams[0]
    whole = analyze_set([ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads)], "hip_thrust",
                        parse_tempo("3-1-1-2"))
    cut = int(np.searchsorted(s.t_s, whole.reps[4].phase("eccentric").start_s + 1.2))
    out = tmp_path / "killed.csv"
    w = RecordingWriter(out, RecordingMeta(exercise="hip_thrust", tempo="3-1-1-2"), [s.info])
    w.write(SampleBatch(s.info.sensor_id, s.t_s[:cut], s.acc_mps2[:cut], s.gyr_rads[:cut]))
    w._file.write(f"{s.info.sensor_id},{s.t_s[cut]!r},0.12")  # the kill: half a line
    w._file.flush()
    assert complete_recording(out) == 1
    assert out.read_text().endswith("\n")
    _, stored = sets_of(str(out))
    reps = stored[0].report.reps
    assert len(reps) == 4 and all("rushed_eccentric" not in r.faults for r in reps)
    assert read_recording(out).events[-1].t_s < whole.reps[4].start_s + 0.5


def test_u_undoes_the_last_rep_live_and_the_history_drops_it_as_an_edit(qtbot, tmp_path):
    """`u` twice mid-set: the count drops by one each time at once, the status bar says which rep; later reps
    count on from there; the recording keeps the undos and the history shows those reps dropped as edits (the
    stored analysis keeps them)."""
    from PySide6 import QtCore

    from ui.history.db import open_history
    from ui.history.recovery import add_recordings
    from ui.history.store import load_sessions

    sim = simulate_set(SimConfig(reps=6, fidget=False), 5)
    out = tmp_path / "undo.csv"
    session = Session(VirtualSensorSource(sim, speed=12.0), "hip_thrust", parse_tempo("3-1-1-1"), record_path=out)
    win = LiveWindow(session, "test")
    qtbot.addWidget(win)
    win.show()
    session.start()
    qtbot.waitUntil(lambda: len(win.reps) >= 3, timeout=60_000)
    counted = len(win.reps)
    last, before = win.reps[-1].index, win.reps[-2].index
    qtbot.keyClick(win, QtCore.Qt.Key.Key_U)
    assert win.rep_label.text() == str(counted - 1)
    assert win.status.currentMessage().startswith(f"rep {last} undone (u again: the one before)")
    qtbot.keyClick(win, QtCore.Qt.Key.Key_U)
    assert win.rep_label.text() == str(counted - 2)
    assert win.status.currentMessage().startswith(f"rep {before} undone")
    qtbot.waitUntil(lambda: win.finished, timeout=60_000)
    assert len(win.last_report.reps) == 4 and win.rep_label.text() == "4"  # 6 reps, 2 undone
    assert win.banner.text().startswith("Set 1 done: 4 reps")
    win.close()
    qtbot.waitUntil(lambda: session.finished, timeout=10_000)
    assert [e.kind for e in read_recording(out).events].count("drop_rep") == 2
    db = tmp_path / "h.db"
    assert add_recordings([out], str(db), session.undone_s)
    with open_history(str(db)) as h:
        stored = load_sessions(h)[0].sets[0]
    assert len(stored.report.reps) == 4 and sorted(r.index for r in stored.dropped) == [before, last]
    assert any("dropped" in e for e in stored.edits)


@pytest.mark.parametrize("speed", [math.inf, 8.0])
def test_screenshot_at_shows_the_stream_at_that_time_whatever_the_speed(qtbot, tmp_path, speed):
    """`--screenshot-at 20` at `--speed max` landed seconds late (the grab waited for the next 50-ms check while
    the feed ran on): the feed now holds at S, the window draws it, then the grab; within one batch of S."""
    from sensors.source import BATCH_S
    from ui.app import run_window

    sim = simulate_set(SimConfig(reps=5, fidget=False), 5)
    session = Session(VirtualSensorSource(sim, speed=speed), "hip_thrust", parse_tempo("3-1-1-1"))
    shot = tmp_path / "at20.png"
    result = run_window(session, "test", screenshot=shot, screenshot_at_s=20.0, exit_at_end=True)
    assert shot.stat().st_size > 10_000
    assert 20.0 - BATCH_S <= result.screenshot_t_s <= 20.0
    assert result.last_report is not None and len(result.last_report.reps) == 5  # then the feed ran on to the end


def _recording_with_reps(path, seed, reps=4):
    from sensors.batch import SampleBatch
    from sensors.recording import RecordingMeta, RecordingWriter

    sim = simulate_set(SimConfig(reps=reps, rates_hz=(50.0,), fidget=False), seed)
    s = sim.streams[0]
    w = RecordingWriter(path, RecordingMeta(exercise="hip_thrust"), [s.info])
    w.write(SampleBatch(s.info.sensor_id, s.t_s, s.acc_mps2, s.gyr_rads))
    w.close()


def test_recovery_leaves_running_sessions_alone_and_imports_only_what_should_be(tmp_path):
    """A marker its session still holds is not touched; an unheld one is imported once; one of a session kept out
    of the history (`--no-history`) is completed but not imported; a recording already in the history is never
    changed."""
    import io
    import json

    from ui.history.db import open_history
    from ui.history.recovery import Unfinished, add_recordings, recover_unfinished
    from ui.history.store import load_sessions

    markers, db = tmp_path / "markers", str(tmp_path / "h.db")
    running, killed, private, done = (tmp_path / f"{n}.csv" for n in ("running", "killed", "private", "done"))
    for seed, p in enumerate((running, killed, private, done)):
        _recording_with_reps(p, seed)  # each its own content (the history knows a recording by its hash)
    held = Unfinished(markers, running)
    for p, history in ((killed, True), (private, False), (done, True)):
        (markers / f"{p.name}.1.json").write_text(json.dumps({"recording": str(p), "history": history}))
    assert add_recordings([done], db, [])
    done_bytes = done.read_bytes()
    err = io.StringIO()
    assert recover_unfinished(db, directory=markers, err=err) == 1, err.getvalue()
    assert err.getvalue().strip() == f"recovered 1 session from a session that did not end: {killed}"
    with open_history(db) as h:
        assert sorted(s.source for s in load_sessions(h)) == sorted([str(done), str(killed)])
    assert done.read_bytes() == done_bytes
    assert [e.kind for e in read_recording(private).events] == ["set_start", "set_end"]
    assert [p.name for p in markers.glob("*.json")] == [held.path.name]  # the running one's stays
    assert recover_unfinished(db, directory=markers, err=io.StringIO()) == 0
    held.done()
    assert not list(markers.glob("*.json"))


def test_issue_set_shows_the_right_count_and_phase_at_reps_1_2_and_7(qtbot):
    """Issue 27's done-when on `live --simulate hip_thrust --tempo 3-1-1-2 --seed 1`: held at the middle of rep 1's
    lift, top pause and lowering, rep 2's lift and lowering, and rep 7's lowering (times from the simulator's truth),
    the window shows the reps counted so far and the phase the lifter is in (on main before this round: 0 reps, the
    set-up banner and no phase until rep 3)."""
    from ui.cli import build_parser
    from ui.commands.live import _simulated

    args = build_parser("live").parse_args(
        ["live", "--simulate", "hip_thrust", "--tempo", "3-1-1-2", "--seed", "1", "--speed", "max", "--no-record"])
    source, exercise, tempo, side, _ = _simulated(args)
    reps = source.sim.truth["reps"]
    label = {"concentric": "LIFT", "top_pause": "HOLD", "eccentric": "LOWER"}
    checks = []
    for rep, phase in ((1, "concentric"), (1, "top_pause"), (1, "eccentric"), (2, "concentric"), (2, "eccentric"),
                       (7, "eccentric")):
        p = next(p for p in reps[rep - 1]["phases"] if p["name"] == phase)
        checks.append((0.5 * (p["start_s"] + p["end_s"]), str(rep - 1), label[phase]))
    session = Session(source, exercise, tempo, side)
    win = LiveWindow(session, "test")
    qtbot.addWidget(win)
    win.show()
    session.hold_at(checks[0][0])
    session.start()
    seen = []
    def held_at(t_s: float) -> bool:  # the window has drawn the snapshot held at t_s (not the previous hold's)
        win.tick()
        snap = win._snap
        return session.holding.is_set() and snap is not None and snap.held and t_s - 0.1 <= snap.t_s <= t_s

    for k, (t_s, _, _) in enumerate(checks):
        qtbot.waitUntil(lambda: held_at(t_s), timeout=120_000)  # noqa: B023 (called within the iteration)
        seen.append((t_s, win.rep_label.text(), win.phase_label.text().split(" ")[0]))
        if k + 1 < len(checks):
            session.hold_at(checks[k + 1][0])
        session.resume()
    assert [(c, p) for _, c, p in seen] == [(c, p) for _, c, p in checks], seen
    assert not win.banner.text().startswith("Get into position")
    session.stop()
    win.close()
