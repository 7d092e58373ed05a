"""Whole workouts: set detection, exercise recognition, the session analysis and its CLI output."""
from __future__ import annotations

import csv
import io
import json
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation as R

from analysis import recognition, session, set_detection
from analysis.pipeline import ImuSeries, read_movement
from analysis.session import analyze_session
from sensors.exercises import HIP_EXTENSION_LIFTS, exercise
from sensors.simulation import SimConfig, simulate_set
from sensors.simulation import SessionConfig, simulate_session
from ui.cli import main

G = 9.80665


# ------------------------------------------------------------------------------------------ set detection


def _walk_signal(rate_hz=100.0, seconds=20.0, step_hz=1.9, sway_axis=(1.0, 0.0, 0.0)):
    """Specific force of a walker in a sensor whose z is up: heel strikes on z, sway along `sway_axis`."""
    t = np.arange(0, seconds, 1 / rate_hz)
    acc = np.zeros((len(t), 3))
    acc[:, 2] = G + 3.0 * np.cos(2 * np.pi * step_hz * t)
    acc += np.outer(1.5 * np.sin(2 * np.pi * step_hz * t), sway_axis)
    return t, acc


def test_walking_is_found_and_a_bump_is_not():
    t, acc = _walk_signal()
    assert set_detection.walking_mask(t, acc).mean() > 0.9
    still = np.tile([0.0, 0.0, G], (len(t), 1))
    still[1000:1030, 2] += 8.0  # hips touching down hard, once
    assert not set_detection.walking_mask(t, still).any()


def test_sideways_stepping_is_not_walking():
    """Forward walking, then the same rhythm swaying across (a band walk), then walking again."""
    t1, a1 = _walk_signal(seconds=20)
    _, a2 = _walk_signal(seconds=10, sway_axis=(0.0, 1.0, 0.0))
    _, a3 = _walk_signal(seconds=20)
    acc = np.vstack([a1, a2, a3])
    t = np.arange(len(acc)) / 100.0
    mask = set_detection.walking_mask(t, acc)
    assert mask[:1500].mean() > 0.9 and mask[-1500:].mean() > 0.9
    assert mask[2250:2750].mean() == 0.0


def test_strides_of_a_walk_are_not_band_walk_steps():
    """A span's steps count towards a band walk only outside forward walking (a walk's last strides into
    kneeling down read as sideways bumps too)."""
    t = np.arange(1000) / 100.0
    walking = t < 6.0
    walks = session._Walks(t, walking)
    assert walks.not_walking([1.0, 2.5, 5.9]) == 0
    assert walks.not_walking([5.5, 6.5, 7.2, 9.99, 12.0]) == 4  # a time past the end reads the last sample


def test_long_stillness_cuts_the_recording_into_candidates():
    rate = 100.0
    t = np.arange(0, 60, 1 / rate)
    gyr = np.zeros((len(t), 3))
    acc = np.tile([0.0, 0.0, G], (len(t), 1))
    for a, b in ((5, 15), (35, 50)):  # two bouts of reps, 20 s of stillness between them
        m = (t >= a) & (t < b)
        gyr[m, 0] = 1.0 * np.sin(2 * np.pi * 0.3 * t[m])
    spans = set_detection.candidate_spans(t, acc, gyr)
    assert len(spans) == 2
    assert spans[0][0] < 5 < 15 < spans[0][1] < spans[1][0] < 35 < 50 < spans[1][1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.sampled_from(["set_start", "set_end", "gap"])), max_size=12))
def test_event_spans_are_ordered_and_inside_the_recording(marks):
    events = [SimpleNamespace(t_s=t, kind=k) for t, k in marks]
    spans = set_detection.event_spans(events, 100.0)
    for a, b in spans:
        assert 0 <= a < b <= 100.0
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    assert len(spans) <= sum(k == "set_start" for _, k in marks)


# ------------------------------------------------------------------------------------------ recognition

F = recognition.SetFeatures


@pytest.mark.parametrize("features, exercise", [
    (F(95.0, 50.0, 0.02, 0.01, None, 0.1), "hip_thrust"),
    (F(95.0, 50.0, 0.02, 0.01, None, 1.2), "single_leg_hip_thrust"),
    (F(120.0, 92.0, 0.02, 0.01, None, 0.1), "glute_bridge"),
    (F(88.0, 86.0, 0.97, 0.2, 0.05), "seated_hip_abduction"),
    (F(100.0, 95.0, 0.02, 0.75, 0.05), "clamshell"),
    (F(100.0, 95.0, 0.02, 0.2, 0.02), "clamshell"),  # thigh: across the walking swing axis
    (F(92.0, 130.0, 0.01, 0.02, 0.99), "hip_thrust"),  # thigh on a bench: horizontal at lockout
    (F(20.0, 5.0, 0.05, 0.1, None), "lateral_band_walk"),
])
def test_recognition_table(features, exercise):
    assert recognition.recognise(features).exercise == exercise


