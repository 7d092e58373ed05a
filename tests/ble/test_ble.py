"""The BLE path end to end without a radio: real bleak API → bumble central → virtual link → bumble GATT servers
speaking each device's protocol with simulator data."""
from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import numpy as np
import pytest

from sensors.ble import BleSensorSource, DeviceSpec, scan
from sensors.simulation import IDEAL, SimConfig, simulate_set
from sensors.source import SourceError
from tests.ble.backend import VirtualAir
from tests.ble.devices import NAMES, VirtualImu

G = 9.80665
LSB = {  # (acc m/s², gyro rad/s) quantisation of each wire format
    "witmotion": (16 / 32768 * G, np.radians(2000 / 32768)),
    "thingy52": (G / 1024, np.radians(1 / 32)),
    "polar": (2.44e-4 * G, np.radians(0.061)),
    "diy": (G / 4096, np.radians(1 / 16.384)),
}


@pytest.fixture(scope="module")
def motion():
    sim = simulate_set(SimConfig(reps=2, fidget=False, standing_s=1.0, imu=IDEAL, rates_hz=(100.0,)), 4)
    s = sim.streams[0]
    return s.acc_mps2, s.gyr_rads


async def _collect(source, until, timeout_s=60.0):
    out = []

    async def run():
        async for batch in source.batches():
            out.append(batch)
            if until(out):
                return

    await asyncio.wait_for(run(), timeout_s)
    return out


def _rows(batches, sensor_id=None):
    bs = [b for b in batches if sensor_id is None or b.sensor_id == sensor_id]
    return (np.concatenate([b.t_s for b in bs]), np.concatenate([b.acc_mps2 for b in bs]),
            np.concatenate([b.gyr_rads for b in bs]))


async def test_scan_recognises_each_model_and_flags_unsupported_ones(motion):
    air = VirtualAir()
    for i, key in enumerate(NAMES):
        await VirtualImu(air, key, NAMES[key], f"F0:00:00:00:00:0{i + 1}", *motion).start()
    h10 = VirtualImu(air, "polar", "Polar H10 9A1B2C3D", "F0:00:00:00:00:09", *motion)
    await h10.start()
    results = await scan(timeout_s=0.5, backend=air)
    by_addr = {r.address: r for r in results}
    assert {by_addr[f"F0:00:00:00:00:0{i + 1}"].model.key for i in range(4)} == set(NAMES)
    assert by_addr["F0:00:00:00:00:09"].model is None and "no gyroscope" in by_addr["F0:00:00:00:00:09"].note
    assert all(r.rssi is not None for r in results)
    assert results[-1].address == "F0:00:00:00:00:09"  # supported ones first


@pytest.mark.parametrize("key", list(NAMES))
async def test_each_model_streams_the_simulated_samples(motion, key):
    air = VirtualAir()
    n = 400
    dev = VirtualImu(air, key, NAMES[key], "F0:00:00:00:00:01", motion[0][:n], motion[1][:n], pace=10.0)
    await dev.start()
    source = BleSensorSource([DeviceSpec("F0:00:00:00:00:01", "pelvis")], rate_hz=100.0, backend=air, scan_timeout_s=2)
    await source.start()
    assert source.sensors[0].model == key
    batches = await _collect(source, lambda out: sum(len(b) for b in out) >= n - dev.per_packet)
    st = source.status()[0]
    await source.close()
    t, acc, gyr = _rows(batches)
    m = len(t)
    sent = np.array(dev.sent[:m])
    acc_lsb, gyr_lsb = LSB[key]
    np.testing.assert_allclose(acc, motion[0][sent], atol=0.51 * acc_lsb + 1e-9)
    np.testing.assert_allclose(gyr, motion[1][sent], atol=0.51 * gyr_lsb + 1e-6)
    assert np.all(np.diff(t) > 0)
    assert np.median(np.diff(t)) == pytest.approx(0.01, rel=0.01)
    assert not any(b.gap_before for b in batches)
    assert st.state == "streaming" and st.malformed == 0 and st.samples >= m
    if key in ("thingy52", "diy", "polar"):
        assert st.battery_pct == 80


async def test_two_sensors_at_once(motion):
    air = VirtualAir()
    n = 300
    await VirtualImu(air, "witmotion", NAMES["witmotion"], "F0:00:00:00:00:01", motion[0][:n], motion[1][:n]).start()
    await VirtualImu(air, "diy", NAMES["diy"], "F0:00:00:00:00:02", motion[0][:n], motion[1][:n]).start()
    source = BleSensorSource(
        [DeviceSpec("F0:00:00:00:00:01", "pelvis"), DeviceSpec("F0:00:00:00:00:02", "thigh_left")],
        backend=air, scan_timeout_s=2
    )
    await source.start()
    batches = await _collect(
        source, lambda out: all(sum(len(b) for b in out if b.sensor_id == s) >= n - 8 for s in ("pelvis", "thigh_left"))
    )
    await source.close()
    for sid in ("pelvis", "thigh_left"):
        t, _, _ = _rows(batches, sid)
        assert np.all(np.diff(t) > 0)
    # both on one session clock: their time ranges overlap
    tp, tt = _rows(batches, "pelvis")[0], _rows(batches, "thigh_left")[0]
    assert abs(tp[0] - tt[0]) < 0.5


