"""Files from other apps: delimiter and decimal-comma sniffing, the vendor formats (Movella DOT, MetaWear/MetaBase,
Polar Sensor Logger, WitMotion app), `--columns`/`--units`, the generic CSV's fast path, and their errors.

Each vendor sample is written here from the vendor's published layout (see each `sensors/formats/` module's
docstring) from the demo hip-thrust set's pelvis stream, so the expected samples and rep count are known.
"""
from __future__ import annotations

import json
import math
import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.formats import column_map, merge
from sensors.formats import movella_dot as dot
from sensors.formats.table import Dialect, find_table, sniff
from sensors.formats.timebase import UINT32_MODULUS, unwrap_counter
from sensors.recording import RecordingError, read_generic_whole, read_recording, read_routed, read_validating
from tests.conftest import DEMO_DIR
from tests.test_fuzz import MUTATIONS, read_outcome
from ui.cli import main

DEMO = DEMO_DIR / "hip-thrust.csv"
G = 9.80665
DEMO_REPS = 8
EPOCH_MS = 1_795_000_000_000  # 2026-11-18, Unix ms
FUZZ_CASES = 160
POLAR_NS = 848_000_000_000_000_000  # ns since 2000-01-01


@pytest.fixture(scope="module")
def demo():
    return read_recording(DEMO).stream("pelvis")


def _analyze(capsys, path, *extra) -> tuple[int, dict | None, str]:
    rc = main(["analyze", str(path), "--placement", "pelvis", "--exercise", "hip_thrust", "--json", *extra])
    out, err = capsys.readouterr()
    return rc, (json.loads(out) if rc == 0 else None), err


# ---------------------------------------------------------------------------------------------------------- writers


DOT_RATE_COLUMNS = "PacketCounter,SampleTimeFine,Quat_W,Quat_X,Quat_Y,Quat_Z,Acc_X,Acc_Y,Acc_Z,Gyr_X,Gyr_Y,Gyr_Z"


def movella_dot(path, s, t0_us: int = UINT32_MODULUS - 3_000_000, mode_columns: str | None = None):
    """The Movella DOT logger's CSV: `sep=,`, `Key:,value,,,` preamble, blank line, header, ", "-separated rows;
    SampleTimeFine in µs (uint32: starting 3 s before the wrap), Acc m/s², Gyr °/s."""
    pad = "," * 17
    head = ["sep=,", f"DeviceTag:,pelvis{pad}", f"FirmwareVersion:,2.6.0{pad}", f"AppVersion:,2023.6.0{pad}",
            f"SyncStatus:,Un-synced{pad}", f"OutputRate:,100Hz{pad}", f"FilterProfile:,General{pad}",
            f"Measurement Mode:,Custom Mode 5{pad}", f"StartTime:,2026-11-24 10:00:00.000 +0100{pad}",
            f"Movella Technologies B. V. 2005-2026,,{pad}", ""]
    cols = mode_columns or DOT_RATE_COLUMNS
    ticks = (np.round((s.t_s - s.t_s[0]) * 1e6).astype(np.int64) + t0_us) % UINT32_MODULUS
    rows = []
    for k in range(len(s.t_s)):
        a, w = s.acc_mps2[k], np.degrees(s.gyr_rads[k])
        cells = [k + 1, int(ticks[k]), 1.0, 0.0, 0.0, 0.0, *(f"{v:.6f}" for v in a), *(f"{v:.6f}" for v in w)]
        rows.append(", ".join(map(str, cells[: cols.count(",") + 1])))
    path.write_text("\n".join(head + [cols] + rows) + "\n")
    return path


def metawear_pair(folder, s, gyr_offset_ms: int = 3):
    """MetaBase's two CSVs (accelerometer in g, gyroscope in °/s, `epoch (ms)`), the gyroscope sampled 3 ms later."""
    base = "MetaWear_2026-11-24T10.00.00.000_C8D2E2F1D4A5_{}_1.4.5.csv"
    epoch = EPOCH_MS + np.round((s.t_s - s.t_s[0]) * 1e3).astype(np.int64)
    files = {}
    for kind, unit, values, offset in (("Accelerometer", "g", s.acc_mps2 / G, 0),
                                       ("Gyroscope", "deg/s", np.degrees(s.gyr_rads), gyr_offset_ms)):
        e = epoch + offset
        t_interp = (e - EPOCH_MS) / 1e3 + s.t_s[0]  # what the values are at (interpolated from the demo stream)
        v = np.column_stack([np.interp(t_interp, s.t_s, values[:, i]) for i in range(3)])
        lines = [f"epoch (ms),time (+01:00),elapsed (s),x-axis ({unit}),y-axis ({unit}),z-axis ({unit})"]
        for k in range(len(e)):
            stamp = f"2026-11-24T10.00.{(e[k] - EPOCH_MS) / 1e3:06.3f}"
            lines.append(f"{e[k]},{stamp},{(e[k] - e[0]) / 1e3:.3f},{v[k, 0]:.4f},{v[k, 1]:.4f},{v[k, 2]:.4f}")
        files[kind] = folder / base.format(kind)
        files[kind].write_text("\n".join(lines) + "\n")
    return files


def polar_pair(folder, s, gyr_offset_ns: int = 2_000_000):
    """Polar Sensor Logger's `_ACC.txt` (mg, integers) and `_GYRO.txt` (°/s): semicolons, sensor clock in ns."""
    ns = POLAR_NS + np.round((s.t_s - s.t_s[0]) * 1e9).astype(np.int64)
    files = {}
    for kind, unit, values, offset in (("ACC", "mg", s.acc_mps2 / G * 1000, 0),
                                       ("GYRO", "dps", np.degrees(s.gyr_rads), gyr_offset_ns)):
        t = ns + offset
        v = np.column_stack([np.interp((t - ns[0]) / 1e9 + s.t_s[0], s.t_s, values[:, i]) for i in range(3)])
        lines = [f"Phone timestamp;sensor timestamp [ns];X [{unit}];Y [{unit}];Z [{unit}]"]
        fmt = "{:.0f}" if kind == "ACC" else "{:.3f}"
        for k in range(len(t)):
            phone = f"2026-11-24T10:00:{(t[k] - ns[0]) / 1e9:06.3f}"
            lines.append(";".join([phone, str(t[k]), *(fmt.format(x) for x in v[k])]))
        files[kind] = folder / f"Polar_Sense_B5A5C22F_20261124_100000_{kind}.txt"
        files[kind].write_text("\n".join(lines) + "\n")
    return files