def test_recognition_does_not_depend_on_the_mounting():
    """The same set, the sensor strapped on two different ways: the same features (to numerical noise)."""
    features = []
    for mount in (R.identity(), R.from_euler("xyz", [70, -40, 155], degrees=True)):
        w, x, y, z = np.roll(mount.as_quat(), 1)
        cfg = SimConfig(exercise="clamshell", reps=5, placements=("thigh_left",), rates_hz=(100.0,),
                        mounting=((w, x, y, z),), fidget=False)
        s = simulate_set(cfg, 3).streams[0]
        series = ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads)
        reading = read_movement(series)
        up_ref = R.from_quat([x, y, z, w]).inv().apply([0.0, 0.0, 1.0])  # standing: earth up in the sensor frame
        features.append(recognition.set_features(reading, recognition.PostureReference(up_ref, None)))
    a, b = features
    assert abs(a.lockout_deg - b.lockout_deg) < 2.0
    assert abs(a.axis_long - b.axis_long) < 0.05
    assert recognition.recognise(a).exercise == recognition.recognise(b).exercise == "clamshell"


# ------------------------------------------------------------------------------------------ whole sessions


def _band_walk(**kw):
    return SimConfig(exercise="lateral_band_walk", reps=10, eccentric_s=0.45, bottom_pause_s=0.1,
                     concentric_s=0.45, top_pause_s=0.2, **kw)


@pytest.fixture(scope="module")
def pelvis_session():
    kw = dict(placements=("pelvis",), rates_hz=(52.0,))
    sets = (SimConfig(exercise="hip_thrust", reps=6, **kw), SimConfig(exercise="hip_thrust", reps=5, **kw),
            SimConfig(exercise="glute_bridge", reps=4, **kw), _band_walk(**kw))
    return simulate_session(SessionConfig(sets, ("pelvis",), (52.0,), rest_s=(30.0, 45.0)), 5)


def _found(sim, **kw):
    s = sim.streams[0]
    return analyze_session([ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads)], **kw)


def test_every_set_of_a_workout_is_found_recognised_and_counted(pelvis_session):
    truth = pelvis_session.truth["sets"]
    got = _found(pelvis_session).sets
    assert [s.exercise for s in got] == [t["exercise"] for t in truth]  # two sets of the same exercise in a row
    assert [len(s.report.reps) or len(s.report.steps) for s in got] == [t["rep_count"] or t["step_count"]
                                                                        for t in truth]
    for s, t in zip(got, truth):
        assert abs(s.start_s - t["start_s"]) < 0.5 and abs(s.end_s - t["end_s"]) < 1.0
        assert s.exercise_source == "recognised" and 0.5 <= s.exercise_confidence <= 1.0


def test_a_given_exercise_is_used_for_every_set(pelvis_session):
    got = _found(pelvis_session, exercise="hip_thrust").sets
    assert [s.exercise for s in got[:2]] == ["hip_thrust", "hip_thrust"]
    assert all(s.exercise_source == "given" for s in got)


def test_thigh_workout_is_recognised():
    kw = dict(placements=("thigh_right",), rates_hz=(100.0,))
    sets = (SimConfig(exercise="clamshell", reps=5, **kw), SimConfig(exercise="seated_hip_abduction", reps=6, **kw))
    sim = simulate_session(SessionConfig(sets, ("thigh_right",), (100.0,), rest_s=(30.0, 40.0)), 9)
    got = _found(sim).sets
    assert [(s.exercise, len(s.report.reps)) for s in got] == [("clamshell", 5), ("seated_hip_abduction", 6)]


