"""Work computed once and shared (issue 26): a series' orientation carried by its slices, a session's span read on
one orientation, the recording's gyro level computed once. Each shared result equals the one computed again."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis import session
from analysis.orientation import orientation_quat
from analysis.pipeline import ImuSeries, analyze_set, oriented, read_movement, sliced
from analysis.serialize import report_to_dict
from sensors.recording import read_recording
from sensors.simulation import SimConfig, simulate_set

DEMO = Path(__file__).resolve().parents[1] / "recordings" / "demo"


def _series(streams) -> list[ImuSeries]:
    return [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in streams]


def _json(report) -> str:
    return json.dumps(report_to_dict(report), sort_keys=True)  # NaN fields compare equal as text


@pytest.fixture(scope="module")
def one_set() -> list[ImuSeries]:
    cfg = SimConfig(reps=5, placements=("pelvis", "thigh_left"), rates_hz=(100.0, 100.0))
    return _series(simulate_set(cfg, 3).streams)


def test_an_oriented_series_reads_as_the_series_itself(one_set):
    """`oriented` computes what `analyze_set` computes over the samples: the report is the same either way."""
    plain = analyze_set(one_set, "hip_thrust")
    shared = analyze_set([oriented(s) for s in one_set], "hip_thrust")
    assert len(plain.reps) == 5
    assert _json(shared) == _json(plain)
    moved = read_movement(oriented(one_set[0]))
    again = read_movement(one_set[0])
    assert moved.spans == again.spans and np.array_equal(moved.quat_wxyz, again.quat_wxyz)


def test_a_slice_carries_its_rows_of_the_orientation(one_set):
    whole = oriented(one_set[0])
    part = sliced(whole, 100, 700)
    o, p = whole.orientation, part.orientation
    assert np.array_equal(part.t_s, whole.t_s[100:700]) and np.array_equal(part.gyr_rads, whole.gyr_rads[100:700])
    assert np.array_equal(p.quat_wxyz, o.quat_wxyz[100:700])
    assert np.array_equal(p.gyr_bias_rads, o.gyr_bias_rads[100:700])
    assert p.acc_bias_mps2 is o.acc_bias_mps2
    assert oriented(part) is part  # carried: not computed again
    assert sliced(one_set[0], 100, 700).orientation is None  # nothing to carry


def test_session_spans_are_cut_with_the_orientation_they_carry(one_set):
    whole = [oriented(s) for s in one_set]
    t0, t1 = float(whole[0].t_s[200]), float(whole[0].t_s[900])
    for s, part in zip(whole, session.slice_series(whole, t0, t1)):
        i0, i1 = np.searchsorted(s.t_s, [t0, t1])
        assert np.array_equal(part.orientation.quat_wxyz, s.orientation.quat_wxyz[i0:i1])


def test_the_false_standing_trim_reads_the_same_with_the_gyro_level_given():
    """The recording's median gyro, computed once by the session, trims every span as computing it per span."""
    rec = read_recording(str(DEMO / "workout.csv"))
    det = next(s for s in _series(rec.streams) if s.placement == "pelvis")
    quat = orientation_quat(det.t_s, det.acc_mps2, det.gyr_rads)
    ref, _ = session.upright_references([det])
    assert ref.up_ref is not None
    spans = session.activity_spans([det])
    assert len(spans) >= 3
    level = np.median(det.gyr_rads, axis=0)
    trimmed = 0
    for span in spans:
        own = session._without_false_standing(span, det, quat, ref, session.SESSION)
        given = session._without_false_standing(span, det, quat, ref, session.SESSION, level)
        assert own == given
        trimmed += own != span
    assert trimmed >= 1  # a set starts lying down: the trim is exercised, not only passed through
