"""Per-stage tests on synthetic signals (no simulator, no VQF where the stage does not need it)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import axis_search, bandwalk, rise
from analysis.pipeline import ImuSeries, analyze_set
from sensors.recording import read_recording
from sensors.rules import FAULT_RULES, RepValues, label_faults
from tests.conftest import DEMO_DIR

G = 9.80665
IDENTITY = np.array([1.0, 0.0, 0.0, 0.0])


def _clean(**kw):
    base = dict(eccentric_s=2.0, top_pause_s=1.0, concentric_s=1.0, pause_before_s=1.0, range_fraction=1.0,
                tilt_deg=3.0, drop_deg=1.0)
    base.update(kw)
    return RepValues(**base)


@pytest.mark.parametrize("values, expected", [
    (_clean(), ()),
    (_clean(eccentric_s=0.6), ("rushed_eccentric",)),
    (_clean(eccentric_s=1.0), ()),
    (_clean(eccentric_s=2.0, eccentric_floor_s=2.4), ("rushed_eccentric",)),
    (_clean(top_pause_s=0.1), ("no_top_pause",)),
    (_clean(top_pause_s=0.35), ()),
    (_clean(concentric_s=0.3, pause_before_s=0.02), ("momentum",)),
    (_clean(concentric_s=0.3, pause_before_s=1.0), ()),  # an explosive lift from a pause is not momentum
    (_clean(concentric_s=0.3, pause_before_s=None), ()),  # rep 1 starts from a set-up hold
    (_clean(tilt_deg=-12.0), ("lumbar_arch",)),
    (_clean(tilt_deg=-12.0, range_fraction=0.55), ("partial_rom",)),  # a partial top is not a lockout
    (_clean(drop_deg=9.0), ("pelvic_drop",)),
    (_clean(range_fraction=0.6), ("partial_rom",)),
    (_clean(range_fraction=0.97), ()),
])
def test_fault_rules_table(values, expected):
    """Mirrors the table in docs/conventions.md."""
    assert label_faults(values) == expected


def test_fault_thresholds_sit_between_clean_and_faulty():
    r = FAULT_RULES
    assert 0.8 < r.rushed_eccentric_s < 1.0 and 0.12 < r.no_top_pause_s < 0.35 and 0.7 < r.partial_range_fraction < 0.97


def _min_jerk(u):
    u = np.clip(u, 0, 1)
    return u**3 * (10 - 15 * u + 6 * u**2)


def test_rise_recovers_height_and_velocity_despite_a_bias():
    fs = 200.0
    t = np.arange(0, 6, 1 / fs)
    c0, c1, e0, e1, rise_m = 1.0, 2.0, 3.0, 5.0, 0.25
    z = rise_m * (_min_jerk((t - c0) / (c1 - c0)) - _min_jerk((t - e0) / (e1 - e0)))
    acc_up = np.gradient(np.gradient(z, t), t) + 0.05  # 0.05 m/s² of leaked gravity (a 0.3° tilt error)
    got = rise.rep_rise(t, acc_up, (c0, c1), e0)
    assert got is not None
    assert abs(got.rise_m - rise_m) < 0.01
    assert abs(got.mean_concentric_velocity_mps - rise_m / (c1 - c0)) < 0.01
    assert abs(got.peak_concentric_velocity_mps - 1.875 * rise_m / (c1 - c0)) < 0.02  # min-jerk peak = 1.875 × mean


def _min_jerk_acc(t, t0, t1):
    """Second derivative (1/s²) of the minimum-jerk ramp from 0 at t0 to 1 at t1."""
    u = np.clip((t - t0) / (t1 - t0), 0, 1)
    return np.where((t > t0) & (t < t1), (60 * u - 180 * u**2 + 120 * u**3) / (t1 - t0) ** 2, 0.0)


def test_rise_of_a_bounced_rep_is_integrated_from_the_previous_top():
    """A ballistic rep out of a bounce (the lowering stops hard into the lift, no hold between): integrated from
    the previous top pause, its rise and speed are right although the lift's onset is placed late and the
    accelerometer carries a bias that differs between the top and the bottom pose."""
    fs = 52.0
    t = np.arange(0, 8, 1 / fs)
    e0, e1, c1, t_end, rise_m = 1.0, 2.0, 2.3, 4.0, 0.15  # lowering 1 s, then a 0.3-s lift at once
    z = rise_m * (1.0 - _min_jerk((t - e0) / (e1 - e0)) + _min_jerk((t - e1) / (c1 - e1)))
    progress = np.clip(z / rise_m, 0, 1)  # the sensor turns with the lift
    acc_up = rise_m * (_min_jerk_acc(t, e1, c1) - _min_jerk_acc(t, e0, e1))  # exact: the bounce is 15 samples
    acc_up += 0.08 - 0.06 * progress  # accelerometer bias: 0.08 m/s² at the bottom pose, 0.02 at the top
    late = e1 + 0.04  # a measured onset two samples late: there the hips already move up
    without = rise.rep_rise(t, acc_up, (late, c1), t_end, hold_start_s=e1 - 0.3)  # a "hold" that was a bounce
    got = rise.rep_rise(t, acc_up, (late, c1), t_end, hold_start_s=e1 - 0.3, progress=progress,
                        prev_top=(0.2, e0))
    assert got is not None and without is not None
    true_mcv = (np.interp(c1, t, z) - np.interp(late, t, z)) / (c1 - late)
    assert abs(got.rise_m - (rise_m - np.interp(late, t, z))) < 0.01
    assert abs(got.mean_concentric_velocity_mps - true_mcv) < 0.03
    assert abs(without.rise_m - rise_m) > abs(got.rise_m - rise_m)


def test_rise_counts_the_time_of_lost_packets():
    """Samples lost in the lift (one packet in twenty, two samples each) leave the rise and speed as they were:
    the integral runs over the real intervals, not the nominal period."""
    fs = 100.0
    t = np.arange(0, 6, 1 / fs)
    c0, c1, e0, rise_m = 1.0, 2.0, 3.0, 0.25
    acc_up = rise_m * _min_jerk_acc(t, c0, c1)
    keep = np.ones(len(t), dtype=bool)
    keep[np.arange(len(t)) % 20 < 2] = False
    full = rise.rep_rise(t, acc_up, (c0, c1), e0)
    lossy = rise.rep_rise(t[keep], acc_up[keep], (c0, c1), e0)
    assert full is not None and lossy is not None
    assert abs(lossy.rise_m - full.rise_m) < 0.005 and abs(full.rise_m - rise_m) < 0.005
    assert abs(lossy.mean_concentric_velocity_mps - full.mean_concentric_velocity_mps) < 0.005


def test_hip_extension_range_is_the_hip_rise_where_the_rise_is_held():
    """On the pelvis in a hip thrust the range fraction is the rise's: a full rotation with a short rise is a
    partial rep, a short rotation with the full rise (an arched top) is not; a rep without a top pause, whose
    rise nothing at the top anchors, keeps the rotation's fraction."""
    from types import SimpleNamespace

    from analysis import pipeline
    from analysis.params import DEFAULT_PARAMS
    from analysis.segmentation import RepSpan
    from sensors.exercises import exercise

    def span(k, rom, top_s):
        c0 = 5.0 * k
        return RepSpan((c0, c0 + 1.0), (c0 + 1.0 + top_s, c0 + 2.5 + top_s), None, 0.0, rom, 50.0)

    spans = [span(0, 40, 1), span(1, 40, 1), span(2, 40, 1), span(3, 40, 1), span(4, 25, 1), span(5, 30, 0)]
    rises = [rise.RepRise(h, 0.2, 0.4) for h in (0.25, 0.25, 0.25, 0.11, 0.25, 0.12)]
    seg = SimpleNamespace(series=SimpleNamespace(placement="pelvis"))
    got = pipeline._range_fractions(exercise("hip_thrust"), seg, spans, rises, DEFAULT_PARAMS)
    assert got[:3] == pytest.approx([1.0, 1.0, 1.0])
    assert got[3] == pytest.approx(0.44)  # full rotation, 44 % of the rise: partial
    assert got[4] == pytest.approx(1.0)  # arched: short rotation, full rise
    assert got[5] == pytest.approx(0.75)  # no top pause: the rotation's 30 of 40°
    thigh = SimpleNamespace(series=SimpleNamespace(placement="thigh_left"))
    assert pipeline._range_fractions(exercise("hip_thrust"), thigh, spans, rises, DEFAULT_PARAMS)[4] < 0.7