@pytest.mark.parametrize("thigh, order, seed", [
    ("thigh_left", ("hip_thrust", "seated_hip_abduction", "single_leg_hip_thrust", "clamshell", "glute_bridge",
                    "lateral_band_walk"), 7),
    ("thigh_right", ("clamshell", "glute_bridge", "seated_hip_abduction", "lateral_band_walk",
                     "single_leg_hip_thrust", "hip_thrust"), 3),
])
def test_two_sensor_workout_finds_every_set_whichever_sensor_moves(thigh, order, seed):
    """A pelvis and a thigh sensor through every exercise: the thigh-led sets (the pelvis rests) are found, each
    set once, recognised, counted on the exercise's primary sensor."""
    placements, rates = ("pelvis", thigh), (52.0, 52.0)
    kw = dict(placements=placements, rates_hz=rates)
    sets = tuple(_band_walk(**kw) if ex == "lateral_band_walk" else
                 SimConfig(exercise=ex, reps=4, side="left" if ex == "single_leg_hip_thrust" else None, **kw)
                 for ex in order)
    sim = simulate_session(SessionConfig(sets, placements, rates, rest_s=(30.0, 40.0)), seed)
    got = analyze_session([ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in sim.streams]).sets
    truth = sim.truth["sets"]
    assert [(s.exercise, len(s.report.reps) or len(s.report.steps)) for s in got] == \
        [(t["exercise"], t["rep_count"] or t["step_count"]) for t in truth]
    for s, t in zip(got, truth):
        assert abs(s.start_s - t["start_s"]) < 0.5 and abs(s.end_s - t["end_s"]) < 1.0
        assert s.exercise_source == "recognised" and 0.5 <= s.exercise_confidence <= 1.0
        assert s.report.placement == ("pelvis" if exercise(s.exercise).primary == "pelvis" else thigh)


def test_sets_found_on_two_sensors_are_merged_into_one_span():
    spans = [(50.0, 80.0), (0.0, 10.0), (70.0, 95.0), (8.0, 20.0), (30.0, 40.0), (94.0, 100.0)]
    assert set_detection.merged_spans(spans) == [(0.0, 20.0), (30.0, 40.0), (50.0, 100.0)]
    assert set_detection.merged_spans([]) == []


Rec = recognition.Recognition


@pytest.mark.parametrize("pelvis, thigh, exercise", [
    (None, Rec("clamshell", 0.8, False), "clamshell"),  # the pelvis rests: too few reps on it
    (Rec("lateral_band_walk", 0.9, True), Rec("seated_hip_abduction", 0.95, False), "seated_hip_abduction"),  # seated
    (Rec("hip_thrust", 0.6, False), Rec("clamshell", 0.7, False), "clamshell"),  # the thigh names the movement
    (Rec("single_leg_hip_thrust", 0.7, False), Rec("hip_thrust", 0.6, False), "single_leg_hip_thrust"),  # pelvis:
    (Rec("glute_bridge", 0.9, False), Rec("hip_thrust", 0.55, False), "glute_bridge"),  # the lift
    (Rec("seated_hip_abduction", 0.6, False), Rec("glute_bridge", 0.9, False), "glute_bridge"),
    (Rec("hip_thrust", 0.7, False), None, "hip_thrust"),
    (Rec("lateral_band_walk", 0.9, True), Rec("lateral_band_walk", 0.6, True), "lateral_band_walk"),
])
def test_two_sensors_verdicts_combined(pelvis, thigh, exercise):
    got = recognition.combine(pelvis, thigh)
    assert got.exercise == exercise
    agree = pelvis is not None and thigh is not None and pelvis.exercise == thigh.exercise
    if agree:
        assert got.confidence == max(pelvis.confidence, thigh.confidence)
    assert recognition.combine(None, None) is None


@pytest.mark.parametrize("pelvis, thigh, posture_deg, exercise", [
    (None, Rec("clamshell", 0.6, False), 15.0, "seated_hip_abduction"),  # a reclined seat: the pelvis sits
    (None, Rec("clamshell", 0.9, False), 88.0, "clamshell"),
    (None, Rec("seated_hip_abduction", 0.6, False), 90.0, "clamshell"),  # about gravity, but lying
    (None, Rec("seated_hip_abduction", 0.9, False), 12.0, "seated_hip_abduction"),
    (Rec("lateral_band_walk", 0.8, True), Rec("clamshell", 0.55, False), 20.0, "seated_hip_abduction"),
    (Rec("hip_thrust", 0.7, False), Rec("glute_bridge", 0.8, False), 95.0, "hip_thrust"),  # not a thigh-led lift
    (None, Rec("lateral_band_walk", 0.7, True), 10.0, "lateral_band_walk"),
])
def test_the_pelvis_posture_tells_seated_from_lying(pelvis, thigh, posture_deg, exercise):
    got = recognition.combine(pelvis, thigh, posture_deg)
    assert got.exercise == exercise and 0.5 <= got.confidence <= 1.0
    if got.exercise != thigh.exercise and thigh.exercise not in HIP_EXTENSION_LIFTS:
        assert got.confidence <= 1.5 - thigh.confidence  # overruled: the thigh's own certainty lowers it


