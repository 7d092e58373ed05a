"""The live path without a given exercise: a simulated workout through the streaming analyzer recognises each set
at its first reps, ends each set at its rest, and ends it exactly as `repscope analyze` reads the recording the
live session writes (its set marks); `live --session` end to end."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from analysis.pipeline import ImuSeries
from analysis.session import analyze_session
from analysis.streaming import (
    RECOGNISE_AFTER_REPS,
    ExerciseRecognised,
    RepCompleted,
    SetEnded,
    SetStarted,
    stream_series,
)
from sensors.recording import Event
from sensors.simulation import SimConfig
from sensors.simulation import SessionConfig, simulate_session
from tests.conftest import REPO

RATE = 52.0


@pytest.fixture(scope="module")
def workout():
    kw = {"placements": ("pelvis",), "rates_hz": (RATE,)}
    sets = (SimConfig(exercise="hip_thrust", reps=5, **kw),
            SimConfig(exercise="single_leg_hip_thrust", reps=5, side="left", **kw),
            SimConfig(exercise="glute_bridge", reps=4, **kw))
    sim = simulate_session(SessionConfig(sets, ("pelvis",), (RATE,), rest_s=(40.0, 50.0)), 5)
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in sim.streams]
    _, events = stream_series(series, None, batch_s=0.1, auto_end_rest_s=30.0)
    return sim, series, events


def _sets(events) -> list[SetEnded]:
    return [e for e in events if isinstance(e, SetEnded) and (e.report.reps or e.report.steps)]


def _marks(ended: list[SetEnded]) -> list[Event]:
    """The set events `live`/`record` write for these sets."""
    return [m for e in ended for m in (Event("set_start", None, e.start_s), Event("set_end", None, e.end_s))]


def test_each_set_is_recognised_and_ends_as_analyze_reads_the_recording(workout):
    sim, series, events = workout
    truth = sim.truth["sets"]
    ended = _sets(events)
    assert [(e.report.exercise, len(e.report.reps)) for e in ended] == [(t["exercise"], t["rep_count"]) for t in truth]
    assert all(e.reason == "rest" for e in ended[:-1])  # each set ended by itself, at the rest after it
    # the recording with the marks the live session wrote, analysed as `repscope analyze` does
    offline = analyze_session(series, events=_marks(ended)).sets
    assert len(offline) == len(ended)
    for e, s in zip(ended, offline):
        assert e.report.reps == s.report.reps  # exact, every metric
        assert (e.report.exercise, e.exercise_source) == (s.exercise, s.exercise_source) == (s.exercise, "recognised")
        assert e.exercise_confidence == pytest.approx(s.exercise_confidence, abs=0.02)
        assert (s.start_s, s.end_s) == (e.report.reps[0].start_s, e.report.reps[-1].phase("eccentric").end_s)


def test_recognised_at_the_first_reps_then_announced_as_they_end(workout):
    sim, _, events = workout
    truth = sim.truth["sets"]
    bounds = [-1.0] + [e.t_s for e in _sets(events)]
    for k, t in enumerate(truth):
        mine = [e for e in events if bounds[k] < e.t_s <= bounds[k + 1]]
        early = [e for e in mine if isinstance(e, ExerciseRecognised) and not e.final]
        final = [e for e in mine if isinstance(e, ExerciseRecognised) and e.final]
        # each set afresh: one early verdict, before any rep is announced, the final one with the set's end
        assert len(early) == 1 and len(final) == 1 and final[0].exercise == t["exercise"]
        first_rep = next(e for e in mine if isinstance(e, RepCompleted))
        started = next(e for e in mine if isinstance(e, SetStarted))
        assert mine.index(early[0]) < mine.index(started) < mine.index(first_rep)
        # recognised as the third lowering ends (the reps it needs; the live end may lead the truth a little), before
        # the fourth ends
        lowering_end = [r["phases"][2]["end_s"] for r in t["reps"]]
        assert lowering_end[RECOGNISE_AFTER_REPS - 1] - 0.2 <= early[0].t_s < lowering_end[RECOGNISE_AFTER_REPS] + 0.5
        # after that, each rep is announced within half a second of its lowering's end
        for e in mine:
            if isinstance(e, RepCompleted) and e.rep.index > RECOGNISE_AFTER_REPS and e.t_s > early[0].t_s:
                assert e.t_s - e.rep.phase("eccentric").end_s < 0.5


def test_a_given_exercise_is_used_for_every_set(workout):
    _, series, _ = workout
    _, events = stream_series(series, "hip_thrust", batch_s=0.1, auto_end_rest_s=30.0)
    ended = _sets(events)
    assert not any(isinstance(e, ExerciseRecognised) for e in events)
    assert all(e.report.exercise == "hip_thrust" and e.exercise_source == "given" for e in ended)
    truth = workout[0].truth["sets"]
    assert [len(e.report.reps) for e in ended] == [t["rep_count"] for t in truth]  # no walk read as a set
    offline = analyze_session(series, "hip_thrust", events=_marks(ended)).sets
    assert [e.report.reps for e in ended] == [s.report.reps for s in offline]


def _run(*args, timeout=600):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=REPO, capture_output=True, text=True,
                          env=env, timeout=timeout, check=False)


def _set_blocks(text: str) -> list[str]:
    """The per-set lines of a session table (the first line names the source; notes differ)."""
    return [ln for ln in text.strip().splitlines()[1:] if not ln.startswith(("note:", "recorded to"))]


def test_live_workout_without_exercise_prints_what_analyze_reads_from_its_recording(tmp_path):
    out, shot = tmp_path / "workout.csv", tmp_path / "rest.png"
    r = _run("live", "--session", "hip_thrust,glute_bridge", "--reps", "4", "--rest", "40", "45", "--rate", "52",
             "--seed", "1", "--speed", "inf", "--exit-at-end", "--record", str(out), "--screenshot", str(shot),
             "--no-history")
    assert r.returncode == 0, r.stderr
    assert "2 sets" in r.stdout and "hip_thrust (recognised" in r.stdout and "glute_bridge (recognised" in r.stdout
    a = _run("analyze", str(out))
    assert a.returncode == 0, a.stderr
    assert _set_blocks(r.stdout) == _set_blocks(a.stdout)
    assert shot.stat().st_size > 10_000


def test_a_thigh_led_set_with_a_still_pelvis_is_found_live_with_two_sensors():
    """Pelvis belt + thigh strap: a clamshell (only the thigh moves) is a set live as in `analyze`, never a rest."""
    both = ("pelvis", "thigh_left")
    kw = {"placements": both, "rates_hz": (RATE, RATE)}
    sets = (SimConfig(exercise="hip_thrust", reps=4, **kw), SimConfig(exercise="clamshell", reps=5, **kw))
    sim = simulate_session(SessionConfig(sets, both, (RATE, RATE), rest_s=(40.0, 45.0)), 3)
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in sim.streams]
    _, events = stream_series(series, None, batch_s=0.1, auto_end_rest_s=30.0)
    ended = _sets(events)
    truth = sim.truth["sets"]
    assert [(e.report.exercise, len(e.report.reps)) for e in ended] == [(t["exercise"], t["rep_count"]) for t in truth]
    offline = analyze_session(series, events=_marks(ended)).sets
    assert [(s.exercise, s.report.reps) for s in offline] == [(e.report.exercise, e.report.reps) for e in ended]