def test_velocity_loss():
    assert rise.velocity_loss_pct([0.5, 0.45, 0.4], [True, True, True]) == pytest.approx(20.0)
    assert rise.velocity_loss_pct([0.5, 0.1], [True, False]) is None
    assert rise.velocity_loss_pct([0.03, 0.02], [True, True]) is None


def test_axis_search_prefers_the_reps_over_a_long_set_up():
    """A long continuous set-up about x (8 s) outweighs three short reps about y in a global PCA; the bout
    clusters put y first."""
    fs = 100.0
    rate = np.zeros((int(30 * fs), 3))
    rate[100:900, 0] = 1.5 * np.sin(np.linspace(0, 12 * np.pi, 800))  # walking, turning, lying back
    for k in range(3):
        a = int((12 + 5 * k) * fs)
        rate[a:a + 100, 1] = 0.7 * np.sin(np.linspace(0, np.pi, 100))  # lift
        rate[a + 200:a + 400, 1] = -0.35 * np.sin(np.linspace(0, np.pi, 200))  # lowering
    axes = axis_search.candidate_axes(rate, fs, [np.array([1.0, 0, 0])])
    assert abs(axes[0] @ np.array([0.0, 1.0, 0.0])) > 0.99


def _walk_acc(fs, steps, direction):
    """Horizontal acceleration of a sensor sliding `steps` × 0.15 m along `direction`, one step per second."""
    t = np.arange(0, steps + 4, 1 / fs)
    pos = np.zeros_like(t)
    for k in range(steps):
        pos += 0.15 * _min_jerk((t - 2 - k) / 0.5) * (direction[k] if isinstance(direction, list) else direction)
    acc = np.zeros((len(t), 3))
    acc[:, 0] = np.gradient(np.gradient(pos, t), t)
    acc[:, 2] = G
    return t, acc


