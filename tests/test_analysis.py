"""Analysis core: tempo parser, segmentation invariants, faults, pelvis metrics, golden demos."""
from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from analysis.pipeline import ImuSeries, analyze_set, trace_set
from sensors.rules import FAULTS
from analysis.tempo import TempoError, check_rep, parse_tempo
from sensors.recording import read_recording
from sensors.simulation import SimConfig, simulate_set
from tests.conftest import DEMO_DIR


def _series(result):
    return [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in result.streams]


def _analyze(cfg, seed, tempo=True):
    res = simulate_set(cfg, seed)
    target = parse_tempo(cfg.tempo_string) if tempo else None
    return res, analyze_set(_series(res), cfg.exercise, target, cfg.side)


# --------------------------------------------------------------------------------------------------- tempo


@pytest.mark.parametrize("text, expect", [
    ("3-1-1-2", (3, 1, 1, 2)), ("3-0-X-1", (3, 0, None, 1)), ("2.5-0-1-0.5", (2.5, 0, 1, 0.5)),
    (" 4-1-x-2 ", (4, 1, None, 2)),
])
def test_parse_tempo(text, expect):
    t = parse_tempo(text)
    assert (t.eccentric_s, t.bottom_pause_s, t.concentric_s, t.top_pause_s) == expect


@pytest.mark.parametrize(
    "bad", ["", "3-1-1", "3-1-1-1-1", "a-1-1-1", "X-1-1-1", "3-1-1-X", "-1-1-1-1", "3--1-1", "3-1-1-25", "0-1-1-1"]
)
def test_bad_tempo_strings_are_clear(bad):
    with pytest.raises(TempoError) as exc:
        parse_tempo(bad)
    assert "\n" not in str(exc.value) and "tempo" in str(exc.value)


def test_tempo_tolerance_is_the_larger_of_absolute_and_relative():
    from analysis.results import Phase, Rep

    target = parse_tempo("5-1-1-2")  # eccentric tolerance max(0.5, 1.0) = 1.0 s
    rep = Rep(1, 0, 10, (Phase("concentric", 0, 1), Phase("top_pause", 1, 3), Phase("eccentric", 3, 7.2),
                         Phase("bottom_pause", 7.2, 8)), 40, 50)
    checks = {c.name: c for c in check_rep(rep, target)}
    assert checks["eccentric"].ok and checks["eccentric"].error_s == pytest.approx(-0.8)
    assert checks["bottom_pause"].ok and checks["bottom_pause"].error_s == pytest.approx(-0.2)
    assert checks["top_pause"].ok


# --------------------------------------------------------------------------------------------------- segmentation


# derandomized: CI must be deterministic; benchmarks/accuracy.py covers breadth with 120+ random sets
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=(Phase.explicit, Phase.reuse, Phase.generate), derandomize=True)
@given(
    exercise=st.sampled_from(
        ["hip_thrust", "single_leg_hip_thrust", "glute_bridge", "seated_hip_abduction", "clamshell"]
    ),
    reps=st.integers(3, 15),
    ecc=st.floats(1.5, 5.0),
    top=st.floats(0.5, 3.0),
    bottom=st.floats(0.5, 3.0),
    rate=st.sampled_from([50.0, 100.0, 200.0, 400.0]),
    seed=st.integers(0, 100_000),
)
def test_segmentation_invariants(exercise, reps, ecc, top, bottom, rate, seed):
    placement = "thigh_left" if exercise in ("seated_hip_abduction", "clamshell") else "pelvis"
    cfg = SimConfig(exercise=exercise, reps=reps, eccentric_s=ecc, top_pause_s=top, bottom_pause_s=bottom,
                    placements=(placement,), rates_hz=(rate,), side="left" if exercise.startswith("single") else None)
    res, report = _analyze(cfg, seed)
    # exact on ≥ 99 % of sets is measured by benchmarks/accuracy.py; here: never more than one off
    assert abs(len(report.reps) - reps) <= 1
    prev_end = -np.inf
    for rep in report.reps:
        names = [p.name for p in rep.phases]
        assert names[:3] == ["concentric", "top_pause", "eccentric"]
        starts = [p.start_s for p in rep.phases]
        ends = [p.end_s for p in rep.phases]
        assert starts[1:] == ends[:-1], "phases are contiguous"
        assert all(e >= s for s, e in zip(starts, ends)), "phases are ordered"
        assert rep.start_s >= prev_end - 1e-9
        prev_end = rep.end_s
        assert set(rep.faults) <= set(FAULTS)
    if len(report.reps) == reps:
        # phase mix-ups are off by seconds; the timing accuracy itself (median/p95) is benchmarks/accuracy.py's
        for got, want in zip(report.reps, res.truth["reps"]):
            assert abs(got.eccentric_s - want["eccentric_s"]) < 0.6
            assert abs(got.rom_deg - want["rom_deg"]) < 3.0


# --------------------------------------------------------------------------------------------------- faults


@pytest.mark.parametrize("sim_fault, fault, exercise", [
    ("rushed", "rushed_eccentric", "hip_thrust"),
    ("no_top_pause", "no_top_pause", "glute_bridge"),
    ("momentum", "momentum", "seated_hip_abduction"),
    ("arch", "lumbar_arch", "hip_thrust"),
    ("drop", "pelvic_drop", "single_leg_hip_thrust"),
    ("partial", "partial_rom", "clamshell"),
])
def test_each_fault_is_found_on_its_rep_only(sim_fault, fault, exercise):
    placement = "thigh_left" if exercise in ("seated_hip_abduction", "clamshell") else "pelvis"
    cfg = SimConfig(exercise=exercise, reps=6, placements=(placement,), rates_hz=(100.0,),
                    side="left" if exercise.startswith("single") else None,
                    faults=((sim_fault, (3,)),), eccentric_s=3.0, top_pause_s=1.5, bottom_pause_s=1.0)
    _, report = _analyze(cfg, 7)
    flagged = [r.index for r in report.reps if fault in r.faults]
    assert flagged == [3]
    cue = report.reps[2].cues[list(report.reps[2].faults).index(fault)]
    assert cue and cue[0].isupper()