WIT_COLUMNS = ("Time", "Device name", "Chip Time()", "Acceleration X(g)", "Acceleration Y(g)", "Acceleration Z(g)",
               "Angular velocity X(°/s)", "Angular velocity Y(°/s)", "Angular velocity Z(°/s)", "Angle X(°)",
               "Angle Y(°)", "Angle Z(°)", "Temperature(℃)")


def witmotion(path, s, sep="\t", decimal=".", devices=("WT901BLE67(d6:a8:b9:ee:a0:b7)",)):
    """The WitMotion app's record file: wall-clock `Time` and `Chip Time()` (ms after a colon), g and °/s."""
    lines = [sep.join(WIT_COLUMNS)]
    for k in range(len(s.t_s)):
        ms = int(round((s.t_s[k] - s.t_s[0]) * 1e3)) + 23 * 3600_000 + 59 * 60_000 + 50_000  # crosses midnight
        day, rest = divmod(ms, 86400_000)
        hh, rest = divmod(rest, 3600_000)
        mm, rest = divmod(rest, 60_000)
        ss, frac = divmod(rest, 1000)
        clock = f"{hh:02d}:{mm:02d}:{ss:02d}"
        cells = [f"{clock}.{frac:03d}", devices[k % len(devices)], f"2026-11-{24 + day} {clock}:{frac:03d}",
                 *(f"{v:.4f}" for v in s.acc_mps2[k] / G), *(f"{v:.3f}" for v in np.degrees(s.gyr_rads[k])),
                 "0.5", "-1.2", "88.0", "31.5"]
        lines.append(sep.join(c.replace(".", decimal) if c[:1] in "-0123456789" else c for c in cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------------------- generic CSV


def _generic_text(s, sep=",", decimal=".") -> str:
    head = sep.join(["time_s", "acc_x_mps2", "acc_y_mps2", "acc_z_mps2", "gyr_x_rads", "gyr_y_rads", "gyr_z_rads"])
    block = np.column_stack([s.t_s, s.acc_mps2, s.gyr_rads])
    rows = [sep.join(repr(float(v)).replace(".", decimal) for v in r) for r in block]
    return head + "\n" + "\n".join(rows) + "\n"


@pytest.mark.parametrize("sep, decimal", [(";", "."), (";", ","), ("\t", "."), ("\t", ",")])
def test_semicolon_tab_and_decimal_comma_read_like_the_comma_file(tmp_path, demo, sep, decimal):
    p = tmp_path / "other.csv"
    p.write_text(_generic_text(demo, sep, decimal))
    s = read_recording(p, placement="pelvis").stream("pelvis")
    assert np.array_equal(s.t_s, demo.t_s) and np.array_equal(s.acc_mps2, demo.acc_mps2)
    assert np.array_equal(s.gyr_rads, demo.gyr_rads)


@pytest.mark.parametrize("header, rows, expect", [
    ("a;b;c", ["1,5;2;3", "4;5,25;6"], Dialect(";", ",")),
    ("a;b;c", ["1.5;2;3"], Dialect(";", ".")),
    ("a\tb\tc", ["1,5\t2\t3"], Dialect("\t", ",")),
    ("a,b,c", ["1.5,2,3"], Dialect(",", ".")),
    ("a,b;c", ["1,2;3", "4,5;6"], Dialect(";", ",")),  # both agree once each: tab > ; > , (a decimal comma)
])
def test_sniffing(header, rows, expect):
    assert sniff(header, rows) == expect


def test_semicolon_file_with_a_bad_cell_names_line_and_cell(tmp_path, demo):
    lines = _generic_text(demo, ";", ",").split("\n")
    cells = lines[7].split(";")
    cells[2] = "abc"
    lines[7] = ";".join(cells)
    p = tmp_path / "bad.csv"
    p.write_text("\n".join(lines))
    with pytest.raises(RecordingError, match=r"^.*bad\.csv:8: acc_y_mps2 is not a number: 'abc'$"):
        read_recording(p, placement="pelvis")


def test_generic_fast_path_is_taken_and_equals_the_validating_path(tmp_path, demo):
    p = tmp_path / "g.csv"
    p.write_text("# from another tool\n" + _generic_text(demo, ";", ","))
    slow = read_validating(str(p), p.read_bytes(), "pelvis").recording
    read = read_routed(p, placement="pelvis")
    assert read.route == "generic whole"  # a well-formed generic CSV does not take the validating path
    fast = read.recording
    a, b = fast.stream("pelvis"), slow.stream("pelvis")
    assert np.array_equal(a.t_s, b.t_s) and np.array_equal(a.acc_mps2, b.acc_mps2)
    assert np.array_equal(a.gyr_rads, b.gyr_rads) and a.info == b.info and fast.meta == slow.meta


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(*[finite] * 6), min_size=30, max_size=60), st.sampled_from([",", ";", "\t"]),
       st.sampled_from(["repr", "%.9g", "%.3f"]))
def test_fast_and_validating_paths_agree_bit_for_bit(tmp_path_factory, rows, sep, fmt):
    t = np.arange(len(rows)) * 0.01
    acc = np.array([r[:3] for r in rows]) * 0.001 + [0, 0, G]  # plausible: at rest near 1 g
    gyr = np.array([r[3:] for r in rows]) * 0.001
    block = np.column_stack([t, acc, gyr])
    show = repr if fmt == "repr" else (lambda v: fmt % v)
    text = sep.join(["time_s", "acc_x_mps2", "acc_y_mps2", "acc_z_mps2", "gyr_x_rads", "gyr_y_rads", "gyr_z_rads"])
    text += "\n" + "".join(sep.join(show(float(v)) for v in r) + "\n" for r in block)
    p = tmp_path_factory.mktemp("fp") / "g.csv"
    p.write_text(text)
    fast = read_generic_whole(str(p), p.read_bytes(), "pelvis")
    slow = read_validating(str(p), p.read_bytes(), "pelvis").recording
    assert fast is not None
    fast = fast.recording
    for x, y in ((fast.streams[0].t_s, slow.streams[0].t_s), (fast.streams[0].acc_mps2, slow.streams[0].acc_mps2),
                 (fast.streams[0].gyr_rads, slow.streams[0].gyr_rads)):
        assert np.array_equal(x, y)