def test_a_thigh_led_set_is_not_trimmed_away_with_a_pelvis_at_rest_through_it():
    """A seated abduction where the span starts with the pelvis already seated, still and tilted back all set
    long: the false-standing trim (for the pelvis's tilt reference) runs to the span's end; the thigh's reps are
    read on the whole span instead. One sensor: the trim as before."""
    rate = 52.0
    t = np.arange(0, 40, 1 / rate)
    seat = R.from_euler("x", 40, degrees=True)  # tilted back on the seat, 40° from the upright reference
    det = ImuSeries("pelvis", t, np.tile(seat.inv().apply([0.0, 0.0, G]), (len(t), 1)), np.zeros((len(t), 3)))
    quat = np.tile(np.roll(seat.as_quat(), 1), (len(t), 1))
    ref = recognition.PostureReference(np.array([0.0, 0.0, 1.0]), None, "walking")
    span = (float(t[0]), float(t[-1]))
    assert session._without_false_standing(span, det, quat, ref, session.SESSION)[0] > 39.0
    report = SimpleNamespace(reps=(), steps=())

    def read(s):  # the thigh's four reps at 5–35 s are a set only when the span holds them
        ok = s[0] <= 5.0 and s[1] >= 35.0
        return session._Found(*s, "seated_hip_abduction", "recognised", 0.9, report) if ok else None

    found = session._read_trimmed(read, span, det, quat, ref, session.SESSION, True)
    assert found is not None and (found.t0, found.exercise) == (span[0], "seated_hip_abduction")
    assert session._read_trimmed(read, span, det, quat, ref, session.SESSION, False) is None