@pytest.mark.parametrize("steps, direction", [(8, 1.0), (6, -1.0), (10, [1.0] * 5 + [-1.0] * 5)])
def test_band_walk_steps_from_translation(steps, direction):
    fs = 100.0
    t, acc = _walk_acc(fs, steps, direction)
    quat = np.tile(IDENTITY, (len(t), 1))
    found = bandwalk.detect_steps(t, quat, acc)
    assert len(found) == steps
    assert all(abs(e.peak_s - (2.25 + k)) < 0.1 for k, e in enumerate(found))


def test_band_walk_ignores_one_isolated_sideways_move():
    fs = 100.0
    t, acc = _walk_acc(fs, 1, 1.0)
    assert bandwalk.detect_steps(t, np.tile(IDENTITY, (len(t), 1)), acc) == []


def test_a_long_pause_mid_recording_keeps_the_reps():
    """A recording paused for 1000 s between reps: the gap is not integrated across."""
    s = read_recording(DEMO_DIR / "hip-thrust.csv").streams[0]
    base = analyze_set([ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads)], "hip_thrust")
    t = s.t_s.copy()
    t[len(t) // 2:] += 1000.0
    paused = analyze_set([ImuSeries(s.info.placement, t, s.acc_mps2, s.gyr_rads)], "hip_thrust")
    assert len(paused.reps) == len(base.reps)


# ------------------------------------------------------------------------------------------ arched reps by rise


def _rise_lower(rate_hz=100.0):
    """Vertical acceleration of a 0.15 m hip rise (1 s), a 1 s hold and a 1.2 s lowering between rests, with
    the exact boundaries (s)."""
    t = np.arange(0.0, 6.0, 1.0 / rate_hz)
    z = np.zeros_like(t)
    c0, c1, e0, e1 = 1.0, 2.0, 3.0, 4.2

    def ramp(u):  # minimum jerk 0 → 1
        u = np.clip(u, 0, 1)
        return 10 * u**3 - 15 * u**4 + 6 * u**5

    z += 0.15 * ramp((t - c0) / (c1 - c0)) - 0.15 * ramp((t - e0) / (e1 - e0))
    acc = np.gradient(np.gradient(z, t), t)
    return t, acc, (c0, c1, e0, e1)


def test_rise_rep_boundaries_from_the_vertical_acceleration():
    from analysis.rise_reps import RISE_REPS, _rep_in

    t, acc, truth = _rise_lower()
    got = _rep_in(t, acc + 0.02, 0.05, RISE_REPS)  # a small accelerometer bias
    assert got is not None
    # motion onsets of a minimum-jerk profile at 10 % of the peak acceleration: within 0.12 s
    assert all(abs(g - w) < 0.12 for g, w in zip(got, truth)), (got, truth)


def test_no_rise_rep_in_a_still_window_or_a_small_wriggle():
    from analysis.rise_reps import RISE_REPS, _rep_in

    t, acc, _ = _rise_lower()
    assert _rep_in(t, np.zeros_like(t), 0.05, RISE_REPS) is None
    assert _rep_in(t, 0.1 * acc, 0.05, RISE_REPS) is None  # 1.5 cm: a wriggle, not a third of a 15 cm rise


# ------------------------------------------------------------------------------------------ velocity stop


def test_velocity_stop_at_the_first_rep_past_the_threshold():
    from analysis.rise import velocity_stop

    mcv = [0.30, 0.32, 0.29, 0.27, 0.25, 0.24]
    full = [True] * 6
    stop = velocity_stop(mcv, full, 20.0)
    assert stop is not None and stop.rep_index == 5 and abs(stop.loss_pct - 100 * (0.32 - 0.25) / 0.32) < 1e-9
    assert velocity_stop(mcv, full, 30.0) is None
    assert velocity_stop([0.3, None, 0.1], [True, True, False], 20.0) is None  # a partial rep is not a stop


def test_velocity_loss_option_puts_the_stop_cue_on_the_rep(capsys):
    from ui.cli import main

    assert main(["analyze", str(DEMO_DIR / "glute-bridge.csv"), "--velocity-loss", "8", "--json"]) == 0
    import json

    reps = json.loads(capsys.readouterr().out)["reps"]
    stops = [r["index"] for r in reps if any(c.startswith("Velocity down") for c in r["cues"])]
    assert len(stops) == 1


def test_no_velocity_for_a_thigh_swinging_out():
    s = read_recording(DEMO_DIR / "clamshell.csv").streams[0]
    report = analyze_set([ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads)], "clamshell")
    assert report.reps and all(r.rise_m is None and r.mean_concentric_velocity_mps is None for r in report.reps)