# ---------------------------------------------------------------------------------------------------------- vendors


def test_movella_dot_unwraps_the_us_clock_and_converts_units(tmp_path, demo):
    p = movella_dot(tmp_path / "pelvis_20261124_100000.csv", demo)
    rec = read_recording(p, placement="pelvis")
    s = rec.stream("pelvis")
    assert s.info.model == "Movella DOT pelvis" and "Custom Mode 5" in rec.meta.notes
    assert np.all(np.diff(s.t_s) > 0) and s.t_s[-1] > 3.0  # past the wrap at 3 s
    assert np.allclose(s.t_s, demo.t_s - demo.t_s[0], atol=1e-6)
    assert np.allclose(s.acc_mps2, demo.acc_mps2, atol=1e-6)
    assert np.allclose(s.gyr_rads, demo.gyr_rads, atol=math.radians(1e-6))


def test_movella_dot_line_exact_sample(tmp_path):
    text = ("sep=,\nDeviceTag:,D1,,\nMeasurement Mode:,Custom Mode 5,,\n\n"
            "PacketCounter,SampleTimeFine,Quat_W,Quat_X,Quat_Y,Quat_Z,Acc_X,Acc_Y,Acc_Z,Gyr_X,Gyr_Y,Gyr_Z\n")
    rows = [(65535, 4294957296), (0, 4294967286), (1, 9990)]  # PacketCounter uint16 and SampleTimeFine uint32 wrap
    text += "".join(f"{pc}, {tf}, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 9.81, 180.0, 0.0, -90.0\n" for pc, tf in rows)
    p = tmp_path / "dot.csv"
    p.write_text(text)
    d = dot.decode(find_table(p, p.read_text().split("\n")[:-1], dot.matches))
    assert d.values[:, 0].tolist() == [0.0, 0.00999, 0.01999]  # 9990 µs, then 10 µs to the wrap + 9990
    assert (d.values[:, 4:] * d.scale[4:]).tolist()[0] == [math.pi, 0.0, -math.pi / 2]


def test_movella_dot_without_acc_and_gyr_is_one_line(tmp_path, demo):
    cols = "PacketCounter,SampleTimeFine,Quat_W,Quat_X,Quat_Y,Quat_Z"
    p = movella_dot(tmp_path / "q.csv", demo, mode_columns=cols)
    with pytest.raises(RecordingError, match=r"q\.csv:12: Movella DOT export without Acc_X, .*Gyr_Z \(measurement"
                                             r" mode Custom Mode 5\): export a mode with acceleration"):
        read_recording(p, placement="pelvis")


def test_mt_manager_export_is_not_taken_for_a_dot_file(tmp_path):
    p = tmp_path / "MT_0080003F51_004-000.txt"
    p.write_text("// General information:\n//  MT Manager version: 2022.2.0\n// Coordinate system: ENU\n"
                 "PacketCounter\tSampleTimeFine\tAcc_X\tAcc_Y\tAcc_Z\tGyr_X\tGyr_Y\tGyr_Z\n"
                 + "".join(f"{k}\t{k * 100}\t0\t0\t9.8\t0\t0\t0\n" for k in range(50)))
    with pytest.raises(RecordingError, match=r"MT_0080003F51_004-000\.txt:4: an Xsens MT Manager export, not a"):
        read_recording(p, placement="pelvis")


@pytest.mark.parametrize("which", ["Accelerometer", "Gyroscope"])
def test_metawear_either_file_reads_the_pair_on_the_gyro_clock(tmp_path, demo, which):
    files = metawear_pair(tmp_path, demo)
    rec = read_recording(files[which], placement="pelvis")
    s = rec.stream("pelvis")
    assert s.info.model == "MetaWear (MetaBase)" and "Accelerometer" in rec.meta.notes
    t_demo = demo.t_s - demo.t_s[0]
    gyr_t = np.round(t_demo * 1e3) / 1e3 + 0.003
    assert np.allclose(s.t_s, gyr_t[: len(s.t_s)], atol=1e-9)  # the gyro's stamps, up to the accelerometer's end
    want_acc = np.column_stack([np.interp(s.t_s + demo.t_s[0], demo.t_s, demo.acc_mps2[:, i]) for i in range(3)])
    assert np.abs(s.acc_mps2 - want_acc).max() < 0.05  # 1e-4 g rounding plus the 3 ms interpolation
    assert np.allclose(s.gyr_rads, np.column_stack(
        [np.interp(s.t_s + demo.t_s[0], demo.t_s, demo.gyr_rads[:, i]) for i in range(3)]), atol=1e-4)


def test_metawear_alone_is_one_line(tmp_path, demo):
    files = metawear_pair(tmp_path, demo)
    files["Gyroscope"].unlink()
    with pytest.raises(RecordingError, match=r"Accelerometer_1\.4\.5\.csv: MetaWear \(MetaBase\): no Gyroscope file"
                                             r" beside it; .*two files"):
        read_recording(files["Accelerometer"], placement="pelvis")


def test_polar_sensor_logger_pair(tmp_path, demo):
    files = polar_pair(tmp_path, demo)
    s = read_recording(files["ACC"], placement="pelvis").stream("pelvis")
    s2 = read_recording(files["GYRO"], placement="pelvis").stream("pelvis")
    assert np.array_equal(s.t_s, s2.t_s) and np.array_equal(s.acc_mps2, s2.acc_mps2)
    assert np.allclose(s.t_s, (demo.t_s - demo.t_s[0])[: len(s.t_s)] + 0.002, atol=1e-6)
    want = np.column_stack([np.interp(s.t_s + demo.t_s[0], demo.t_s, demo.acc_mps2[:, i]) for i in range(3)])
    assert np.abs(s.acc_mps2 - want).max() < 0.02  # whole milli-g


