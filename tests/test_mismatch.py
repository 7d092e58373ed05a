"""A given exercise or placement the data contradict: one warning line per set, the results unchanged; the right
exercise and placement on every simulated exercise: no warning (a false alarm costs more than a miss)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.mismatch import mismatches
from analysis.pipeline import ImuSeries
from analysis.serialize import session_to_dict
from analysis.session import analyze_recording
from sensors.simulation import SimConfig, simulate_set
from ui.cli import main
from ui.file_analysis import ReadOptions, analyze_file_lean

SEED = 3
REP_LIFTS = ("hip_thrust", "single_leg_hip_thrust", "glute_bridge", "seated_hip_abduction", "clamshell")
THIGH_LED = ("seated_hip_abduction", "clamshell")


def _stream(exercise: str, placement: str, seed: int = SEED):
    cfg = SimConfig(exercise=exercise, reps=6, placements=(placement,), rates_hz=(100.0,))
    return simulate_set(cfg, seed).streams[0]


def _checked(exercise_data: str, placement_data: str, exercise: str, placement: str) -> list:
    s = _stream(exercise_data, placement_data)
    series = [ImuSeries(placement, s.t_s, s.acc_mps2, s.gyr_rads)]
    report = analyze_recording(series, exercise, "given")
    return mismatches(series, report, exercise_given=True, placement_given=True)


CASES = [(e, p) for e in (*REP_LIFTS, "lateral_band_walk") for p in ("pelvis", "thigh_left")
         if not (e in THIGH_LED and p == "pelvis")]


@pytest.mark.parametrize("exercise, placement", CASES)
def test_the_right_exercise_and_placement_never_warn(exercise, placement):
    assert _checked(exercise, placement, exercise, placement) == []


@pytest.mark.parametrize("data, given, looks_like", [
    ("clamshell", "hip_thrust", "clamshell"),
    ("clamshell", "seated_hip_abduction", "clamshell"),
    ("seated_hip_abduction", "clamshell", "seated_hip_abduction"),
    ("seated_hip_abduction", "glute_bridge", "seated_hip_abduction"),
    ("hip_thrust", "clamshell", "hip_thrust"),  # on a thigh: the shape is sure, bench or floor not
    ("glute_bridge", "seated_hip_abduction", "glute_bridge"),
])
def test_another_exercise_warns_with_the_recognisers_verdict(data, given, looks_like):
    found = _checked(data, "thigh_left", given, "thigh_left")
    assert [(m.kind, m.looks_like) for m in found] == [("exercise", looks_like)]
    assert found[0].confidence >= 0.7
    assert f"analysed as {given.replace('_', ' ')}" in found[0].message().lower()
    assert looks_like.replace("_", " ") in found[0].message().lower()


@pytest.mark.parametrize("exercise", ["hip_thrust", "glute_bridge", "single_leg_hip_thrust"])
@pytest.mark.parametrize("data, given, looks_like", [("pelvis", "thigh_left", "pelvis"),
                                                     ("thigh_left", "pelvis", "thigh")])
def test_a_hip_extension_on_the_other_segment_warns(exercise, data, given, looks_like):
    found = _checked(exercise, data, exercise, given)
    assert [(m.kind, m.looks_like, m.given) for m in found] == [("placement", looks_like, given)]


def _generic_csv(path, s) -> str:
    rows = np.column_stack([s.t_s, s.acc_mps2, s.gyr_rads])
    np.savetxt(path, rows, fmt="%.6f", delimiter=",", comments="",
               header="time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads")
    return str(path)


@pytest.mark.parametrize("given, warned", [(["--exercise", "hip_thrust", "--placement", "thigh_left"], True),
                                           (["--exercise", "clamshell", "--placement", "thigh_left"], False)])
def test_analyze_prints_one_line_and_the_same_results(tmp_path, capsys, given, warned):
    path = _generic_csv(tmp_path / "clamshell.csv", _stream("clamshell", "thigh_left"))
    assert main(["analyze", path, *given, "--json"]) == 0
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if "looks like" in line]
    assert len(lines) == (1 if warned else 0), err
    if warned:
        assert "this looks like a clamshell" in lines[0] and "analysed as hip thrust as asked" in lines[0]
    options = ReadOptions.from_args(type("A", (), {"exercise": given[1], "placement": given[3]})())
    placement, session = analyze_file_lean(path, options)  # the analysis without the check
    assert json.loads(out) == json.loads(json.dumps(session_to_dict(session, placement)))


def test_import_warns_once_and_keeps_the_given_exercise(tmp_path, capsys):
    path = _generic_csv(tmp_path / "clamshell.csv", _stream("clamshell", "thigh_left"))
    db = tmp_path / "h.db"
    assert main(["import", path, "--placement", "thigh_left", "--exercise", "hip_thrust", "--db", str(db)]) == 0
    err = capsys.readouterr().err
    assert len([line for line in err.splitlines() if "this looks like a clamshell" in line]) == 1, err
    assert main(["history", "--json", "--db", str(db)]) == 0
    [s] = json.loads(capsys.readouterr().out)["sessions"][0]["sets"]
    assert s["exercise"] == "hip_thrust"


@pytest.mark.parametrize("exercise, placement", CASES)
def test_one_sensors_verdict_is_the_sessions_reading_of_the_span(exercise, placement):
    """The check's one-sensor shortcut (its reading shared, no analysis) names what `session.read_span` names, a
    band walk (standing, or reps begun standing) as no verdict."""
    from analysis import session
    from analysis.mismatch import _SetReading, _verdict

    s = _stream(exercise, placement)
    series = [ImuSeries(placement, s.t_s, s.acc_mps2, s.gyr_rads)]
    refs = session.upright_references(series)
    for part in analyze_recording(series, exercise, "given").sets:
        read = _SetReading(series, part)
        found = session.read_span(series, read.span, None, refs[0], None, None, session.SESSION, refs=refs[1])
        expected = None if found is None or found.exercise == session.BAND_WALK else (found.exercise, found.confidence)
        assert _verdict(read, refs, None) == expected