def test_parameters_are_passed_in_not_patched():
    """`analyze_set(..., params=...)`: the defaults are the shipped analysis, and a changed stage parameter
    changes the answer without touching a module (a stricter lowering rule flags every rep's eccentric; a lower
    start-pose tolerance drops the reps that start away from the set's pose)."""
    from dataclasses import replace

    from analysis.params import DEFAULT_PARAMS, AnalysisParams

    s = read_recording(DEMO_DIR / "glute-bridge.csv").streams[0]
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads)]
    base = analyze_set(series, "glute_bridge")
    assert analyze_set(series, "glute_bridge", params=AnalysisParams()) == base
    strict = replace(DEFAULT_PARAMS, faults=replace(DEFAULT_PARAMS.faults, rushed_eccentric_s=30.0))
    flagged = analyze_set(series, "glute_bridge", params=strict)
    assert len(flagged.reps) == len(base.reps)
    assert all("rushed_eccentric" in r.faults for r in flagged.reps)
    assert sum("rushed_eccentric" in r.faults for r in base.reps) < len(base.reps)
    no_reps = replace(DEFAULT_PARAMS, segmentation=replace(DEFAULT_PARAMS.segmentation, min_rep_deg=500.0,
                                                             small_rep_deg=500.0))
    assert analyze_set(series, "glute_bridge", params=no_reps).reps == ()  # no rep turns the pelvis 500°