def test_polar_acc_without_gyro_is_one_line(tmp_path, demo):
    files = polar_pair(tmp_path, demo)
    files["GYRO"].unlink()
    with pytest.raises(RecordingError, match=r"_ACC\.txt: Polar Sensor Logger: no _GYRO file beside it"):
        read_recording(files["ACC"], placement="pelvis")


@pytest.mark.parametrize("sep, decimal", [("\t", "."), (",", "."), ("\t", ",")])
def test_witmotion_app_export(tmp_path, demo, sep, decimal):
    p = witmotion(tmp_path / "wit.txt", demo, sep, decimal)
    rec = read_recording(p, placement="pelvis")
    s = rec.stream("pelvis")
    assert "Chip Time()" in rec.meta.notes and s.info.model == "WitMotion app"
    assert np.allclose(s.t_s, np.round((demo.t_s - demo.t_s[0]) * 1e3) / 1e3, atol=1e-9)  # across midnight
    assert np.abs(s.acc_mps2 - demo.acc_mps2).max() < 1e-3
    assert np.abs(s.gyr_rads - demo.gyr_rads).max() < 1e-4


def test_witmotion_without_chip_time_uses_the_phone_time(tmp_path, demo):
    lines = witmotion(tmp_path / "w.csv", demo, sep=",").read_text().split("\n")
    (tmp_path / "w.csv").write_text("\n".join(",".join(c for k, c in enumerate(ln.split(",")) if k != 2)
                                             for ln in lines))
    rec = read_recording(tmp_path / "w.csv", placement="pelvis")
    assert "time from Time" in rec.meta.notes
    assert np.allclose(rec.stream("pelvis").t_s, np.round((demo.t_s - demo.t_s[0]) * 1e3) / 1e3, atol=1e-9)


def test_witmotion_pc_software_gb2312_header(tmp_path, demo):
    p = witmotion(tmp_path / "pc.txt", demo)
    p.write_bytes(p.read_text(encoding="utf-8").encode("gb18030"))
    assert p.read_bytes()[:300].count(b"\xa1\xe3") == 6  # ° as GB2312 writes it
    s = read_recording(p, placement="pelvis").stream("pelvis")
    assert np.abs(s.gyr_rads - demo.gyr_rads).max() < 1e-4
    (tmp_path / "latin.csv").write_bytes(_generic_text(demo).replace("time_s", "tíme_s").encode("latin-1"))
    with pytest.raises(RecordingError, match=r"latin\.csv:1: not UTF-8 text"):
        read_recording(tmp_path / "latin.csv", placement="pelvis")


def test_witmotion_two_devices_and_bad_time_are_one_line(tmp_path, demo):
    p = witmotion(tmp_path / "two.txt", demo, devices=("WT901BLE67(aa)", "WT901BLE67(bb)"))
    with pytest.raises(RecordingError, match=r"two\.txt: WitMotion app file holds 2 sensors \(WT901BLE67\(aa\), "):
        read_recording(p, placement="pelvis")
    lines = witmotion(tmp_path / "t.txt", demo).read_text().split("\n")
    cells = lines[5].split("\t")
    cells[2] = "yesterday"
    lines[5] = "\t".join(cells)
    (tmp_path / "t.txt").write_text("\n".join(lines))
    with pytest.raises(RecordingError, match=r"t\.txt:6: Chip Time\(\) is not a time .*: 'yesterday'$"):
        read_recording(tmp_path / "t.txt", placement="pelvis")
    lines[5] = lines[7]
    (tmp_path / "t.txt").write_text("\n".join(lines))
    with pytest.raises(RecordingError, match=r"t\.txt:7: non-monotonic time from Chip Time\(\) \(s\) 0\.0"):
        read_recording(tmp_path / "t.txt", placement="pelvis")


def test_vendor_file_without_placement_is_one_line(tmp_path, demo):
    p = movella_dot(tmp_path / "dot.csv", demo)
    with pytest.raises(RecordingError, match="carries no placement: pass --placement"):
        read_recording(p)


def test_every_vendor_file_analyses_like_the_demo(tmp_path, demo, capsys):
    mw, pol = metawear_pair(tmp_path, demo), polar_pair(tmp_path, demo)
    paths = [movella_dot(tmp_path / "dot.csv", demo), mw["Gyroscope"], pol["ACC"], witmotion(tmp_path / "w.txt", demo)]
    for p in paths:
        rc, report, err = _analyze(capsys, p)
        assert rc == 0, err
        assert len(report["reps"]) == DEMO_REPS, p.name


# ---------------------------------------------------------------------------------------------------------- --columns


def _mapped(tmp_path, demo) -> object:
    p = tmp_path / "phone.csv"
    rows = [f"{(t - demo.t_s[0]) * 1e3:.3f};{a[0] / G:.5f};{a[1] / G:.5f};{a[2] / G:.5f};"
            f"{math.degrees(w[0]):.4f};{math.degrees(w[1]):.4f};{math.degrees(w[2]):.4f};x"
            for t, a, w in zip(demo.t_s, demo.acc_mps2, demo.gyr_rads)]
    p.write_text("exported by PhoneApp 3.1\nts;ax;ay;az;gx;gy;gz;label\n" + "\n".join(rows) + "\n")
    return p


MAP = "time=ts,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,gyr_z=gz"


def test_columns_and_units_end_to_end(tmp_path, demo, capsys):
    p = _mapped(tmp_path, demo)
    rc, report, err = _analyze(capsys, p, "--columns", MAP, "--units", "time=ms,acc=g,gyr=dps")
    assert rc == 0, err
    assert len(report["reps"]) == DEMO_REPS


