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
    RecordingError,
    RecordingMeta,
    RecordingWarning,
    RecordingWriter,
    SensorStream,
    read_recording,
    write_recording,
)

finite = st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1e6, max_value=1e6)


def _stream(placement: str, n: int, rate: float, seed: int) -> SensorStream:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.8, 1.2, n) / rate)
    return SensorStream(SensorInfo(placement, placement, "test", rate), t, rng.normal(0, 9.81, (n, 3)), rng.normal(0, 2, (n, 3)))


@settings(max_examples=40, deadline=None)
@given(
    values=hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.just(6)), elements=finite),
    dts=st.lists(st.floats(1e-6, 10.0, allow_nan=False), min_size=40, max_size=40),
    t0=st.floats(-1e5, 1e5, allow_nan=False),
)
def test_round_trip_is_lossless(tmp_path_factory, values, dts, t0):
    n = len(values)
    t = t0 + np.cumsum(np.asarray(dts[:n]))
    t = np.maximum.accumulate(t)
    t[1:] = np.where(np.diff(t) > 0, t[1:], np.nextafter(t[:-1], np.inf))  # strictly increasing
    t = np.maximum.accumulate(t)
    if not (np.diff(t) > 0).all():
        return
    path = tmp_path_factory.mktemp("rt") / "r.csv"
    s1 = SensorStream(SensorInfo("pelvis", "pelvis", "x", 100.0), t, values[:, :3].copy(), values[:, 3:].copy())
    s2 = _stream("thigh_left", 17, 200.0, 3)
    write_recording(path, RecordingMeta(exercise="hip_thrust", tempo="3-1-1-2", notes="a, \"quoted\" # note"), [s1, s2])
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
    write_recording(path, RecordingMeta(exercise="glute_bridge"), [_stream("pelvis", 300, 100, 1), _stream("thigh_right", 600, 200, 2)])
    df = pd.read_csv(path, comment="#")
    assert list(df.columns) == ["sensor", "time_s", "acc_x_mps2", "acc_y_mps2", "acc_z_mps2", "gyr_x_rads", "gyr_y_rads", "gyr_z_rads"]
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
        w.write(SampleBatch("pelvis", np.array([0.0, 0.01, 0.02]), np.zeros((3, 3)), np.zeros((3, 3))))
        acc = np.zeros((3, 3))
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
    cells[3] = "nan"
    nan_lines = lines.copy()
    nan_lines[i] = ",".join(cells)
    assert f":{i + 1}: acc_y_mps2 is nan" in _bad(tmp_path, "\n".join(nan_lines))
    dup = lines.copy()
    dup[i + 1] = dup[i]
    assert f":{i + 2}: duplicate time_s" in _bad(tmp_path, "\n".join(dup))
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


GENERIC = "time_s,acc_x_g,acc_y_g,acc_z_g,gyr_x_dps,gyr_y_dps,gyr_z_dps,label\n0,0,0,1,90,0,0,a\n0.01,0,0,1,90,0,0,b\n0.02,0,0,1,90,0,0,c"


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
    rows = [[0.1, 0.0, 1, 2, 3, 4, 5, "x"], [0.2, 0.1, 1, 2, 3, 4, 5, "y"]]
    p.write_text("# exported by some tool\n" + ",".join(cols) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    s = read_recording(p, placement="pelvis").stream("pelvis")
    assert s.t_s.tolist() == [0.0, 0.1]
    assert s.gyr_rads[:, 2].tolist() == [0.1, 0.2]
    assert s.acc_mps2[0].tolist() == [1, 2, 3]


def test_generic_csv_missing_columns_is_clear(tmp_path):
    p = tmp_path / "nogyr.csv"
    p.write_text("time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2\n0,0,0,9.8\n")
    msg = _bad(tmp_path, p.read_text(), "nogyr.csv")
    assert ":1: missing column(s): need gyr_x_rads or gyr_x_dps" in msg