def test_exercise_registry_is_the_one_source():
    """Every exercise has one entry; the simulator and the analysis know the same ones; the faults an exercise
    can show are known fault names."""
    from sensors import exercises, simulation
    from sensors.rules import FAULTS

    assert set(simulation.EXERCISES) == set(exercises.EXERCISES)
    for name in exercises.EXERCISES:
        entry = exercises.exercise(name)
        assert entry.primary in ("pelvis", "thigh") and set(entry.faults) <= set(FAULTS)
        assert entry.steps == (entry.counts == "steps") and (not entry.hip_extension or entry.posture)
    with pytest.raises(ValueError, match="unknown exercise"):
        exercises.exercise("squat")


# ------------------------------------------------------------------------------------------ evaluation


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0.5, 8)), min_size=0, max_size=10),
       st.floats(-0.5, 0.5))
def test_matching_is_one_to_one_and_finds_shifted_reps(reps, shift):
    from analysis.evaluation import Confusion, add_faults, match_reps

    truth = sorted((a, a + d) for a, d in reps)
    found = [(a + shift, b + shift) for a, b in truth]
    pairs = match_reps(truth, found)
    assert len({i for i, _ in pairs}) == len(pairs) == len({j for _, j in pairs})
    if all(b - a > 4 * abs(shift) for a, b in truth) and all(b1 <= a2 for (_, b1), (a2, _) in zip(truth, truth[1:])):
        assert len(pairs) == len(truth)  # non-overlapping reps shifted by less than a quarter of their length
    conf: dict[str, Confusion] = {}
    add_faults(conf, [["momentum"]] * len(truth), [["momentum"]] * len(found), pairs, ["momentum"])
    assert conf["momentum"].tp == len(pairs) and conf["momentum"].fp == conf["momentum"].fn == len(truth) - len(pairs)


# ------------------------------------------------------------------------------------------ accelerometer bias


def test_accelerometer_bias_from_still_poses():
    """Still windows in poses across the sagittal plane (standing, the bottom and the top of a hip thrust) give
    the bias along that plane back; along the axis no pose spans (the mediolateral one) it stays near zero."""
    from analysis import acc_bias

    rng = np.random.default_rng(3)
    bias = np.array([0.25, -0.2, 0.15])  # m/s², ~25 mg
    angles = np.radians(rng.choice([0.0, 50.0, 90.0, 95.0], size=40))  # gravity turns about the sensor's y axis
    gravity = G * np.c_[np.sin(angles), np.zeros_like(angles), np.cos(angles)]
    windows = gravity + bias + rng.normal(0, 0.005, gravity.shape)
    got = acc_bias.fit_bias(windows)
    assert got is not None
    assert abs(got[0] - bias[0]) < 0.03 and abs(got[2] - bias[2]) < 0.03
    assert abs(got[1]) < 0.05  # not observable: the prior holds it
    assert acc_bias.fit_bias(windows[:3]) is None  # too few poses to say


def test_still_windows_are_only_still():
    from analysis import acc_bias

    t = np.arange(0, 10, 0.01)
    acc = np.tile([0.0, 0.0, G], (len(t), 1))
    gyr = np.zeros((len(t), 3))
    gyr[(t > 4) & (t < 6), 0] = 1.0  # turning for 2 s
    means = acc_bias.still_means(t, acc, gyr)
    assert 20 <= len(means) <= 27  # 8 of the 10 s in 0.3-s windows
    assert np.allclose(means, [0.0, 0.0, G])