@pytest.mark.parametrize("columns, units, expect", [
    (MAP, "time=ms,acc=furlongs", "--units: unknown acc unit 'furlongs' (one of mps2, g, mg)"),
    ("time=ts,acc_x=ax", None, "--columns: missing acc_y, acc_z, gyr_x, gyr_y, gyr_z"),
    (MAP.replace("gx", "nope"), "time=ms,acc=g,gyr=dps", "phone.csv:2: --columns: no column(s) nope in the header"),
    (MAP, "acc=g,gyr=dps", "time_s looks like milliseconds, not seconds (median interval 10 → 0.1 Hz): pass --units"
                           " time=ms"),
    (MAP, "time=ms,gyr=dps", "acceleration looks like g, not m/s² (median |acc| at rest 1.00): pass --units acc=g"),
    (None, "time=ms", "--units needs --columns"),
])
def test_columns_and_units_errors_are_one_line(tmp_path, demo, capsys, columns, units, expect):
    p = _mapped(tmp_path, demo)
    extra = (["--columns", columns] if columns else []) + (["--units", units] if units else [])
    rc, _, err = _analyze(capsys, p, *extra)
    assert rc == 2
    lines = err.strip().split("\n")
    assert len(lines) == 1 and expect in lines[0], err


def _mapped_pair(tmp_path, demo, gyr_offset_ms: int = 4) -> tuple[object, object]:
    """An app's two files with its own names: acc.csv (ms epoch, g) and, semicolon-separated, gyro.csv (ms epoch
    `gyr_offset_ms` later, every other sample, °/s)."""
    t_ms = EPOCH_MS + np.round((demo.t_s - demo.t_s[0]) * 1e3).astype(np.int64)
    acc = tmp_path / "acc.csv"
    acc.write_text("ts,ax,ay,az\n" + "".join(f"{t},{a[0] / G:.6f},{a[1] / G:.6f},{a[2] / G:.6f}\n"
                                           for t, a in zip(t_ms, demo.acc_mps2)))
    gyr = tmp_path / "gyro.csv"
    w_dps = np.degrees(demo.gyr_rads)
    gyr.write_text("stamp;wx;wy;wz\n" + "".join(f"{t + gyr_offset_ms};{w[0]:.5f};{w[1]:.5f};{w[2]:.5f}\n"
                                               for t, w in zip(t_ms[1::2], w_dps[1::2])))
    return acc, gyr


ACC_MAP = "time=ts,acc_x=ax,acc_y=ay,acc_z=az"
GYR_MAP = "file=gyro.csv,time=stamp,gyr_x=wx,gyr_y=wy,gyr_z=wz"
PAIR_UNITS = "time=ms,acc=g,gyr=dps"


def test_columns_per_file_of_a_pair_merge_on_the_accelerometer_clock(tmp_path, demo, capsys):
    acc, _ = _mapped_pair(tmp_path, demo)
    rc, report, err = _analyze(capsys, acc, "--columns", ACC_MAP, "--columns", GYR_MAP, "--units", PAIR_UNITS)
    assert rc == 0, err
    assert len(report["reps"]) == DEMO_REPS
    cmap = column_map.parse(f"{ACC_MAP};{GYR_MAP}", PAIR_UNITS)
    rec = read_recording(acc, placement="pelvis", columns=cmap)
    s = rec.stream("pelvis")
    ms = np.round((demo.t_s - demo.t_s[0]) * 1e3).astype(np.int64)  # from the accelerometer's first (the earlier)
    t_acc, t_gyr = ms * 1e-3, (ms[1::2] + 4) * 1e-3
    inside = (t_acc >= t_gyr[0]) & (t_acc <= t_gyr[-1])  # the accelerometer's clock where the gyroscope covers it
    np.testing.assert_array_equal(s.t_s, t_acc[inside])
    np.testing.assert_allclose(s.acc_mps2, demo.acc_mps2[inside], atol=1e-5 * G)
    # the gyroscope interpolated between its samples 20 ms apart: a first-order hold of a smooth signal
    assert float(np.median(np.abs(s.gyr_rads - demo.gyr_rads[inside]))) < 0.01


def test_columns_of_a_pair_given_gyroscope_first_read_the_same(tmp_path, demo):
    acc, gyr = _mapped_pair(tmp_path, demo)
    a = read_recording(acc, placement="pelvis", columns=column_map.parse(f"{ACC_MAP};{GYR_MAP}", PAIR_UNITS))
    gyr_first = f"time=stamp,gyr_x=wx,gyr_y=wy,gyr_z=wz;file=acc.csv,{ACC_MAP}"
    b = read_recording(gyr, placement="pelvis", columns=column_map.parse(gyr_first, PAIR_UNITS))
    for x, y in ((a.stream("pelvis").t_s, b.stream("pelvis").t_s), (a.stream("pelvis").gyr_rads,
                                                                    b.stream("pelvis").gyr_rads)):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("columns, expect", [
    (f"{ACC_MAP};{ACC_MAP.replace('time', 'file=gyro.csv,time')}", "both maps name the acc axes"),
    (f"{ACC_MAP};time=stamp,gyr_x=wx,gyr_y=wy,gyr_z=wz", "the second map names its file: file=NAME"),
    (f"{GYR_MAP};{ACC_MAP}", "FILE's map comes first, without file="),
    (f"time=ts,acc_x=ax,acc_y=ay;{GYR_MAP}", "FILE's map must name time and one sensor's axes"),
    (f"{ACC_MAP};{GYR_MAP.replace('gyro.csv', 'nothere.csv')}", "nothere.csv: cannot read"),
    (f"{ACC_MAP};{GYR_MAP.replace('wz', 'nope')}", "gyro.csv:1: missing column 'nope'"),
])
def test_columns_of_a_pair_errors_are_one_line(tmp_path, demo, capsys, columns, expect):
    acc, _ = _mapped_pair(tmp_path, demo)
    rc, _, err = _analyze(capsys, acc, *sum((["--columns", c] for c in columns.split(";")), []),
                          "--units", PAIR_UNITS)
    assert rc == 2
    lines = err.strip().split("\n")
    assert len(lines) == 1 and expect in lines[0], err


def test_export_orientation_of_a_vendor_file_without_exercise(tmp_path, demo, capsys):
    p = polar_pair(tmp_path, demo)["GYRO"]
    out = tmp_path / "o.csv"
    assert main(["export", str(p), "--placement", "pelvis", "-o", str(out)]) == 0, capsys.readouterr().err
    df = pd.read_csv(out, comment="#")
    assert len(df) > 0.99 * len(demo.t_s) and df["rep"].isna().all()
    capsys.readouterr()
    assert main(["analyze", str(p), "--placement", "pelvis"]) == 0  # no exercise: the sets are recognised
    assert "hip_thrust (recognised" in capsys.readouterr().out


