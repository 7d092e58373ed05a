"""Device protocols: vendor example packets decode to the documented values; encode → decode round trips; no byte
string makes a decoder raise anything but MalformedPacket."""
from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from sensors.devices import (
    MODELS, model_by_key, polar_pmd, recognise, repscope_diy, thingy52, unsupported_reason, witmotion,
)
from sensors.devices.base import MalformedPacket

G = 9.80665
D2R = np.pi / 180


# ------------------------------------------------------------------------------------------------ WitMotion
def test_witmotion_commands_match_the_vendor_manual():
    # WitMotion BLE 5.0 protocol ("Set the return rate to 10Hz": FF AA 03 06 00; unlock FF AA 69 88 B5; save FF AA 00 00
    # 00)
    assert witmotion.rate_command(10) == bytes.fromhex("FFAA030600")
    assert witmotion.rate_command(50) == bytes.fromhex("FFAA030800")
    assert witmotion.rate_command(100) == bytes.fromhex("FFAA030900")
    assert witmotion.UNLOCK == bytes.fromhex("FFAA6988B5")
    assert witmotion.SAVE == bytes.fromhex("FFAA000000")


def test_witmotion_packet_decodes_with_the_datasheet_formulas():
    # WT901BLECL datasheet §6.1.1: 55 61, then ax ay az wx wy wz roll pitch yaw (int16 LE);
    # a = v/32768·16 g, w = v/32768·2000 °/s. Lying flat: az = 0x0800 (1 g), wx = 0x0100 (15.625 °/s), wz = 0xFF00
    # (−15.625 °/s)
    packet = bytes.fromhex("5561" "0000" "0000" "0008" "0001" "0000" "00FF" "0000" "0000" "0040")
    r = witmotion.decode(packet)
    np.testing.assert_allclose(r.acc_mps2, [[0, 0, G]], atol=1e-12)
    np.testing.assert_allclose(r.gyr_rads, [[15.625 * D2R, 0, -15.625 * D2R]], atol=1e-12)
    assert r.sensor_t_s is None and r.seq is None


def test_witmotion_concatenated_packets_and_register_replies():
    two = witmotion.encode(np.array([[0, 0, G], [G, 0, 0]]), np.zeros((2, 3)))
    assert len(witmotion.decode(two)) == 2
    reply = bytes([0x55, 0x71, 0x64, 0x00]) + bytes(16)  # a register read reply (battery 0x64): not motion
    assert witmotion.decode(reply) is None
    with pytest.raises(MalformedPacket, match="witmotion: length 19"):
        witmotion.decode(two[:19])
    with pytest.raises(MalformedPacket, match="not 0x55"):
        witmotion.decode(b"\x54" + two[1:20])


# ------------------------------------------------------------------------------------------------ Thingy:52
def test_thingy_config_layout_follows_ble_tms_config_t():
    # ble_tms.h: pedo_interval_ms u16, temp_interval_ms u16, compass_interval_ms u16, motion_freq_hz u16, wake_on_motion
    # u8
    assert thingy52.config_bytes(100) == bytes.fromhex("E803" "F401" "F401" "6400" "01")
    assert thingy52.SERVICE_UUID == "ef680400-9b35-4933-9b10-52ffa9740042"
    assert thingy52.RAW_UUID == "ef680406-9b35-4933-9b10-52ffa9740042"


def test_thingy_raw_packet_uses_the_firmware_q_formats():
    # m_motion.c: acc = 16Q16 >> 6 (Q10 g), gyro = 16Q16 >> 11 (Q5 °/s); drv_motion.c inverts the accelerometer
    # (positive along gravity). Flat on a table: the firmware reports az = −1 g = −1024 = 00 FC; gyro x 1 °/s = 32 = 20
    # 00
    packet = bytes.fromhex("0000" "0000" "00FC" "2000" "0000" "0000" "0000" "0000" "0000")
    r = thingy52.decode(packet)
    np.testing.assert_allclose(r.acc_mps2, [[0, 0, G]])
    np.testing.assert_allclose(r.gyr_rads, [[D2R, 0, 0]])
    with pytest.raises(MalformedPacket, match="thingy52: raw motion packet must be 18 bytes, got 17"):
        thingy52.decode(packet[:17])


