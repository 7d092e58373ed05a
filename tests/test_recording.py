"""Recording format v1: lossless round trip, crash safety, clear errors on bad files, generic CSV import."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sensors.batch import SampleBatch, SensorInfo
from sensors.recording import (
    ReadParams,
    RecordingError,
    RecordingMeta,
    RecordingWarning,
    RecordingWriter,
    SensorStream,
    read_recording,
    read_routed,
    read_v1_long,
    read_v1_whole,
    read_validating,
    write_recording,
)
from tests.conftest import DEMO_DIR, REPO

# Physically plausible samples (gravity plus movement, a real rate): the reader skips or refuses anything else.
noise = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1.0, max_value=1.0)
rate = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-10.0, max_value=10.0)
GRAVITY = np.array([0.0, 0.0, 9.81])


def _stream(placement: str, n: int, rate_hz: float, seed: int) -> SensorStream:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.8, 1.2, n) / rate_hz)
    acc = GRAVITY + rng.normal(0, 0.5, (n, 3))
    return SensorStream(SensorInfo(placement, placement, "test", rate_hz), t, acc, rng.normal(0, 2, (n, 3)))


@settings(max_examples=40, deadline=None)
@given(
    acc=hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.just(3)), elements=noise),
    gyr=hnp.arrays(np.float64, (40, 3), elements=rate),
    dts=st.lists(st.floats(1 / 1900, 1 / 11, allow_nan=False), min_size=40, max_size=40),
    t0=st.floats(-1e5, 1e5, allow_nan=False),
)
def test_round_trip_is_lossless(tmp_path_factory, acc, gyr, dts, t0):
    n = len(acc)
    acc = acc + GRAVITY
    gyr = gyr[:n]
    t = t0 + np.cumsum(np.asarray(dts[:n]))
    t = np.maximum.accumulate(t)
    t[1:] = np.where(np.diff(t) > 0, t[1:], np.nextafter(t[:-1], np.inf))  # strictly increasing
    t = np.maximum.accumulate(t)
    if not (np.diff(t) > 0).all():
        return
    path = tmp_path_factory.mktemp("rt") / "r.csv"
    s1 = SensorStream(SensorInfo("pelvis", "pelvis", "x", 100.0), t, acc, gyr.copy())
    s2 = _stream("thigh_left", 17, 200.0, 3)
    write_recording(path, RecordingMeta(exercise="hip_thrust", tempo="3-1-1-2", notes="a, \"quoted\" # note"), [s1, s2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rec = read_recording(path)
    got = rec.stream("pelvis")
    assert np.array_equal(got.t_s, t)
    assert np.array_equal(got.acc_mps2, s1.acc_mps2)
    assert np.array_equal(got.gyr_rads, s1.gyr_rads)
    assert np.array_equal(rec.stream("thigh_left").t_s, s2.t_s)
    assert rec.meta.notes == "a, \"quoted\" # note"
    assert rec.meta.tempo == "3-1-1-2"


def test_pandas_reads_samples_and_two_rates(tmp_path):
    path = tmp_path / "two.csv"
    write_recording(
        path, RecordingMeta(exercise="glute_bridge"),
        [_stream("pelvis", 300, 100, 1), _stream("thigh_right", 600, 200, 2)],
    )
    df = pd.read_csv(path, comment="#")
    assert list(df.columns) == [
        "sensor", "time_s", "acc_x_mps2", "acc_y_mps2", "acc_z_mps2", "gyr_x_rads", "gyr_y_rads", "gyr_z_rads"
    ]
    assert (df.sensor == "pelvis").sum() == 300 and (df.sensor == "thigh_right").sum() == 600
    rec = read_recording(path)
    assert rec.meta.exercise == "glute_bridge"
    assert rec.stream("thigh_right").info.rate_hz == 200


def test_gap_events_round_trip(tmp_path):
    s = _stream("pelvis", 200, 100, 4)
    s = SensorStream(s.info, s.t_s, s.acc_mps2, s.gyr_rads, gaps=((float(s.t_s[99]), float(s.t_s[100])),))
    path = write_recording(tmp_path / "g.csv", RecordingMeta(), [s])
    rec = read_recording(path)
    assert rec.stream("pelvis").gaps == s.gaps
    assert [e.kind for e in rec.events] == ["gap"]


def test_writer_skips_bad_samples_without_raising(tmp_path):
    info = SensorInfo("pelvis", "pelvis")
    with RecordingWriter(tmp_path / "w.csv", RecordingMeta(), [info]) as w:
        w.write(SampleBatch("pelvis", np.array([0.0, 0.01, 0.02]), np.tile(GRAVITY, (3, 1)), np.zeros((3, 3))))
        acc = np.tile(GRAVITY, (3, 1))
        acc[1, 0] = np.nan
        w.write(SampleBatch("pelvis", np.array([0.015, 0.03, 0.04]), acc, np.zeros((3, 3))))
        assert w.skipped == 2
    rec = read_recording(tmp_path / "w.csv")
    assert rec.stream("pelvis").t_s.tolist() == [0.0, 0.01, 0.02, 0.04]


def test_writer_refuses_to_overwrite_a_recording(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("precious")
    with pytest.raises(FileExistsError):
        RecordingWriter(p, RecordingMeta(), [SensorInfo("pelvis", "pelvis")])
    assert p.read_text() == "precious"


def test_torn_last_line_dropped_with_warning(tmp_path):
    path = write_recording(tmp_path / "t.csv", RecordingMeta(), [_stream("pelvis", 50, 100, 5)])
    text = path.read_text()
    path.write_text(text[:-9])
    with pytest.warns(RecordingWarning, match=r"t\.csv:\d+: incomplete last line dropped"):
        rec = read_recording(path)
    assert len(rec.stream("pelvis")) == 49


WRITER_SCRIPT = textwrap.dedent(
    """
    import sys, time, numpy as np
    from sensors.batch import SampleBatch, SensorInfo
    from sensors.recording import RecordingMeta, RecordingWriter
    w = RecordingWriter(sys.argv[1], RecordingMeta(), [SensorInfo("pelvis", "pelvis", rate_hz=200.0)])
    t0 = time.monotonic()
    print(time.time(), flush=True)
    k = 0
    while True:
        # 200 Hz sensor delivering 10-sample batches, time stamped with the wall clock since start.
        t = (k + np.arange(10)) / 200.0
        k += 10
        while time.monotonic() - t0 < t[-1]:
            time.sleep(0.002)
        w.write(SampleBatch("pelvis", t, np.tile([0, 0, 9.81], (10, 1)), np.zeros((10, 3))))
    """
)


def test_kill_9_loses_at_most_one_second(tmp_path):
    path = tmp_path / "crash.csv"
    proc = subprocess.Popen([sys.executable, "-c", WRITER_SCRIPT, str(path)], stdout=subprocess.PIPE, text=True)
    started = float(proc.stdout.readline())
    time.sleep(2.5)
    killed_at = time.time()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordingWarning)
        rec = read_recording(path)
    t = rec.stream("pelvis").t_s
    lost_s = (killed_at - started) - t[-1]
    assert t[-1] > 1.0
    assert lost_s <= 1.0, f"lost {lost_s:.2f} s"
    assert np.allclose(np.diff(t), 1 / 200)


def _bad(tmp_path, text: str, name="bad.csv"):
    p = tmp_path / name
    p.write_text(text)
    with pytest.raises(RecordingError) as exc:
        read_recording(p, placement=None)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(p))
    return msg


@pytest.fixture
def good_text(tmp_path):
    path = write_recording(tmp_path / "good.csv", RecordingMeta(exercise="hip_thrust"), [_stream("pelvis", 20, 100, 6)])
    return path.read_text()


def _read_warned_text(tmp_path, text: str):
    p = tmp_path / "warned.csv"
    p.write_text(text)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read_recording(p)
    return rec, [str(w.message) for w in caught]


def test_repeated_times_are_dropped_when_equal_and_averaged_when_not(tmp_path, good_text):
    """A row repeated exactly is dropped, differing samples at one time are averaged, each with a warning that
    counts them; the other samples are the file's own, bit for bit."""
    lines = good_text.split("\n")
    i = _data_line_index(lines, 5)
    good = read_recording(tmp_path / "good.csv").streams[0]
    twice = lines[:i + 1] + [lines[i]] + lines[i + 1:]
    rec, warned = _read_warned_text(tmp_path, "\n".join(twice))
    s = rec.streams[0]
    assert len(warned) == 1 and f":{i + 2}: 1 sample(s) of sensor pelvis repeat the previous one exactly" in warned[0]
    assert rec.skipped == 1 and all(np.array_equal(getattr(s, a), getattr(good, a)) for a in ("t_s", "acc_mps2",
                                                                                             "gyr_rads"))
    cells = lines[i].split(",")
    other = ",".join(cells[:2] + [repr(float(c) + 0.5) for c in cells[2:]])
    rec, warned = _read_warned_text(tmp_path, "\n".join(lines[:i + 1] + [other] + lines[i + 1:]))
    s, k = rec.streams[0], 5
    assert len(warned) == 1 and f":{i + 1}: 1 time(s) of sensor pelvis hold differing samples" in warned[0]
    assert "averaged" in warned[0] and rec.skipped == 1 and np.array_equal(s.t_s, good.t_s)
    assert np.array_equal(s.acc_mps2[k], (good.acc_mps2[k] + (good.acc_mps2[k] + 0.5)) / 2)
    assert np.array_equal(np.delete(s.gyr_rads, k, axis=0), np.delete(good.gyr_rads, k, axis=0))