def test_recording_with_no_set_says_so(tmp_path, capsys):
    rate = 100.0
    t = np.arange(0, 30, 1 / rate)
    rows = ["time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads"]
    rng = np.random.default_rng(0)
    for ti in t:
        a = [0.0, 0.0, G] + rng.normal(0, 0.02, 3)
        g = rng.normal(0, 0.003, 3)
        rows.append(f"{ti:.3f}," + ",".join(f"{v:.5f}" for v in (*a, *g)))
    f = tmp_path / "quiet.csv"
    f.write_text("\n".join(rows) + "\n")
    assert main(["analyze", str(f), "--placement", "pelvis"]) == 0
    assert "no set found" in capsys.readouterr().out
    assert main(["analyze", str(f), "--placement", "pelvis", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["sets"] == [] and any("no set found" in n for n in d["calibration"]["notes"])


# ------------------------------------------------------------------------------------------ CLI contract


@pytest.fixture(scope="module")
def workout_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("workout") / "w.csv"
    assert main(["simulate", "--session", "hip_thrust,lateral_band_walk", "--rest", "30", "40",
                 "--placement", "pelvis", "--rate", "52", "--seed", "4", "-o", str(out)]) == 0
    return out


def test_cli_json_lists_the_sets(workout_file, capsys):
    capsys.readouterr()
    assert main(["analyze", str(workout_file), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    truth = json.loads(workout_file.with_suffix(".truth.json").read_text())["sets"]
    assert [s["exercise"] for s in d["sets"]] == ["hip_thrust", "lateral_band_walk"]
    keys = {"index", "start_s", "end_s", "exercise", "exercise_source", "exercise_confidence", "placement",
            "tempo_target", "reps", "steps", "summary"}
    assert all(keys <= set(s) for s in d["sets"])
    assert len(d["sets"][0]["reps"]) == truth[0]["rep_count"]
    assert len(d["sets"][1]["steps"]) == truth[1]["step_count"]
    assert d["summary"]["set_count"] == 2 and all(r["set"] == 1 for r in d["reps"])


def test_cli_csv_has_a_set_column(workout_file, capsys):
    capsys.readouterr()
    assert main(["analyze", str(workout_file), "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {(r["set"], r["exercise"], r["kind"]) for r in rows} == {("1", "hip_thrust", "rep"),
                                                                    ("2", "lateral_band_walk", "step")}


def test_cli_table_names_each_set_and_how_it_was_known(workout_file, capsys):
    capsys.readouterr()
    assert main(["analyze", str(workout_file)]) == 0
    out = capsys.readouterr().out
    assert "set 1 · hip_thrust (recognised" in out and "set 2 · lateral_band_walk" in out
    assert "session: 2 sets" in out


def test_one_set_recording_keeps_its_top_level_keys(capsys):
    assert main(["analyze", "recordings/demo/glute-bridge.csv", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["exercise"] == "glute_bridge" and len(d["reps"]) == 10
    assert len(d["sets"]) == 1 and d["sets"][0]["exercise_source"] == "metadata"
    assert d["sets"][0]["reps"] == d["reps"]


def test_workout_report_has_every_set_and_the_trends(workout_file, tmp_path, capsys):
    out, reps_csv = tmp_path / "w.html", tmp_path / "w.csv"
    assert main(["report", str(workout_file), "-o", str(out), "--csv", str(reps_csv)]) == 0
    assert "(2 sets," in capsys.readouterr().out
    page = out.read_text()
    assert "Workout: 2 sets" in page and "Set 1 · hip thrust (recognised" in page
    assert "Set 2 · lateral band walk" in page and "Steps per side" in page
    rows = list(csv.DictReader(reps_csv.open()))
    assert {r["set"] for r in rows} == {"1", "2"}


def test_simulate_takes_the_analyzers_fault_names(tmp_path):
    from ui.commands.simulate import parse_faults

    assert parse_faults(["rushed_eccentric:3", "lumbar_arch:2,4", "partial:1"]) == (
        ("rushed_eccentric", (3,)), ("lumbar_arch", (2, 4)), ("partial_rom", (1,)))  # one vocabulary
    out = tmp_path / "s.csv"
    assert main(["simulate", "--exercise", "glute_bridge", "--reps", "5", "--faults", "pelvic_drop:2",
                 "--seed", "2", "-o", str(out)]) == 0
    truth = json.loads(out.with_suffix(".truth.json").read_text())
    assert "pelvic_drop" in truth["reps"][1]["faults"]


def test_set_events_in_a_recording_are_honoured(pelvis_session, tmp_path, capsys):
    """Sets marked by `set_start`/`set_end` (as `live` writes them) are read as marked; the rest is searched."""
    from sensors.recording import RecordingMeta, RecordingWriter

    truth = pelvis_session.truth["sets"]
    out = tmp_path / "marked.csv"
    with RecordingWriter(out, RecordingMeta(simulated=True), [s.info for s in pelvis_session.streams]) as w:
        s = pelvis_session.streams[0]
        from sensors.batch import SampleBatch

        w.write(SampleBatch(s.info.sensor_id, s.t_s, s.acc_mps2, s.gyr_rads))
        for t in truth[:2]:  # the first two sets marked, a little wider than their reps
            w.event("set_start", None, t["start_s"] - 4.0)
            w.event("set_end", None, t["end_s"] + 2.0)
    capsys.readouterr()
    assert main(["analyze", str(out), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert [s["exercise"] for s in d["sets"]] == [t["exercise"] for t in truth]
    assert [len(s["reps"]) or len(s["steps"]) for s in d["sets"]] == [t["rep_count"] or t["step_count"]
                                                                      for t in truth]


# ------------------------------------------------------------------------------------------ the session simulator


def test_session_truth_is_on_the_session_clock_and_the_sensor_is_the_sessions():
    """Set-up moves and standing poses are moved onto the session clock with the reps; the session's IMU (low-pass,
    clock error, wobble) sets the sensor and leaves the truth alone."""
    from dataclasses import replace

    from sensors.simulation import IDEAL

    kw = {"placements": ("thigh_left",), "rates_hz": (100.0,)}
    sets = (SimConfig(exercise="clamshell", reps=4, station_moves=True, onsets="per_rep", **kw),
            SimConfig(exercise="hip_thrust", reps=3, settle_lift=True, quick_rerack=True, **kw))
    hard = replace(IDEAL, lowpass_delay_s=0.008, clock_error=-0.02, wobble_deg=2.0)
    plain = simulate_session(SessionConfig(sets, ("thigh_left",), (100.0,), rest_s=(20.0, 25.0), imu=IDEAL), 4)
    sim = simulate_session(SessionConfig(sets, ("thigh_left",), (100.0,), rest_s=(20.0, 25.0), imu=hard), 4)
    assert sim.truth == plain.truth
    s = sim.streams[0]
    assert (len(s.t_s) - 1) / (s.t_s[-1] - s.t_s[0]) == pytest.approx(98.0, rel=1e-3)
    previous_end = 0.0
    for one in sim.truth["sets"]:
        stand0, stand1 = one["standing_s"]
        assert previous_end < stand0 < stand1 < one["start_s"]
        for move in one["setup_moves"]:
            assert previous_end < move["start_s"] < move["end_s"]
            assert move["end_s"] <= one["start_s"] or move["start_s"] >= one["end_s"]
        previous_end = one["end_s"]