# ------------------------------------------------------------------------------------------------ Polar PMD
# Frames from the Polar BLE SDK's own unit tests (polarofficial/polar-ble-sdk,
# sources/Android/android-communications/library/src/test/java/.../pmd/model/AccDataTest.kt and GyrDataTest.kt)
POLAR_RAW_ACC = bytes.fromhex("020094357700000000" "01" "F7FFFFFFE703F8FFFEFFE503")
POLAR_COMPRESSED_ACC_CONTENT = bytes.fromhex(
    "7107F06A9E8D0A38BE5CBEBA2F96B3EE4BE5ADFB42B9EBBE4CFEBA2F92BFEE4BE4B1FB12B9ECBD3C3EBB2F8FD3DE4BE3B5F7"
    "D2B8EDBD307E7B2F8BE3CE8BE2BAF7A2B8EEBC20BE7B2F88F3CECBE1BDEF52F8EFBC18FE3B2F8403BFCBE0C2EF32B8F0BB04"
    "4EBC2E8113AF0BE0C6EFF2F7F1B9FC7DBC2E7D279F4BDFCAEBC2F7F2B8ECCD7C2E7B378F4BDECEE392F7F3B8E00DFD2D774B"
    "7FCBDDD2DF6237F5B7D44DBD2D745B6FCBDCD7D73237F6B5C88D7D2D716B4F4BDCDCD3F236F7B4BCDDFD2C6F7B3F4BDBE0CF"
    "D236F8B2B02DBE2C6C8F1FCBDAE3C7A276F9"
)
POLAR_COMPRESSED_GYRO = bytes.fromhex("05FFFFFFFFFFFFFF7F" "80" "EAFF08000D000301DF00")


def _polar(rate=52.0, factors=None):
    d = polar_pmd.Decoder(rate)
    for kind, f in (factors or {}).items():
        # the start response carries the factor: F0 02 <type> 00 00 05 01 <float32>
        d.feed(polar_pmd.CONTROL_UUID, bytes([0xF0, 0x02, kind, 0x00, 0x00, 0x05, 0x01]) + struct.pack("<f", f))
    return d


def test_polar_start_request_and_uuids():
    # PMD start: 02 <type> then settings TLVs: sample rate 0x00, resolution 0x01, range 0x02, channels 0x04
    assert polar_pmd.start_request(polar_pmd.ACC, 52) == bytes.fromhex("0202" "00013400" "01011000" "02010800" "040103")
    assert polar_pmd.stop()[0].value == bytes([0x03, 0x02])
    assert polar_pmd.DATA_UUID == "fb005c82-02e7-f387-1cad-8acd2d8df0c8"


def test_polar_raw_acc_frame_type_1():
    # AccDataTest "process acc raw data frame type 1": x −9, y −1, z 999 mG then −8, −2, 997; last sample at the
    # frame timestamp 2 000 000 000 ns
    d = _polar()
    assert d.feed(polar_pmd.DATA_UUID, POLAR_RAW_ACC) is None  # waits for the matching gyro samples
    (t0, a0), (t1, a1) = d._queues[polar_pmd.ACC]
    np.testing.assert_allclose(a0, np.array([-9, -1, 999]) * 1e-3 * G)
    np.testing.assert_allclose(a1, np.array([-8, -2, 997]) * 1e-3 * G)
    assert t1 == 2_000_000_000


def test_polar_compressed_acc_frame_type_0():
    # AccDataTest "process acc compressed data type 0": 1 reference + 56 delta samples; sample 0 = (1905, 27376,
    # −29282), sample 1 = sample 0 + (190, −105, −85); factor 2.44e-4 g per LSB; range ±8 g
    frame = polar_pmd.frame_header(polar_pmd.ACC, 2_000_000_000, 0x80) + POLAR_COMPRESSED_ACC_CONTENT
    d = _polar(factors={polar_pmd.ACC: 2.44e-4})
    d._last_ts[polar_pmd.ACC] = 100  # the test's previous frame timestamp
    d.feed(polar_pmd.DATA_UUID, frame)
    q = list(d._queues[polar_pmd.ACC])
    assert len(q) == 57
    f = np.float32(2.44e-4)
    np.testing.assert_allclose(q[0][1], np.array([1905, 27376, -29282]) * f * G, rtol=1e-6)
    np.testing.assert_allclose(q[1][1], np.array([2095, 27271, -29367]) * f * G, rtol=1e-6)
    assert all(np.abs(v).max() <= 8 * G for _, v in q)
    delta = (2_000_000_000 - 100) / 57
    assert q[0][0] == pytest.approx(100 + delta) and q[-1][0] == 2_000_000_000