def _data_line_index(lines: list[str], k: int) -> int:
    return [i for i, line in enumerate(lines) if line.startswith("pelvis,")][k]


def test_bad_files_name_file_line_and_problem(tmp_path, good_text):
    lines = good_text.split("\n")
    i = _data_line_index(lines, 5)
    assert "empty file" in _bad(tmp_path, "")
    assert "unsupported format" in _bad(tmp_path, "# repscope-recording v9\n" + "\n".join(lines[1:]))
    assert "missing column(s) acc_y_mps2" in _bad(tmp_path, good_text.replace("acc_y_mps2", "acc_q"))
    non_numeric = lines.copy()
    cells = lines[i].split(",")
    cells[3] = "abc"
    non_numeric[i] = ",".join(cells)
    assert f":{i + 1}: acc_y_mps2 is not a number: 'abc'" in _bad(tmp_path, "\n".join(non_numeric))
    back = lines.copy()
    back.insert(i + 1, lines[i - 3])
    assert f":{i + 2}: non-monotonic time_s" in _bad(tmp_path, "\n".join(back))
    short = lines.copy()
    short[i] = short[i].rsplit(",", 1)[0]
    assert f":{i + 1}: expected 8 fields, found 7" in _bad(tmp_path, "\n".join(short))
    header_only = "\n".join(line for line in lines if not line.startswith("pelvis,"))
    assert "no samples" in _bad(tmp_path, header_only)
    (tmp_path / "bin.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    with pytest.raises(RecordingError, match="not UTF-8"):
        read_recording(tmp_path / "bin.csv")
    with pytest.raises(RecordingError, match="no such file"):
        read_recording(tmp_path / "missing.csv")


GENERIC = (
    "time_s,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps,label\n0,0,0,1,90,0,0,a\n0.01,0,0,1,90,0,0,b\n"
    "0.02,0,0,1,90,0,0,c"
)


def test_generic_csv_units_extra_columns_and_placement(tmp_path):
    p = tmp_path / "other-tool.csv"
    p.write_text(GENERIC)
    rec = read_recording(p, placement="thigh_left", exercise="clamshell")
    s = rec.stream("thigh_left")
    assert rec.generic and rec.meta.exercise == "clamshell"
    assert np.allclose(s.acc_mps2, [[0, 0, 9.80665]] * 3)
    assert np.allclose(s.gyr_rads[:, 0], np.pi / 2)
    assert s.info.rate_hz == pytest.approx(100.0)
    with pytest.raises(RecordingError, match="pass --placement"):
        read_recording(p)


def test_generic_csv_si_units_any_order(tmp_path):
    p = tmp_path / "si.csv"
    cols = ["gyr_z_rads", "time_s", "acc_x_mps2", "acc_y_mps2", "acc_z_mps2", "gyr_x_rads", "gyr_y_rads", "extra"]
    rows = [[0.1, 0.0, 1, 2, 9, 4, 5, "x"], [0.2, 0.1, 1, 2, 9, 4, 5, "y"]]
    p.write_text(
        "# exported by some tool\n" + ",".join(cols) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n"
    )
    s = read_recording(p, placement="pelvis").stream("pelvis")
    assert s.t_s.tolist() == [0.0, 0.1]
    assert s.gyr_rads[:, 2].tolist() == [0.1, 0.2]
    assert s.acc_mps2[0].tolist() == [1, 2, 9]


def test_generic_csv_with_cr_line_endings(tmp_path):
    p = tmp_path / "mac.csv"
    p.write_bytes(GENERIC.replace("\n", "\r").encode() + b"\r")
    s = read_recording(p, placement="pelvis").stream("pelvis")
    assert s.t_s.tolist() == [0.0, 0.01, 0.02]


def test_generic_csv_duplicate_column_is_refused(tmp_path):
    p = tmp_path / "twice.csv"
    p.write_text(GENERIC.replace("gyr_z_dps,label", "gyr_z_dps,acc_y_g"))
    with pytest.raises(RecordingError, match=r"twice\.csv:1: duplicate column\(s\) acc_y_g: which one"):
        read_recording(p, placement="pelvis")


def test_generic_csv_missing_columns_is_clear(tmp_path):
    p = tmp_path / "nogyr.csv"
    p.write_text("time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2\n0,0,0,9.8\n")
    msg = _bad(tmp_path, p.read_text(), "nogyr.csv")
    assert ":1: missing column(s): need gyr_x_rads or gyr_x_dps" in msg


# ---------------------------------------------------------------------------------------------------------- hardening

HELDOUT_DIR = REPO.parent / "shared" / "data" / "heldout-dev" / "cases"
DEMO = DEMO_DIR / "hip-thrust.csv"


def _demo_lines(name: str = "hip-thrust") -> list[str]:
    return (DEMO_DIR / f"{name}.csv").read_text().split("\n")


def _sample_indices(lines: list[str], sensor: str = "pelvis") -> list[int]:
    return [i for i, line in enumerate(lines) if line.startswith(sensor + ",")]


def _set_cell(lines: list[str], i: int, col: int, value: str) -> list[str]:
    out = lines.copy()
    cells = out[i].split(",")
    cells[col] = value
    out[i] = ",".join(cells)
    return out


def _write(tmp_path, lines: list[str], name: str = "m.csv"):
    p = tmp_path / name
    p.write_text("\n".join(lines))
    return p


def _read_warned(path, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rec = read_recording(path, **kw)
    assert all(issubclass(w.category, RecordingWarning) for w in caught), [str(w.message) for w in caught]
    return rec, [str(w.message) for w in caught]


@pytest.mark.parametrize("event, problem", [
    ('{"kind": "gap", "sensor": "pelvis", "t_s": "abc", "dropped": 1, "after_s": 1.0}',
     'event t_s must be a number of seconds, not "abc"'),
    ('{"kind": "gap", "sensor": "pelvis", "t_s": 5.0, "dropped": 1, "after_s": "x"}', 'event after_s must be a number'),
    ('{"kind": "note", "sensor": null, "t_s": [1]}', "event t_s must be a number of seconds, not [1]"),
    ('{"kind": "gap", "sensor": 7, "t_s": 5.0}', "event sensor must be a sensor_id string or null, not 7"),
    ('{"kind": null, "t_s": 1}', "event must be a JSON object with a 'kind' string"),
])
def test_malformed_event_is_one_line_naming_it(tmp_path, event, problem):
    lines = _demo_lines()
    i = _sample_indices(lines)[100]
    lines.insert(i, "# event: " + event)
    msg = _bad(tmp_path, "\n".join(lines))
    assert f"bad.csv:{i + 1}: {problem}" in msg


@pytest.mark.parametrize("value", ["5", "null", "[\"pelvis\"]", "\"pel vis\"", "\"\""])
def test_sensor_id_must_be_a_plain_string(tmp_path, value):
    lines = _demo_lines("clamshell")
    k = next(i for i, line in enumerate(lines) if line.startswith("# sensor:"))
    lines[k] = lines[k].replace('"sensor_id": "thigh_left"', f'"sensor_id": {value}')
    assert f"bad.csv:{k + 1}: sensor_id must be a non-empty string" in _bad(tmp_path, "\n".join(lines))


@pytest.mark.parametrize("where, jump", [(-1, 1e5), (-1, 1e7), (-1, 1e12), (-1, -1e6), (2000, 1e7), (2000, -500.0),
                                         (0, 1e6), (0, -1e9)])
def test_isolated_timestamp_outlier_is_one_skipped_sample(tmp_path, where, jump):
    lines = _demo_lines()
    i = _sample_indices(lines)[where]
    t = float(lines[i].split(",")[1])
    rec, warned = _read_warned(_write(tmp_path, _set_cell(lines, i, 1, repr(t + jump))))
    good = read_recording(DEMO).stream("pelvis")
    s = rec.stream("pelvis")
    assert len(s) == len(good) - 1 and rec.skipped == 1
    assert np.array_equal(s.t_s, np.delete(good.t_s, where))
    assert len(warned) == 1 and f"m.csv:{i + 1}: time_s" in warned[0] and "far off its neighbours" in warned[0]


def test_small_time_disorder_and_real_gaps_are_not_outliers(tmp_path):
    lines = _demo_lines()
    idx = _sample_indices(lines)
    i = idx[500]
    t = float(lines[i].split(",")[1])
    msg = _bad(tmp_path, "\n".join(_set_cell(lines, i, 1, repr(t + 0.5))))
    assert f":{i + 2}: non-monotonic time_s" in msg  # the sample after the one 0.5 s ahead: a plain error
    # a 1000-s pause mid-file is a real gap (the analysis deals with it): every sample is kept, no warning
    paused = lines.copy()
    for k in idx[5000:]:
        paused = _set_cell(paused, k, 1, repr(float(paused[k].split(",")[1]) + 1000.0))
    rec, warned = _read_warned(_write(tmp_path, paused))
    assert not warned and len(rec.stream("pelvis")) == len(idx)


@pytest.mark.parametrize("col, value, reason", [
    (6, "1e30", "gyr_y_rads 1e+30 is outside the sensor's range ±2000 °/s"),
    (3, "-1.7e308", "acc_y_mps2 -1.7e+308 is outside the sensor's range ±8 g"),
    (5, "nan", "gyr_x_rads is nan (NaN/inf)"),
    (2, "inf", "acc_x_mps2 is inf (NaN/inf)"),
    (1, "nan", "time_s is nan (NaN/inf)"),
])
def test_out_of_range_or_non_finite_sample_is_skipped_with_warning(tmp_path, col, value, reason):
    lines = _demo_lines()
    i = _sample_indices(lines)[3000]
    rec, warned = _read_warned(_write(tmp_path, _set_cell(lines, i, col, value)))
    good = read_recording(DEMO).stream("pelvis")
    s = rec.stream("pelvis")
    assert warned == [f"{tmp_path / 'm.csv'}:{i + 1}: {reason}: sample skipped"]
    assert rec.skipped == 1 and np.array_equal(s.gyr_rads, np.delete(good.gyr_rads, 3000, axis=0))


def test_physically_impossible_sample_skipped_without_declared_range(tmp_path):
    rng = np.random.default_rng(0)
    t = np.arange(200) / 100.0
    acc, gyr = GRAVITY + rng.normal(0, 0.1, (200, 3)), rng.normal(0, 0.5, (200, 3))
    acc[50, 0], gyr[120, 2] = 600.0, -80.0  # 61 g; 80 rad/s
    p = tmp_path / "g.csv"
    np.savetxt(p, np.column_stack([t, acc, gyr]), fmt="%.9g", delimiter=",", comments="",
               header="time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads")
    rec, warned = _read_warned(p, placement="pelvis")
    assert rec.skipped == 2 and len(rec.stream("pelvis")) == 198
    assert any(":52: |acc| 600" in w and "physically impossible" in w for w in warned)
    assert any(":122: |gyr| 80" in w and "physically impossible" in w for w in warned)


def test_many_bad_samples_refuse_the_file(tmp_path):
    lines = _demo_lines()
    for i in _sample_indices(lines)[1000:1400]:
        lines = _set_cell(lines, i, 5, "1e30")
    msg = _bad(tmp_path, "\n".join(lines))
    assert "gyr_x_rads 1e+30 is outside the sensor's range" in msg
    assert "400 of 6542 samples of sensor pelvis are bad, too many to skip" in msg


def _generic(tmp_path, t, acc, gyr, acc_unit="mps2", gyr_unit="rads", name="u.csv"):
    p = tmp_path / name
    header = ",".join(["time_s"] + [f"acc_{a}_{acc_unit}" for a in "xyz"] + [f"gyr_{a}_{gyr_unit}" for a in "xyz"])
    np.savetxt(p, np.column_stack([t, acc, gyr]), fmt="%.9g", delimiter=",", header=header, comments="")
    return p


@pytest.fixture(scope="module")
def demo_pelvis():
    return read_recording(DEMO).stream("pelvis")


AT_REST_1G = "(median |acc| at rest 1.00)"


@pytest.mark.parametrize("change, expect", [
    ("ms", "time_s looks like milliseconds, not seconds (median interval 10 → 0.1 Hz): divide it by 1000"),
    ("acc_g", f"acceleration looks like g, not m/s² {AT_REST_1G}: rename the columns acc_*_g"),
    ("gyr_dps", "angular rate looks like °/s, not rad/s (99th percentile |gyr| 88.9): rename the columns gyr_*_dps"),
    ("acc_mps2_as_g", "acceleration looks like m/s², not g (median |acc| at rest 9.82): rename the columns"),
    ("both", f"acceleration looks like g, not m/s² {AT_REST_1G}: rename the columns acc_*_g; angular rate looks like"),
])
def test_unit_mistakes_are_named(tmp_path, demo_pelvis, change, expect):
    s = demo_pelvis
    t, acc, gyr, acc_unit = s.t_s, s.acc_mps2, s.gyr_rads, "mps2"
    if change == "ms":
        t = t * 1000
    if change in ("acc_g", "both"):
        acc = acc / 9.80665
    if change in ("gyr_dps", "both"):
        gyr = np.degrees(gyr)
    if change == "acc_mps2_as_g":
        acc_unit = "g"
    p = _generic(tmp_path, t, acc, gyr, acc_unit)
    with pytest.raises(RecordingError) as exc:
        read_recording(p, placement="pelvis")
    assert str(exc.value) == f"{p}: {expect}" or str(exc.value).startswith(f"{p}: {expect}")


def test_unit_mistake_in_a_v1_file_names_the_sensor(tmp_path):
    lines = _demo_lines("clamshell")
    for i in _sample_indices(lines, "thigh_left"):
        cells = lines[i].split(",")
        lines[i] = ",".join(cells[:2] + [repr(float(c) / 9.80665) for c in cells[2:5]] + cells[5:])
    msg = _bad(tmp_path, "\n".join(lines))
    expect = "bad.csv: sensor thigh_left: acceleration looks like g, not m/s² (median |acc| at rest 1.00): store m/s²"
    assert msg.endswith(expect + " (× 9.80665)")


def test_rate_outside_10_to_2000_hz_is_refused(tmp_path, demo_pelvis):
    s = demo_pelvis
    p = _generic(tmp_path, s.t_s * 30, s.acc_mps2, s.gyr_rads)
    with pytest.raises(RecordingError, match=r"implausible sample rate 3.33 Hz .*expected 10–2000 Hz"):
        read_recording(p, placement="pelvis")


def _valid_files():
    files = [(p, None) for p in sorted(DEMO_DIR.glob("*.csv"))]
    return files + [(p, "pelvis") for p in sorted(HELDOUT_DIR.glob("*.csv"))]


@pytest.mark.skipif(not HELDOUT_DIR.exists(), reason="held-out sample not present at ../shared/data/heldout-dev")
def test_valid_files_read_without_warnings_and_fast():
    files = _valid_files()
    assert len(files) >= 30
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recs = [read_recording(p, placement=pl) for p, pl in files]
    elapsed = time.perf_counter() - t0
    assert all(r.skipped == 0 for r in recs)
    assert elapsed < 10.0, f"{elapsed:.1f} s"


def test_demo_fast_path_stays_fast():
    t0 = time.perf_counter()
    for p in sorted(DEMO_DIR.glob("*.csv")):
        assert read_routed(p).route == "v1 whole"
    assert time.perf_counter() - t0 < 2.0


def test_sensor_without_samples_is_left_out_with_warning(tmp_path):
    lines = [line for line in _demo_lines() if not line.startswith("thigh_left,")]
    p = _write(tmp_path, lines)
    rec, warned = _read_warned(p)
    assert rec.placements == ("pelvis",)
    assert warned == [f"{p}: sensor 'thigh_left' has no samples: reading the other sensor(s) only"]
    rec, _ = _read_warned(p, placement="pelvis")
    assert len(rec.stream("pelvis")) == len(read_recording(DEMO).stream("pelvis"))
    with pytest.raises(RecordingError, match=r"m\.csv: sensor 'thigh_left' \(placement thigh_left\) has no samples"):
        read_recording(p, placement="thigh_left")


@pytest.mark.parametrize("codec, name", [("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-16", "UTF-16"),
                                         ("utf-32-le", "UTF-32"), ("utf-32-be", "UTF-32"), ("utf-32", "UTF-32")])
@pytest.mark.parametrize("source", ["hip-thrust", "generic"])
def test_utf16_and_utf32_files_are_named(tmp_path, codec, name, source):
    text = DEMO.read_text() if source == "hip-thrust" else GENERIC
    p = tmp_path / "wide.csv"
    p.write_bytes(text.encode(codec))
    with pytest.raises(RecordingError) as exc:
        read_recording(p, placement="pelvis")
    assert str(exc.value) == f"{p}: file is {name} encoded; save it as UTF-8"


def _header_variant(old: str, new: str, name: str = "hip-thrust") -> str:
    text = (DEMO_DIR / f"{name}.csv").read_text()
    assert old in text
    return text.replace(old, new, 1)


def test_duplicate_sensor_line_is_refused(tmp_path):
    lines = _demo_lines()
    k = next(i for i, line in enumerate(lines) if line.startswith("# sensor:"))
    lines.insert(k + 1, lines[k])
    msg = _bad(tmp_path, "\n".join(lines))
    assert f"bad.csv:{k + 2}: duplicate sensor 'pelvis' (first declared on line {k + 1})" in msg


def test_two_sensors_with_one_placement_are_refused(tmp_path):
    thigh = '"sensor_id": "thigh_left", "placement": '
    text = _header_variant(thigh + '"thigh_left"', thigh + '"pelvis"')
    assert ":11: sensors 'pelvis' and 'thigh_left' both have placement pelvis" in _bad(tmp_path, text)


@pytest.mark.parametrize("old, new, problem", [
    ("# format_version: 1", "# format_version: true", ":2: format_version true is not 1"),
    ("# format_version: 1", "# format_version: 1.0", ":2: format_version 1.0 is not 1"),
    ('"rate_hz": 100.0', '"rate_hz": "fast"', ':10: rate_hz must be a positive number or null, not "fast"'),
    ('"rate_hz": 100.0', '"rate_hz": true', ":10: rate_hz must be a positive number or null, not true"),
    ('"rate_hz": 100.0', '"rate_hz": -100', ":10: rate_hz must be a positive number or null, not -100"),
    ('"acc_range_g": 8.0', '"acc_range_g": "8 g"', ':10: acc_range_g must be a positive number or null, not "8 g"'),
    ('# simulated: true', '# simulated: "yes"', ':7: simulated must be true or false, not "yes"'),
    ('# side: null', '# side: "middle"', ':4: side must be "left", "right" or null, not "middle"'),
    ('# exercise: "hip_thrust"', '# exercise: 3', ":3: exercise must be a string or null, not 3"),
    ('# tempo: "3-1-1-2"', '# tempo: "3-1-1-2"\n# tempo: "2-0-1-0"',
     ":6: duplicate header line 'tempo' (first on line 5)"),
])
def test_header_values_are_type_checked(tmp_path, old, new, problem):
    assert problem in _bad(tmp_path, _header_variant(old, new))


# --------------------------------------------------------------------------- the fast v1 reader: numpy, pandas, lines


def _same_recording(a, b) -> None:
    assert a.meta == b.meta and a.events == b.events and len(a.streams) == len(b.streams)
    for s, t in zip(a.streams, b.streams):
        assert repr(s.info) == repr(t.info) and s.gaps == t.gaps  # repr: an undeclared range is NaN
        for x, y in ((s.t_s, t.t_s), (s.acc_mps2, t.acc_mps2), (s.gyr_rads, t.gyr_rads)):
            assert x.dtype == y.dtype and np.array_equal(x, y)


def _three_readers(path):
    """The recording read by numpy's parse, by pandas', by the long-file reader (numpy a block of lines at a time;
    None: left to the others) and by the validating path."""
    raw = path.read_bytes()
    long = ReadParams(numpy_parse_max_bytes=0, large_block_bytes=500)  # a "long" file: pandas', in blocks
    reads = (read_v1_whole(str(path), raw), read_v1_whole(str(path), raw, long), read_v1_long(str(path), long))
    return (*(r and r.recording for r in reads), read_validating(str(path), raw, None).recording)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(12, 80), st.integers(12, 80), st.sampled_from(["repr", "%.7g", "%.4f"]))
def test_v1_numpy_pandas_and_validating_readers_agree_bit_for_bit(tmp_path_factory, seed, n1, n2, fmt):
    """Two sensors interleaved, a gap event and a mark in the body, numbers as repr or rounded: the same arrays."""
    lines = write_recording(tmp_path_factory.mktemp("v1") / "a.csv", RecordingMeta(exercise="hip_thrust"),
                            [_stream("pelvis", n1, 100, seed), _stream("thigh_left", n2, 50, seed + 1)]
                            ).read_text().splitlines()
    if fmt != "repr":
        lines = [ln if ln.startswith(("#", "sensor,")) else ",".join([ln.split(",")[0]] + [
            fmt % float(v) for v in ln.split(",")[1:]]) for ln in lines]
    body = [i for i, ln in enumerate(lines) if not ln.startswith("#")][1:]
    lines.insert(body[len(body) // 2], '# event: {"kind": "mark", "t_s": 0.1, "sensor_id": null, "info": {}}')
    p = tmp_path_factory.mktemp("v1") / "b.csv"
    p.write_text("\n".join(lines) + "\n")
    by_numpy, by_pandas, by_blocks, validated = _three_readers(p)
    assert by_numpy is not None and by_pandas is not None and by_blocks is not None
    _same_recording(by_numpy, validated)
    _same_recording(by_pandas, validated)
    _same_recording(by_blocks, validated)


@pytest.mark.parametrize("change", ["crlf", "spaces", "numeric ids", "blank line", "prefix ids", "letter", "fields"])
def test_v1_files_numpy_does_not_parse_read_as_before(tmp_path, change):
    """What the numpy parse leaves (CRLF, spaces in fields, ids that look like numbers, a blank line) goes to
    pandas and reads exactly as by the validating path; an id that begins another is told apart, a letter in a
    number or a row with another number of fields is left to the validating path."""
    text = write_recording(tmp_path / "a.csv", RecordingMeta(exercise="hip_thrust"),
                           [_stream("pelvis", 40, 100, 3), _stream("thigh_left", 30, 100, 4)]).read_text()
    if change == "crlf":
        text = text.replace("\n", "\r\n")
    elif change == "spaces":
        text = text.replace("pelvis,", "pelvis, ")
    elif change == "numeric ids":
        text = text.replace('"sensor_id": "thigh_left"', '"sensor_id": "2e1"').replace("\nthigh_left,", "\n2e1,")
    elif change == "prefix ids":
        text = text.replace('"sensor_id": "thigh_left"', '"sensor_id": "pelvis2"').replace("\nthigh_left,",
                                                                                          "\npelvis2,")
    elif change in ("letter", "fields"):
        at = text.index("\nthigh_left,") + len("\nthigh_left,")
        text = text[:at] + ("x" if change == "letter" else "1,") + text[at:]
    else:
        at = text.index("\npelvis,", text.index("\npelvis,") + 1)
        text = text[:at] + "\n" + text[at:]
    p = tmp_path / "b.csv"
    p.write_bytes(text.encode())
    if change in ("letter", "fields"):  # no fast reader takes it: the validating path names the line
        with pytest.raises(RecordingError, match=r"b\.csv:\d+: "):
            read_recording(p)
        long = ReadParams(numpy_parse_max_bytes=0)
        assert read_v1_whole(str(p), p.read_bytes(), long) is None and read_v1_long(str(p), long) is None
        return
    by_numpy, by_pandas, by_blocks, validated = _three_readers(p)
    assert (by_blocks is not None) == (change == "prefix ids")
    for rec in (by_numpy, by_pandas, by_blocks):
        if rec is not None:
            _same_recording(rec, validated)
    assert read_recording(p).streams[0].t_s.size == 40


def test_undeclared_sensor_id_still_named_by_the_validating_path(tmp_path):
    text = write_recording(tmp_path / "a.csv", RecordingMeta(), [_stream("pelvis", 40, 100, 3)]).read_text()
    text = text.replace("\npelvis,", "\npelvis2,", 1)
    p = tmp_path / "b.csv"
    p.write_text(text)
    assert read_v1_whole(str(p), p.read_bytes()) is None
    with pytest.raises(RecordingError, match="pelvis2"):
        read_recording(p)


def test_reading_a_demo_does_not_import_pandas():
    """pandas costs ~0.4 s CPU to import: a file of a few minutes is parsed by numpy alone."""
    code = ("import sys; from sensors.recording import read_recording; "
            f"read_recording({str(DEMO)!r}, placement='pelvis'); "
            f"read_recording({str(DEMO)!r}); print('pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=40).map(
    lambda s: (s[0], 3)), elements=st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)))