# The DIY sensor runs in real time: its timestamps are checked against the arrival clock after a reconnect (a
# rebooted sensor restarts its clock), so its crystal must keep time like a real one, not run 5× fast.
@pytest.mark.parametrize("key, pace, n", [("diy", 1.0, 400), ("witmotion", 5.0, 900)])
async def test_drop_out_reconnects_marks_the_gap_and_loses_nothing_received(motion, key, pace, n):
    air = VirtualAir()
    dev = VirtualImu(air, key, NAMES[key], "F0:00:00:00:00:01", motion[0][:n], motion[1][:n], pace=pace)
    await dev.start()
    source = BleSensorSource([DeviceSpec("F0:00:00:00:00:01", "pelvis")], backend=air, scan_timeout_s=2)
    await source.start()
    got = []

    async def consume():
        async for b in source.batches():
            got.append(b)
            if sum(len(x) for x in got) >= n // 4 and dev.connections == 1:
                await dev.drop_connection()  # walked out of range mid-set
            if dev._index >= n and sum(len(x) for x in got) >= len(dev.sent) - dev.per_packet:
                await asyncio.sleep(0.2)  # let the last notifications land
                while not source._queue.empty():
                    item = source._queue.get_nowait()
                    if item is not None:
                        got.append(item)
                return

    await asyncio.wait_for(consume(), 60)
    st = source.status()[0]
    await source.close()
    assert dev.connections == 2 and st.state == "streaming"
    gaps = [k for k, b in enumerate(got) if b.gap_before]
    assert len(gaps) == 1 and 0 < gaps[0] < len(got) - 1
    t, acc, _ = _rows(got)
    # everything the sensor sent before and after the drop-out was delivered, in order — except at most the
    # packet that was in the air when the link went down (the radio loses it; the sensor cannot know)
    k = sum(len(b) for b in got[:gaps[0]])
    sent = np.array(dev.sent)
    lost_in_air = len(sent) - len(t)
    assert 0 <= lost_in_air <= dev.per_packet
    after = len(t) - k
    np.testing.assert_allclose(acc[:k], motion[0][sent[:k]], atol=0.51 * LSB[key][0] + 1e-9)
    np.testing.assert_allclose(acc[k:], motion[0][sent[len(sent) - after:]], atol=0.51 * LSB[key][0] + 1e-9)
    assert np.all(np.diff(t) > 0)
    # the gap in session time matches the samples the sensor took while disconnected
    missing = sent[len(sent) - after] - sent[k - 1] - 1
    assert missing > 0
    if key == "diy":  # timestamps + counters: the loss is measured exactly
        assert got[gaps[0]].dropped == missing
        # (the session clock may slew by up to 2 ms per second towards the arrival clock)
        assert t[k] - t[k - 1] == pytest.approx((missing + 1) * 0.01, rel=0.003)


async def test_malformed_notifications_are_counted_and_skipped(motion):
    air = VirtualAir()
    n = 400
    dev = VirtualImu(air, "diy", NAMES["diy"], "F0:00:00:00:00:01", motion[0][:n], motion[1][:n], malformed_every=7)
    await dev.start()
    source = BleSensorSource([DeviceSpec("F0:00:00:00:00:01", "pelvis")], backend=air, scan_timeout_s=2)
    await source.start()
    batches = await _collect(source, lambda out: sum(len(b) for b in out) >= len(dev.sent) and dev._index >= n)
    st = source.status()[0]
    await source.close()
    assert dev.malformed_sent > 5
    assert st.malformed == dev.malformed_sent
    assert sum(len(b) for b in batches) == len(dev.sent)


async def test_gives_up_after_the_configured_time_with_a_clear_message(motion):
    air = VirtualAir()
    n = 3000
    dev = VirtualImu(air, "diy", NAMES["diy"], "F0:00:00:00:00:01", motion[0][:n], motion[1][:n])
    await dev.start()
    source = BleSensorSource(
        [DeviceSpec("F0:00:00:00:00:01", "pelvis")], backend=air, scan_timeout_s=0.3, give_up_s=1.5
    )
    await source.start()
    got = []

    async def consume():
        async for b in source.batches():
            got.append(b)
            if len(got) == 20:
                await dev.go_silent()

    await asyncio.wait_for(consume(), 20)
    await source.close()
    assert len(got) >= 20
    assert "gave up" in source.error and "pelvis" in source.error and "\n" not in source.error
    assert source.status()[0].state == "failed"