def test_polar_compressed_gyro_frame_pairs_with_acc():
    # GyrDataTest "process gyro compressed data type 0": (−22, 8, 13) then deltas (−1, +3, +3), factor 1
    d = _polar()
    t_last = 0x7FFFFFFFFFFFFFFF
    gyro = d.feed(polar_pmd.DATA_UUID, POLAR_COMPRESSED_GYRO)
    assert gyro is None
    # an ACC frame at the same instants completes the pairs
    acc = polar_pmd.frame_header(polar_pmd.ACC, t_last, 0x01) + struct.pack("<6h", 0, 0, 1000, 0, 0, 1000)
    r = d.feed(polar_pmd.DATA_UUID, acc)
    assert len(r) == 2
    np.testing.assert_allclose(r.gyr_rads, np.array([[-22, 8, 13], [-23, 11, 16]]) * D2R)
    np.testing.assert_allclose(r.acc_mps2[:, 2], G)
    assert r.sensor_t_s[-1] == pytest.approx(t_last * 1e-9)


POLAR_FRAME_SAMPLES = 4
POLAR_FRAME_NS = int(POLAR_FRAME_SAMPLES / 52.0 * 1e9)


def _polar_frames(n_frames: int, future_at: int | None = None, future_ns: int = 0) -> list[bytes]:
    """ACC (raw, type 1) and GYRO (compressed) frames of 4 samples at 52 Hz, interleaved; ACC frame `future_at`
    carries a timestamp `future_ns` in the future."""
    out = []
    for k in range(n_frames):
        ts = 10**12 + (k + 1) * POLAR_FRAME_NS
        acc_ts = ts + future_ns if k == future_at else ts
        acc = polar_pmd.frame_header(polar_pmd.ACC, acc_ts, 0x01) + struct.pack("<12h", *([0, 0, 1000] * 4))
        gyr = polar_pmd.frame_header(polar_pmd.GYRO, ts, 0x80) + polar_pmd.encode_delta(np.zeros((4, 3), int))
        out += [acc, gyr]
    return out


def _feed_polar(frames: list[bytes]) -> tuple[polar_pmd.Decoder, list, int, int]:
    """(decoder, paired sample times (s), malformed count, largest queue length seen)."""
    d, times, bad, longest = _polar(), [], 0, 0
    for f in frames:
        try:
            r = d.feed(polar_pmd.DATA_UUID, f)
        except MalformedPacket:
            bad += 1
            continue
        if r is not None:
            times += list(r.sensor_t_s)
        longest = max(longest, *(len(q) for q in d._queues.values()))
    return d, times, bad, longest


@pytest.mark.parametrize("future_ns", [5 * 10**9, 10**9 * 3600 * 24 * 365])
def test_polar_a_frame_with_a_future_timestamp_is_counted_and_output_resumes(future_ns):
    n = 60
    d, times, bad, longest = _feed_polar(_polar_frames(n, future_at=10, future_ns=future_ns))
    assert bad + d.rejected == 1  # counted once, as malformed at once or after the fact
    # every other frame pair is delivered, in order, and the queues stay at about one frame
    assert len(times) >= (n - 2) * POLAR_FRAME_SAMPLES and np.all(np.diff(times) > 0)
    assert times[-1] == pytest.approx((10**12 + n * POLAR_FRAME_NS) * 1e-9)
    assert longest <= 2 * POLAR_FRAME_SAMPLES


def test_polar_pairing_queues_are_bounded_when_one_stream_never_comes():
    frames = _polar_frames(200)[::2]  # ACC only (the GYRO start failed)
    d, times, _, longest = _feed_polar(frames)
    assert not times and longest <= polar_pmd.PAIRING_WINDOW_S * 52 + POLAR_FRAME_SAMPLES
    assert d.unpaired >= 200 * POLAR_FRAME_SAMPLES - longest


def test_polar_h10_is_recognised_as_unsupported():
    assert unsupported_reason("Polar H10 ABCD1234") == "Polar H10 has no gyroscope"
    assert recognise("Polar H10 ABCD1234", []) is None
    assert recognise("Polar Sense B5E2F221", []) is polar_pmd.MODEL