def test_export_orientation_without_exercise(tmp_path, demo, capsys):
    p = tmp_path / "g.csv"
    p.write_text(_generic_text(demo))
    out = tmp_path / "o.csv"
    rc = main(["export", str(p), "--placement", "pelvis", "-o", str(out)])
    assert rc == 0, capsys.readouterr().err
    df = pd.read_csv(out, comment="#")
    assert len(df) == len(demo.t_s)
    q = df[["quat_w", "quat_x", "quat_y", "quat_z"]].to_numpy()
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-6)
    assert df["segment_angle_deg"].isna().all() and df["phase"].isna().all() and df["rep"].isna().all()
    assert "orientation only" in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(st.integers(0, UINT32_MODULUS - 1), st.lists(st.integers(0, UINT32_MODULUS // 2 - 1), min_size=1, max_size=50))
def test_unwrap_recovers_any_counter_with_steps_below_half_the_modulus(start, steps):
    true = start + np.concatenate([[0], np.cumsum(steps)]).astype(np.int64)
    assert np.array_equal(unwrap_counter(true % UINT32_MODULUS), true)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.001, 0.05), st.floats(0.0, 1.0), st.floats(-5, 5), st.floats(-5, 5), st.integers(5, 80))
def test_merge_is_exact_on_a_linear_signal_and_stays_inside_the_accelerometer_span(dt, shift, a, b, n):
    t_acc = np.arange(n) * dt
    t_gyr = (np.arange(n) + shift) * dt * 1.01
    acc = np.column_stack([a + b * t_acc] * 3)
    m = merge.onto_gyro_clock(t_gyr, t_acc, acc)
    kept = t_gyr[m.keep]
    assert np.all((kept >= t_acc[0]) & (kept <= t_acc[-1]))
    assert np.allclose(m.acc[:, 0], a + b * kept, atol=1e-9)


def test_merge_drops_samples_across_an_accelerometer_hole():
    t_acc = np.concatenate([np.arange(0, 1, 0.01), np.arange(2, 3, 0.01)])
    t_gyr = np.arange(0, 3, 0.01) + 0.005
    m = merge.onto_gyro_clock(t_gyr, t_acc, np.zeros((len(t_acc), 3)))
    assert not m.keep[(t_gyr > 1.0) & (t_gyr < 2.0)].any() and len(m.gaps) == 1
    assert m.gaps[0][0] == pytest.approx(0.99) and m.gaps[0][1] == pytest.approx(2.0)


def test_mutated_vendor_files_read_or_fail_cleanly(tmp_path, demo):
    """The fuzzing of tests/test_fuzz.py over the vendor samples: a result or one clean error line, never a crash."""
    short = demo.__class__(demo.info, demo.t_s[:400], demo.acc_mps2[:400], demo.gyr_rads[:400])
    seeds = [movella_dot(tmp_path / "dot.csv", short), metawear_pair(tmp_path, short)["Accelerometer"],
             polar_pair(tmp_path, short)["GYRO"], witmotion(tmp_path / "wit.txt", short)]
    def header_cell(data: bytes, rng: random.Random) -> bytes:
        lines = data.split(b"\n")
        i = max(range(min(len(lines), 15)), key=lambda k: len(lines[k]))  # the header is the widest early line
        sep = b"\t" if b"\t" in lines[i] else (b";" if b";" in lines[i] else b",")
        cells = lines[i].split(sep)
        cells[rng.randrange(len(cells))] = rng.choice((b"", b"x", b'"q', b"Acc_X", b"epoch (ms)"))
        lines[i] = sep.join(cells)
        return b"\n".join(lines)

    mutations = [m for m in MUTATIONS if m.__name__ not in ("replace_column_name", "header_value")] + [header_cell] * 2
    rng = random.Random(15)
    crashes = []
    for k in range(FUZZ_CASES):
        src = seeds[k % len(seeds)]
        mutation = mutations[rng.randrange(len(mutations))]
        out = tmp_path / "fuzz" / src.name
        out.parent.mkdir(exist_ok=True)
        for f in src.parent.glob("*"):  # the pair's sibling goes along, unmutated
            if f.is_file() and f != src:
                (out.parent / f.name).write_bytes(f.read_bytes())
        try:
            data = mutation(src.read_bytes(), rng)
        except UnicodeEncodeError:  # re-encoding to latin-1: the WitMotion header's ℃ has no latin-1 form
            continue
        out.write_bytes(data)
        outcome = read_outcome(out, "pelvis")
        if outcome.startswith("crash"):
            crashes.append(f"{mutation.__name__} {src.name}: {outcome}")
    assert not crashes, "\n".join(crashes[:5])


# ---------------------------------------------------------------------------------------------------- phone apps

SL_EPOCH_NS = 1_765_150_000_123_456_789  # Sensor Logger's `time`: Unix ns


def sensor_logger(folder, s, files=("TotalAcceleration", "Gyroscope"), gyr_offset_ns: int = 0, platform="android",
                  prefix: str = ""):
    """Sensor Logger's export (`time,seconds_elapsed,z,y,x`, time in Unix ns, m/s² and rad/s, Android's signs, or
    iOS's: Accelerometer and Gravity negated) from a stream; the gyroscope's times may be offset."""
    ns = SL_EPOCH_NS + np.round((s.t_s - s.t_s[0]) * 1e9).astype(np.int64)
    sign = -1.0 if platform == "ios" else 1.0
    gravity = np.column_stack([np.convolve(s.acc_mps2[:, k], np.ones(101) / 101, mode="same") for k in range(3)])
    kinds = {"TotalAcceleration": (ns, s.acc_mps2), "Accelerometer": (ns, sign * (s.acc_mps2 - gravity)),
             "Gravity": (ns, sign * gravity), "Gyroscope": (ns + gyr_offset_ns, None if gyr_offset_ns else s.gyr_rads)}
    paths = {}
    for name in files:
        t, xyz = kinds[name]
        if xyz is None:
            xyz = np.column_stack([np.interp((t - ns[0]) / 1e9 + s.t_s[0], s.t_s, s.gyr_rads[:, k]) for k in range(3)])
        rows = [f"{tk},{(tk - int(ns[0])) / 1e9!r},{z!r},{y!r},{x!r}"
                for tk, (x, y, z) in zip(t.tolist(), xyz.tolist())]
        paths[name] = folder / f"{prefix}{name}.csv"
        paths[name].write_text("time,seconds_elapsed,z,y,x\n" + "\n".join(rows) + "\n")
    if platform is not None:
        (folder / "metadata.csv").write_text(f"version,device name,recording time,platform\n3,phone,2026-12-08,"
                                             f"{'iOS' if platform == 'ios' else 'android'}\n")
    return paths


def test_sensor_logger_pair_is_read_bit_for_bit_from_either_file(tmp_path, demo):
    """On shared times (no interpolation) the samples are the files' own numbers; time from the first sample."""
    paths = sensor_logger(tmp_path, demo)
    recs = [read_recording(p, placement="pelvis") for p in paths.values()]
    s = recs[0].streams[0]
    ns = SL_EPOCH_NS + np.round((demo.t_s - demo.t_s[0]) * 1e9).astype(np.int64)
    assert np.array_equal(s.t_s, (ns - ns[0]).astype(np.float64) / 1e9)
    assert np.array_equal(s.acc_mps2, demo.acc_mps2) and np.array_equal(s.gyr_rads, demo.gyr_rads)
    assert s.info.model == "Sensor Logger" and "TotalAcceleration.csv + Gyroscope.csv" in recs[0].meta.notes
    for x in ("t_s", "acc_mps2", "gyr_rads"):
        assert np.array_equal(getattr(recs[1].streams[0], x), getattr(s, x))


@pytest.mark.parametrize("platform, files", [("android", ("TotalAcceleration", "Gyroscope")),
                                             ("android", ("Accelerometer", "Gravity", "Gyroscope")),
                                             ("ios", ("Accelerometer", "Gravity", "Gyroscope"))])
def test_sensor_logger_exports_analyse_like_the_recording(tmp_path, demo, capsys, platform, files):
    """Android's gyroscope on its own clock (3 ms off, interpolated onto the accelerometer's times); iOS's signs
    turned to Android's from metadata.csv; a prefixed name (`2026-12-08_Gyroscope.csv`) finds its siblings."""
    paths = sensor_logger(tmp_path, demo, files, gyr_offset_ns=3_000_000, platform=platform, prefix="rec_")
    rec = read_recording(paths["Gyroscope"], placement="pelvis")
    first = len(demo) - len(rec.streams[0])  # samples before the gyroscope's first one are left out
    assert first == 1 and np.allclose(rec.streams[0].acc_mps2, demo.acc_mps2[first:], atol=1e-9)
    rc, report, err = _analyze(capsys, paths[files[0]])
    assert rc == 0, err
    assert len(report["reps"]) == DEMO_REPS


@pytest.mark.parametrize("files, platform, expect", [
    (("Accelerometer", "Gyroscope"), "ios", "no Gravity.csv beside it (Accelerometer.csv holds the acceleration"
                                            " without gravity"),
    (("Accelerometer", "Gravity", "Gyroscope"), None, "no readable metadata.csv beside it"),
    (("TotalAcceleration",), "android", "no Gyroscope.csv beside it (the angular rate)"),
])
def test_sensor_logger_export_missing_a_file_is_one_line(tmp_path, demo, files, platform, expect):
    paths = sensor_logger(tmp_path, demo, files, platform=platform)
    with pytest.raises(RecordingError) as exc:
        read_recording(paths[files[0]], placement="pelvis")
    assert "\n" not in str(exc.value) and expect in str(exc.value)


def phyphox_files(folder, s, one_table: bool, sep: str = ",", decimal: str = "."):
    """phyphox's CSV export: quoted header `"Time (s)","Acceleration x (m/s^2)",…` (and `Gyroscope x (rad/s)`)."""
    t = s.t_s - s.t_s[0]
    acc = ['"Acceleration x (m/s^2)"', '"Acceleration y (m/s^2)"', '"Acceleration z (m/s^2)"',
           '"Absolute acceleration (m/s^2)"']
    gyr = ['"Gyroscope x (rad/s)"', '"Gyroscope y (rad/s)"', '"Gyroscope z (rad/s)"', '"Absolute (rad/s)"']

    def write(name, header, block):
        rows = [sep.join(f"{v:.9E}".replace(".", decimal) for v in row) for row in block]
        (folder / name).write_text(sep.join(['"Time (s)"', *header]) + "\n" + "\n".join(rows) + "\n")
        return folder / name
    a = np.column_stack([t, s.acc_mps2, np.linalg.norm(s.acc_mps2, axis=1)])
    g = np.column_stack([s.gyr_rads, np.linalg.norm(s.gyr_rads, axis=1)])
    if one_table:
        return [write("Raw Data.csv", acc + gyr, np.column_stack([a, g]))]
    return [write("Accelerometer.csv", acc, a), write("Gyroscope.csv", gyr, np.column_stack([t, g]))]


@pytest.mark.parametrize("one_table, sep, decimal", [(True, ",", "."), (False, ",", "."), (False, ";", ",")])
def test_phyphox_exports_are_recognised(tmp_path, demo, capsys, one_table, sep, decimal):
    for p in phyphox_files(tmp_path, demo, one_table, sep, decimal):
        rec = read_recording(p, placement="pelvis")
        assert rec.streams[0].info.model == "phyphox" and len(rec.streams[0]) == len(demo)
        assert np.allclose(rec.streams[0].gyr_rads, demo.gyr_rads, rtol=1e-8, atol=1e-12)
        rc, report, err = _analyze(capsys, p)
        assert rc == 0, err
        assert len(report["reps"]) == DEMO_REPS


def test_phyphox_linear_acceleration_is_refused_in_one_line(tmp_path):
    p = tmp_path / "Raw Data.csv"
    p.write_text('"Time (s)","Linear Acceleration x (m/s^2)","Linear Acceleration y (m/s^2)",'
                 '"Linear Acceleration z (m/s^2)"\n0.0,0.1,0.2,0.3\n0.01,0.1,0.2,0.3\n')
    with pytest.raises(RecordingError, match="'Linear Acceleration' export: the acceleration without gravity"):
        read_recording(p, placement="pelvis")


def _own_names(tmp_path, demo, time_per_s: float, epoch: int = 0):
    """`timestamp,ax,ay,az,gx,gy,gz` in the given time unit (integers), g and °/s."""
    p = tmp_path / "phone.csv"
    ticks = epoch + np.round((demo.t_s - demo.t_s[0]) * time_per_s).astype(np.int64)
    rows = [f"{k},{a[0] / G:.5f},{a[1] / G:.5f},{a[2] / G:.5f},{math.degrees(w[0]):.4f},{math.degrees(w[1]):.4f},"
            f"{math.degrees(w[2]):.4f}" for k, a, w in zip(ticks, demo.acc_mps2, demo.gyr_rads)]
    p.write_text("timestamp,ax,ay,az,gx,gy,gz\n" + "\n".join(rows) + "\n")
    return p


def test_every_problem_of_a_file_is_said_at_once_with_its_option(tmp_path, demo, capsys):
    """`timestamp,ax,…` (ms, g, °/s) without options: one line with the --columns, --units and --placement that
    read it; those options then read it."""
    p = _own_names(tmp_path, demo, 1e3)
    assert main(["analyze", str(p), "--json"]) == 2
    err = capsys.readouterr().err.strip()
    fix = "--columns time=timestamp,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,gyr_z=gz --units time=ms,acc=g,gyr=dps"
    assert len(err.split("\n")) == 1 and fix in err and "pass --placement" in err, err
    rc, report, err = _analyze(capsys, p, *fix.replace("--units ", "--units=").replace("--columns ", "--columns=")
                               .split(" "))
    assert rc == 0, err
    assert len(report["reps"]) == DEMO_REPS


@pytest.mark.parametrize("given", ["ms", "us", "s"])
def test_unit_hint_names_nanoseconds(tmp_path, demo, capsys, given):
    """A nanosecond epoch read with a wrong --units time=…: the hint names ns, whatever was given."""
    p = _own_names(tmp_path, demo, 1e9, epoch=SL_EPOCH_NS)
    rc, _, err = _analyze(capsys, p, "--columns", "time=timestamp,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,"
                          "gyr_z=gz", "--units", f"time={given},acc=g,gyr=dps")
    assert rc == 2 and "looks like nanoseconds" in err and "pass --units time=ns" in err, err
    rc, report, err = _analyze(capsys, p, "--columns", "time=timestamp,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,"
                               "gyr_z=gz", "--units", "time=ns,acc=g,gyr=dps")
    assert rc == 0 and len(report["reps"]) == DEMO_REPS, err


def test_placement_and_unit_problems_in_one_line(tmp_path, demo, capsys):
    p = _own_names(tmp_path, demo, 1e3)
    assert main(["analyze", str(p), "--columns", "time=timestamp,acc_x=ax,acc_y=ay,acc_z=az,gyr_x=gx,gyr_y=gy,"
                 "gyr_z=gz"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.split("\n")) == 1, err
    for part in ("pass --units time=ms", "pass --units acc=g", "pass --units gyr=dps", "pass --placement"):
        assert part in err, (part, err)


def test_column_lists_are_cut_between_names(tmp_path):
    p = tmp_path / "wide.csv"
    names = [f"a_rather_long_column_name_{k}" for k in range(12)]
    p.write_text(",".join(names) + "\n" + ",".join("1" for _ in names) + "\n")
    with pytest.raises(RecordingError) as exc:
        read_recording(p, placement="pelvis")
    found = str(exc.value).split("found ", 1)[1]
    assert "more)" in found and all(n in names or n.startswith("…") for n in found.split(")")[0].split(", ")), found


def test_generic_names_with_wrong_units_and_no_placement_in_one_line(tmp_path, demo):
    """repscope's own names over ms and g: both unit mistakes and the missing placement, one line."""
    p = tmp_path / "mislabelled.csv"
    block = np.column_stack([(demo.t_s - demo.t_s[0]) * 1e3, demo.acc_mps2 / G, demo.gyr_rads])
    p.write_text("time_s,acc_x_mps2,acc_y_mps2,acc_z_mps2,gyr_x_rads,gyr_y_rads,gyr_z_rads\n"
                 + "".join(",".join(repr(v) for v in row) + "\n" for row in block.tolist()))
    with pytest.raises(RecordingError) as exc:
        read_recording(p)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(p))
    for part in ("time_s looks like milliseconds", "divide it by 1000", "rename the columns acc_*_g",
                 "pass --placement"):
        assert part in msg, (part, msg)


def test_phyphox_file_without_its_other_sensor_is_one_line(tmp_path, demo):
    acc, _ = phyphox_files(tmp_path, demo, one_table=False)
    (tmp_path / "Gyroscope.csv").unlink()
    with pytest.raises(RecordingError, match=r"phyphox: no file\(s\) with the gyroscope's columns beside it"):
        read_recording(acc, placement="pelvis")


def test_phyphox_table_is_read_bit_for_bit(tmp_path, demo):
    """A one-table export with every number written exactly: the samples are the file's own numbers."""
    p = tmp_path / "Raw Data.csv"
    t = demo.t_s - demo.t_s[0]
    header = ['"Time (s)"', *(f'"Acceleration {a} (m/s^2)"' for a in "xyz"),
              *(f'"Gyroscope {a} (rad/s)"' for a in "xyz")]
    block = np.column_stack([t, demo.acc_mps2, demo.gyr_rads]).tolist()
    p.write_text(",".join(header) + "\n" + "".join(",".join(map(repr, row)) + "\n" for row in block))
    s = read_recording(p, placement="pelvis").streams[0]
    assert np.array_equal(s.t_s, t) and np.array_equal(s.acc_mps2, demo.acc_mps2)
    assert np.array_equal(s.gyr_rads, demo.gyr_rads)
