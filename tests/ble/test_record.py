"""`repscope record` against virtual sensors: a simulated set streamed by two virtual BLE IMUs (one drops out mid-set)
is recorded crash-safely, and `repscope analyze` reads the file and finds the set's reps."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import numpy as np

from sensors.ble import BleSensorSource, DeviceSpec
from sensors.recording import RecordingMeta, read_recording
from sensors.simulation import SimConfig, simulate_set
from tests.ble.backend import VirtualAir
from tests.ble.devices import NAMES, VirtualImu
from tests.conftest import REPO
from ui.commands.record import record_session


async def test_record_two_virtual_sensors_with_a_drop_out_then_analyze(tmp_path):
    sim = simulate_set(SimConfig(exercise="hip_thrust", reps=4, fidget=False, placements=("pelvis", "thigh_left"),
                                 rates_hz=(100.0, 100.0), tempo_jitter=0.05), 21)
    pel, thigh = sim.streams
    air = VirtualAir()
    d1 = VirtualImu(air, "diy", NAMES["diy"], "F0:00:00:00:00:01", pel.acc_mps2, pel.gyr_rads, pace=8.0)
    d2 = VirtualImu(air, "witmotion", NAMES["witmotion"], "F0:00:00:00:00:02", thigh.acc_mps2, thigh.gyr_rads, pace=8.0)
    await d1.start()
    await d2.start()
    source = BleSensorSource(
        [DeviceSpec(d1.address, "pelvis"), DeviceSpec(d2.address, "thigh_left")], backend=air, scan_timeout_s=2
    )
    out = tmp_path / "set.csv"
    status = io.StringIO()
    duration = (len(pel.t_s) - 200) / 100.0  # stop 2 s before the data runs out, whatever the clock mapping does

    async def drop_later():
        import asyncio

        await asyncio.sleep(1.2)  # about 10 s into the set at 8× pace: a drop-out in the first reps' pause
        await d2.drop_connection()

    import asyncio

    dropper = asyncio.ensure_future(drop_later())
    n, error = await asyncio.wait_for(
        record_session(source, out, RecordingMeta(exercise="hip_thrust", tempo="3-1-1-1"), duration, out=status), 90
    )
    await dropper
    assert error is None
    text = status.getvalue()
    assert "stand still" in text and "go — start the set" in text and "gap marked" in text
    rec = read_recording(out)
    assert {s.info.placement for s in rec.streams} == {"pelvis", "thigh_left"}
    thigh_rec = rec.stream("thigh_left")
    assert len(thigh_rec.gaps) == 1  # the drop-out is in the file
    assert sum(len(s.t_s) for s in rec.streams) == n
    # everything up to the stop (2 s before the data ends) is in the file
    assert len(rec.stream("pelvis").t_s) >= len(pel.t_s) - 300
    for s in rec.streams:
        assert np.all(np.diff(s.t_s) > 0)
    r = subprocess.run([sys.executable, "-m", "ui.cli", "analyze", str(out), "--json"], cwd=REPO,
                       capture_output=True, text=True, env={**os.environ}, timeout=120)
    assert r.returncode == 0, r.stderr
    assert '"rep_count": 4' in r.stdout


def test_record_and_scan_without_bluetooth_fail_with_one_line(tmp_path):
    for args in (["scan", "--timeout", "0.5"],
                 ["record", "--device", "AA:BB:CC:DD:EE:FF", "--placement", "pelvis", "--exercise", "hip_thrust",
                  "-o", str(tmp_path / "r.csv")],
                 ["record", "--device", "AA:BB:CC:DD:EE:FF", "--exercise", "hip_thrust", "-o", str(tmp_path / "r.csv")],
                 ["live", "--device", "AA:BB:CC:DD:EE:FF", "--placement", "pelvis"]):
        r = subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=REPO, capture_output=True, text=True,
                           timeout=120,
                           env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert not (tmp_path / "r.csv").exists()