async def test_unknown_address_and_unsupported_device_fail_with_one_line(motion):
    air = VirtualAir()
    await VirtualImu(air, "polar", "Polar H10 9A1B2C3D", "F0:00:00:00:00:09", *motion).start()
    with pytest.raises(SourceError, match="F0:00:00:00:00:05: not found"):
        await BleSensorSource([DeviceSpec("F0:00:00:00:00:05", "pelvis")], backend=air, scan_timeout_s=0.3).start()
    with pytest.raises(SourceError, match="Polar H10 has no gyroscope"):
        await BleSensorSource([DeviceSpec("F0:00:00:00:00:09", "pelvis")], backend=air, scan_timeout_s=1).start()
    with pytest.raises(SourceError, match="own placement"):
        BleSensorSource([DeviceSpec("A", "pelvis"), DeviceSpec("B", "pelvis")])


async def test_host_load_bursts_are_not_taken_for_lost_samples(motion):
    # a WitMotion (no timestamps, no counter) in real time while another process burns every core and our own event
    # loop stalls twice for 0.6 s (a busy UI thread): the late bursts are not losses and shift no timestamps
    air = VirtualAir()
    n = 300
    dev = VirtualImu(air, "witmotion", NAMES["witmotion"], "F0:00:00:00:00:01", motion[0][:n], motion[1][:n], pace=1.0)
    await dev.start()
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        source = BleSensorSource([DeviceSpec("F0:00:00:00:00:01", "pelvis")], backend=air, scan_timeout_s=2)
        await source.start()
        stalls = {80, 180}

        def until(out):
            if len(out) in stalls:
                time.sleep(0.6)
            return sum(len(b) for b in out) >= n - 2

        batches = await _collect(source, until, timeout_s=20)
        st = source.status()[0]
        await source.close()
    finally:
        for p in burners:
            p.kill()
            p.wait()
    t, _, _ = _rows(batches)
    assert st.dropped == 0 and not any(b.gap_before for b in batches)
    err = t - np.array(dev.sent[:len(t)]) / 100.0
    assert np.ptp(err[100:]) < 0.1


OUTAGE_S = 4.5  # long enough for the old back-off (0.5, 1, 2, 4 s) to wait 3.9 s after the sensor is back


async def test_a_sensor_back_after_an_outage_streams_within_two_seconds(motion):
    air = VirtualAir()
    acc, gyr = np.concatenate([motion[0]] * 3), np.concatenate([motion[1]] * 3)
    dev = VirtualImu(air, "diy", NAMES["diy"], "F0:00:00:00:00:01", acc, gyr, pace=1.0)
    await dev.start()
    source = BleSensorSource([DeviceSpec("F0:00:00:00:00:01", "pelvis")], backend=air, scan_timeout_s=0.3)
    await source.start()
    back_at = []

    async def outage():
        await asyncio.sleep(0.5)
        await dev.go_silent()
        await asyncio.sleep(OUTAGE_S)
        await dev.resume_advertising()
        back_at.append(time.monotonic())

    task = asyncio.ensure_future(outage())
    got = await _collect(source, lambda out: out[-1].gap_before, timeout_s=OUTAGE_S + 6)
    streaming_at = time.monotonic()
    await task
    await source.close()
    assert dev.connections == 2 and len(got) > 5
    assert streaming_at - back_at[0] < 2.0


async def test_a_diy_sensor_rebooted_during_a_drop_out_keeps_streaming_on_time(motion):
    # battery swap: its clock restarts at 1.5 s and its counter at 0 while the link is down; every sample it sends
    # afterwards is delivered (none discarded as late), on the session clock where it arrived
    air = VirtualAir()
    n = 350
    dev = VirtualImu(air, "diy", NAMES["diy"], "F0:00:00:00:00:01", motion[0][:n], motion[1][:n], pace=1.0)
    await dev.start()
    source = BleSensorSource([DeviceSpec("F0:00:00:00:00:01", "pelvis")], backend=air, scan_timeout_s=0.3)
    await source.start()
    got = []

    async def consume():
        async for b in source.batches():
            got.append(b)
            if sum(len(x) for x in got) >= 100 and dev.connections == 1 and dev.connection is not None:
                await dev.drop_connection()
                dev.reboot(uptime_s=1.5)
            if dev._index >= n and sum(len(x) for x in got) >= len(dev.sent) - dev.per_packet:
                return

    await asyncio.wait_for(consume(), 20)
    st = source.status()[0]
    await source.close()
    gaps = [k for k, b in enumerate(got) if b.gap_before]
    assert dev.connections == 2 and len(gaps) == 1 and st.late == 0
    t, _, _ = _rows(got)
    k = sum(len(b) for b in got[:gaps[0]])
    sent = np.array(dev.sent)
    assert len(t) >= len(sent) - dev.per_packet and len(t) - k > 100
    assert np.all(np.diff(t) > 0)
    # before and after the reboot the samples sit where the sensor took them (100 Hz in real time), not 60 s late
    taken = np.r_[sent[:k], sent[len(sent) - (len(t) - k):]] / 100.0
    assert np.ptp(t - taken) < 0.1
    assert got[gaps[0]].dropped == pytest.approx(taken[k] * 100 - taken[k - 1] * 100 - 1, abs=8)