def test_clean_set_has_no_faults():
    cfg = SimConfig(exercise="hip_thrust", reps=8, placements=("pelvis", "thigh_right"), rates_hz=(100.0, 52.0))
    _, report = _analyze(cfg, 11)
    assert len(report.reps) == 8
    assert all(r.faults == () for r in report.reps)
    assert all(r.tempo_ok for r in report.reps)


def test_pelvic_drop_side_and_tilt_reference():
    cfg = SimConfig(exercise="single_leg_hip_thrust", side="right", reps=6, faults=(("drop", (2, 5)),))
    res, report = _analyze(cfg, 3)
    assert report.tilt_reference == "standing"
    for got, want in zip(report.reps, res.truth["reps"]):
        assert abs(got.pelvic_drop_deg - want["pelvic_drop_deg"]) < 2.5
        assert abs(got.tilt_sagittal_deg - want["tilt_sagittal_deg"]) < 2.0
    assert report.reps[1].pelvic_drop_side == "left"
    no_stand = SimConfig(exercise="hip_thrust", reps=6, standing_s=0.0)
    _, report = _analyze(no_stand, 3)
    assert report.tilt_reference == "set"
    assert any("no standing pose" in n for n in report.calibration_notes)


def test_mounting_does_not_change_results():
    rng = np.random.default_rng(5)
    q = rng.normal(size=4)
    q /= np.linalg.norm(q)
    cfg_b = SimConfig(exercise="glute_bridge", reps=5, mounting=(tuple(q),))
    cfg_a = SimConfig(exercise="glute_bridge", reps=5, mounting=((1.0, 0.0, 0.0, 0.0),))
    ra = analyze_set(_series(simulate_set(cfg_a, 21)), "glute_bridge")
    rb = analyze_set(_series(simulate_set(cfg_b, 21)), "glute_bridge")
    assert len(ra.reps) == len(rb.reps) == 5
    for x, y in zip(ra.reps, rb.reps):
        assert abs(x.rom_deg - y.rom_deg) < 1.5
        assert abs(x.eccentric_s - y.eccentric_s) < 0.1


def test_trace_has_one_value_per_sample():
    cfg = SimConfig(exercise="hip_thrust", reps=3, placements=("pelvis", "thigh_left"), rates_hz=(100.0, 200.0))
    res = simulate_set(cfg, 1)
    report, traces = trace_set(_series(res), "hip_thrust")
    assert [t.placement for t in traces] == ["pelvis", "thigh_left"]
    for tr, s in zip(traces, res.streams):
        assert len(tr.t_s) == len(s.t_s) == len(tr.segment_angle_deg) == len(tr.quat_wxyz)
        assert np.allclose(np.linalg.norm(tr.quat_wxyz, axis=1), 1.0)
    assert np.isfinite(traces[0].tilt_sagittal_deg).all() and np.isnan(traces[1].tilt_sagittal_deg).all()


def test_no_reps_is_not_an_error():
    rng = np.random.default_rng(0)
    t = np.arange(0, 20, 0.01)
    acc = np.tile([0.0, 0.0, 9.81], (len(t), 1)) + rng.normal(0, 0.02, (len(t), 3))
    report = analyze_set([ImuSeries("pelvis", t, acc, rng.normal(0, 0.002, (len(t), 3)))], "hip_thrust")
    assert report.reps == ()
    assert any("no reps" in n for n in report.calibration_notes)


# --------------------------------------------------------------------------------------------------- golden demos


@pytest.mark.parametrize(
    "name", ["hip-thrust", "single-leg-hip-thrust", "glute-bridge", "seated-hip-abduction", "clamshell"]
)
def test_demo_matches_its_truth(name):
    rec = read_recording(DEMO_DIR / f"{name}.csv")
    truth = json.loads((DEMO_DIR / f"{name}.truth.json").read_text())
    report = analyze_set([ImuSeries(s.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in rec.streams],
                         rec.meta.exercise, parse_tempo(rec.meta.tempo), rec.meta.side)
    assert len(report.reps) == len(truth["reps"])
    assert [list(r.faults) for r in report.reps] == [r["faults"] for r in truth["reps"]]
    for got, want in zip(report.reps, truth["reps"]):
        assert abs(got.eccentric_s - want["eccentric_s"]) < 0.3


def test_band_walk_steps_and_sides():
    cfg = SimConfig(exercise="lateral_band_walk", reps=10, eccentric_s=0.45, bottom_pause_s=0.1, concentric_s=0.45,
                    top_pause_s=0.25, placements=("pelvis", "thigh_left"), rates_hz=(100.0, 100.0))
    res = simulate_set(cfg, 4)
    report = analyze_set(_series(res), "lateral_band_walk")
    assert report.reps == () and len(report.steps) == 10
    sides = [s.side for s in report.steps]
    truth = [s["side"] for s in res.truth["steps"]]
    assert sum(a == b for a, b in zip(sides, truth)) >= 9
    for got, want in zip(report.steps, res.truth["steps"]):
        assert abs(got.t_s - want["t_s"]) < 0.1
    thigh_only = analyze_set(_series(res)[1:], "lateral_band_walk")
    assert len(thigh_only.steps) == 10 and {s.side for s in thigh_only.steps} == {"unknown"}