# ------------------------------------------------------------------------------------------------ DIY
def test_diy_example_packet_from_docs():
    # docs/devices.md example: seq 7, t 1 000 000 µs, 2 samples; sample 0 lying flat (az 4096 = 1 g), gyr x 16.384·10
    packet = bytes.fromhex("0700" "40420F00" "02" "000000000010" "A4000000" "0000" "000000000010" "00000000" "0000")
    r = repscope_diy.decode(packet, 100.0)
    assert r.seq == 7 and r.seq_modulus == 1 << 16
    np.testing.assert_allclose(r.sensor_t_s, [1.0, 1.01])
    np.testing.assert_allclose(r.acc_mps2, [[0, 0, G], [0, 0, G]])
    np.testing.assert_allclose(r.gyr_rads[0], [164 / 16.384 * D2R, 0, 0])
    with pytest.raises(MalformedPacket, match="2 samples need 31 bytes, got 30"):
        repscope_diy.decode(packet[:-1], 100.0)
    with pytest.raises(MalformedPacket, match="sample count 0"):
        repscope_diy.decode(packet[:6] + b"\x00", 100.0)


def test_registry():
    assert {m.key for m in MODELS} == {"witmotion", "thingy52", "polar", "diy"}
    assert recognise("WT901BLE67", []) is witmotion.MODEL
    assert recognise(None, [thingy52.MODEL.service_uuids[0].upper()]) is thingy52.MODEL
    assert recognise("repscope-pelvis", []) is repscope_diy.MODEL
    assert recognise("Mi Band", []) is None
    with pytest.raises(KeyError, match="unknown device model 'fitbit'"):
        model_by_key("fitbit")


# ------------------------------------------------------------------------------------------------ properties
acc_st = arrays(np.float64, (5, 3), elements=st.floats(-7.9 * G, 7.9 * G))
gyr_st = arrays(np.float64, (5, 3), elements=st.floats(-34.0, 34.0))  # ±1950 °/s


@settings(max_examples=80, deadline=None, derandomize=True)
@given(acc=acc_st, gyr=gyr_st)
def test_round_trips_within_one_lsb(acc, gyr):
    r = witmotion.decode(witmotion.encode(acc, gyr))
    assert np.abs(r.acc_mps2 - acc).max() <= 0.5 * 16 / 32768 * G + 1e-9
    assert np.abs(r.gyr_rads - gyr).max() <= 0.5 * 2000 / 32768 * D2R + 1e-9
    r = repscope_diy.decode(repscope_diy.encode(3, 123456, acc, gyr), 100.0)
    assert np.abs(r.acc_mps2 - acc).max() <= 0.5 / 4096 * G + 1e-9
    assert np.abs(r.gyr_rads - gyr).max() <= 0.5 / 16.384 * D2R + 1e-9
    small = np.clip(acc, -15.9 * G, 15.9 * G)
    for a, g in zip(small, np.clip(gyr, -17.0, 17.0)):
        r = thingy52.decode(thingy52.encode(a, g))
        assert np.abs(r.acc_mps2[0] - a).max() <= 0.5 / 1024 * G + 1e-9
        assert np.abs(r.gyr_rads[0] - g).max() <= 0.5 / 32 * D2R + 1e-9


@settings(max_examples=80, deadline=None, derandomize=True)
@given(samples=arrays(np.int64, st.tuples(st.integers(1, 40), st.just(3)), elements=st.integers(-32768, 32767)))
def test_polar_delta_compression_round_trip(samples):
    assert np.array_equal(polar_pmd.delta_frames(polar_pmd.encode_delta(samples), 3, 16), samples)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(payload=st.binary(max_size=260), which=st.sampled_from(["witmotion", "thingy52", "polar", "diy"]))
def test_arbitrary_bytes_never_raise_anything_but_malformed(payload, which):
    model = model_by_key(which)
    decoder = model.make_decoder(100.0)
    for uuid in model.notify_uuids:
        try:
            r = decoder.feed(uuid, payload)
        except MalformedPacket as exc:
            assert str(exc).startswith(("witmotion", "thingy52", "polar_pmd", "repscope_diy")) and "\n" not in str(exc)
            continue
        if r is not None:
            assert r.acc_mps2.shape == r.gyr_rads.shape == (len(r), 3)
            assert np.isfinite(r.acc_mps2).all() and np.isfinite(r.gyr_rads).all()


def test_timestamp_wrap_is_a_capability_of_the_model():
    """The BLE stack reads a model's clock wrap from its entry, never from its name."""
    from sensors.devices import MODELS
    from sensors.devices import repscope_diy

    wraps = {m.key: m.clock_wrap_s for m in MODELS}
    assert wraps["diy"] == repscope_diy.TIME_WRAP_S == pytest.approx(4294.967296)
    assert all(w is None for k, w in wraps.items() if k != "diy")
    import inspect

    import sensors.ble as ble
    assert '"diy"' not in inspect.getsource(ble)