def test_the_checks_row_norm_is_numpys_bit_for_bit(v):
    from sensors.validate import norm3
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.linalg.norm(v, axis=1)
        got = norm3(v)
    assert np.array_equal(got.view(np.int64), want.view(np.int64)) or np.array_equal(got, want, equal_nan=True)


def test_shared_norms_give_the_checks_answers():
    from sensors import validate
    rng = np.random.default_rng(3)
    values = np.column_stack([np.arange(500) * 0.01, rng.normal(0, 0.05, (500, 3)) + [0, 0, 1.0],
                              rng.normal(0, 20, (500, 3))])
    values[7, 2] = 60.0  # |acc| over 50 g in g; the gyroscope in °/s: both flagged by their SI norms
    scale = np.array([1.0] + [validate.STANDARD_GRAVITY_MPS2] * 3 + [np.pi / 180] * 3)
    n = validate.norms(values, scale)
    assert n.acc_si is not n.acc_raw and n.gyr_si is not n.gyr_raw
    names = [f"c{i}" for i in range(7)]
    shared = validate.out_of_range(values, scale, names, np.nan, np.nan, n)
    alone = validate.out_of_range(values, scale, names, np.nan, np.nan)
    assert [f.first for f in shared] == [f.first for f in alone] == [7]
    assert [f.reason for f in shared] == [f.reason for f in alone]
    assert validate.unit_problem(values, scale, "g", "dps", True, n) is None
    values[:, 1:4] *= validate.STANDARD_GRAVITY_MPS2  # m/s² in columns named g: the message names it
    problem = validate.unit_problem(values, scale, "g", "dps", True, validate.norms(values, scale))
    assert problem == validate.unit_problem(values, scale, "g", "dps", True) and "not g" in problem
    ones = validate.norms(values, np.ones(7))
    assert ones.acc_si is ones.acc_raw and ones.gyr_si is ones.gyr_raw
