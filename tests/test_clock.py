"""Clock mapping: sensor timeline → session clock with drift, jitter, wrap-around and loss."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from sensors.clock import LOSS_CONFIRM_S, SampleClock


def _stream(rate=100.0, per_packet=4, seconds=120.0, drift_ppm=60.0, lost=(), wrap_s=None, timestamps=True, seed=0):
    """Packets of a sensor whose crystal runs `drift_ppm` fast; arrival = true time + 8 ms + exponential jitter."""
    rng = np.random.default_rng(seed)
    clock = SampleClock(rate, time_wrap_s=wrap_s)
    n_packets = int(seconds * rate / per_packet)
    out_t, truth_t, gaps = [], [], []
    for k in range(n_packets):
        idx = k * per_packet + np.arange(per_packet)
        true_t = idx / rate  # host time at which each sample was taken
        sensor_t = true_t * (1 + drift_ppm * 1e-6) + 1234.5  # the sensor's own clock
        if wrap_s is not None:
            sensor_t = np.mod(sensor_t, wrap_s)
        if k in lost:
            continue
        arrival = true_t[-1] + 0.008 + rng.exponential(0.012)
        placed = clock.place(sensor_t if timestamps else None, per_packet, arrival, seq=k % 65536, seq_modulus=65536)
        out_t.append(placed.t_s)
        truth_t.append(true_t)
        if placed.gap_before:
            gaps.append((k, placed.dropped))
    return np.concatenate(out_t), np.concatenate(truth_t), gaps, clock


def test_jitter_does_not_reach_the_sample_times_and_drift_is_learnt():
    t, truth, gaps, _ = _stream()
    assert not gaps
    d = np.diff(t)
    assert np.all(d > 0)
    assert np.median(d) == pytest.approx(0.01, rel=1e-4)
    # within a packet the spacing is exact; across packets it stays within a fraction of a period
    assert np.abs(d - 0.01).max() < 0.003
    # after a minute the mapped times track the true sample instants to a few ms (the fixed radio delay aside)
    err = (t - truth)[len(t) // 2:]
    assert np.ptp(err) < 0.006


def test_lost_packets_are_marked_from_timestamps_and_counters():
    t, _, gaps, clock = _stream(lost={500, 501, 502, 2000})
    assert [k for k, _ in gaps] == [503, 2001]
    assert [d for _, d in gaps] == [12, 4]
    assert clock.dropped_total == 16
    assert np.all(np.diff(t) > 0)


def test_timestamp_wrap_around():
    # a 32-bit µs counter wraps every 71.6 min; use a 30-s wrap to see several
    t, _, gaps, _ = _stream(seconds=100, wrap_s=30.0)
    assert not gaps
    d = np.diff(t)
    assert np.all(d > 0) and np.median(d) == pytest.approx(0.01, rel=1e-4)


def test_sensor_without_timestamps_detects_a_long_loss():
    t, _, gaps, _ = _stream(timestamps=False, lost=set(range(1500, 1600)))  # 4 s missing
    assert len(gaps) == 1
    k, dropped = gaps[0]
    # declared once the packets have stayed behind the arrival clock for LOSS_CONFIRM_S (25 packets a second)
    assert 1600 < k <= 1600 + LOSS_CONFIRM_S * 25 + 1 and abs(dropped - 400) < 15
    assert np.all(np.diff(t) > 0)


def test_duplicate_notification_is_discarded():
    clock = SampleClock(100.0)
    clock.place(np.array([1.0, 1.01]), 2, 0.05)
    again = clock.place(np.array([1.0, 1.01]), 2, 0.06)
    assert again.late and len(again.t_s) == 0 and clock.late_total == 1


@settings(max_examples=25, deadline=None, derandomize=True)
@given(drift=st.floats(-200, 200), per_packet=st.integers(1, 10), seed=st.integers(0, 1000))
def test_times_always_increase(drift, per_packet, seed):
    t, _, gaps, _ = _stream(rate=50.0, per_packet=per_packet, seconds=20, drift_ppm=drift, seed=seed)
    assert np.all(np.diff(t) > 0) and not gaps


def test_sensor_without_timestamps_is_reanchored_after_a_reconnect():
    clock = SampleClock(100.0)
    for k in range(250):  # 10 s of 4-sample packets, 15 ms latency
        clock.place(None, 4, (k * 4 + 3) / 100 + 0.015)
    clock.reset_link()
    p = clock.place(None, 4, 13.0 + 0.03 + 0.015)  # back 3 s later
    assert p.gap_before and abs(p.dropped - 300) <= 2
    assert abs(p.t_s[-1] - 13.03) < 0.02


# ------------------------------------------------------------------------------------------------ DIY timelines
RATE = 100.0
PER_PACKET = 4
PACKET_S = PER_PACKET / RATE
WRAP_US = 1 << 32
LATENCY_S = 0.008  # the least radio + host delay in `_diy_stream`; session times sit this far after the truth


def _diy_stream(start_s: float, seconds: float, t0_us: int, seq0: int = 0, seed: int = 0) -> list[dict]:
    """DIY packets as the decoder yields them (raw wrapping t_us + k/rate, u16 seq), sampled from host time
    `start_s` on, the sensor clock reading `t0_us` at that moment; arrival = truth + 8 ms + exponential jitter."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(int(round(seconds / PACKET_S))):
        true_t = start_s + k * PACKET_S + np.arange(PER_PACKET) / RATE
        t_us = (t0_us + int(round(k * PACKET_S * 1e6))) % WRAP_US
        out.append({"t_us": t_us, "seq": (seq0 + k) % 65536, "true": true_t,
                    "arrival": float(true_t[-1]) + LATENCY_S + rng.exponential(0.012)})
    return out


def _feed(clock: SampleClock, packets: list[dict]) -> list:
    placed = []
    for p in packets:
        raw = p["t_us"] * 1e-6 + np.arange(PER_PACKET) / RATE
        placed.append(clock.place(raw, PER_PACKET, p["arrival"], seq=p["seq"], seq_modulus=65536))
    return placed


def _rebooted_session(old_t0_us: int, old_s: float, outage_s: float, uptime_s: float, new_s: float = 20.0):
    """Stream `old_s`, drop out for `outage_s`, come back rebooted (clock `uptime_s`, counter 0)."""
    clock = SampleClock(RATE, time_wrap_s=WRAP_US * 1e-6)
    old_pk = _diy_stream(0.0, old_s, old_t0_us)
    before = _feed(clock, old_pk)
    clock.reset_link()
    after_pk = _diy_stream(len(old_pk) * PACKET_S + outage_s, new_s, int(uptime_s * 1e6), seed=1)
    return clock, before, _feed(clock, after_pk), after_pk


def _assert_reanchored(clock, after, after_pk, outage_s):
    """The samples after the reboot are all kept, on time; the loss is estimated from arrival (± jitter)."""
    assert clock.late_total == 0 and all(len(p.t_s) == PER_PACKET for p in after)
    assert after[0].gap_before and abs(after[0].dropped - outage_s * RATE) <= 6
    err = np.concatenate([p.t_s for p in after]) - np.concatenate([p["true"] for p in after_pk]) - LATENCY_S
    assert np.abs(err).max() < 0.1
    assert not any(p.gap_before for p in after[1:])


def test_a_sensor_that_rebooted_during_the_drop_out_is_reanchored_to_arrival():
    # 60 s streamed, 3 s away (battery swap), back with its clock at 2.5 s: the next 60 s are kept and on time
    clock, _, after, after_pk = _rebooted_session(old_t0_us=1_000_000, old_s=60.0, outage_s=3.0, uptime_s=2.5,
                                                  new_s=60.0)
    _assert_reanchored(clock, after, after_pk, 3.0)
    assert clock.repaired_total == 1


def test_a_reboot_near_the_counter_wrap_is_not_taken_for_a_wrap():
    # the old timeline ends 225 s before the 2^32-µs wrap; the rebooted clock's small value looked like a wrap
    old_t0_us = WRAP_US - int(245e6)
    clock, _, after, after_pk = _rebooted_session(old_t0_us, old_s=20.0, outage_s=2.0, uptime_s=1.5)
    _assert_reanchored(clock, after, after_pk, 2.0)


def test_a_reconnect_without_reboot_keeps_the_sensor_timeline():
    clock = SampleClock(RATE, time_wrap_s=WRAP_US * 1e-6)
    _feed(clock, _diy_stream(0.0, 20.0, 7_000_000))
    clock.reset_link()
    pk = _diy_stream(23.0, 10.0, 7_000_000 + 23_000_000, seq0=500, seed=2)
    after = _feed(clock, pk)
    assert clock.repaired_total == 0 and after[0].dropped == 300 and after[0].gap_before
    assert after[0].t_s[0] - 23.0 - LATENCY_S == pytest.approx(0.0, abs=0.02)


def test_a_jump_back_without_reconnect_starts_a_new_timeline_after_one_packet():
    clock = SampleClock(RATE, time_wrap_s=WRAP_US * 1e-6)
    pk = _diy_stream(0.0, 20.0, 50_000_000)
    tail = _diy_stream(20.0, 10.0, 3_000_000, seq0=0, seed=3)  # the clock restarts at 3 s, the counter at 0
    placed = _feed(clock, pk + tail)
    t = np.concatenate([p.t_s for p in placed])
    assert clock.repaired_total == 1 and clock.late_total == 0 and clock.dropped_total == 0
    assert len(t) == (len(pk) + len(tail)) * PER_PACKET and np.all(np.diff(t) > 0)
    assert np.abs(np.diff(t) - 0.01).max() < 0.003


def _corrupt(packets: list[dict], k: int, field: str, value: int) -> list[dict]:
    out = [dict(p) for p in packets]
    out[k][field] = value
    return out


def _compare_with_clean(packets: list[dict], k: int, field: str, value: int):
    clean_clock, bad_clock = SampleClock(RATE, WRAP_US * 1e-6), SampleClock(RATE, WRAP_US * 1e-6)
    clean = _feed(clean_clock, packets)
    bad = _feed(bad_clock, _corrupt(packets, k, field, value))
    return clean, bad, bad_clock


def _assert_only_packet_moved(clean, bad, bad_clock, k):
    others = [j for j in range(len(clean)) if j != k]
    moved = max(np.abs(bad[j].t_s - clean[j].t_s).max() for j in others)
    assert moved < 0.25 / RATE
    assert bad_clock.dropped_total == 0 and not any(p.gap_before for p in bad)
    # the corrupted packet itself: kept (stamped by its neighbours) or dropped and counted
    assert len(bad[k].t_s) == PER_PACKET or bad_clock.late_total == 1
    assert bad_clock.late_total + bad_clock.repaired_total <= 1


@pytest.mark.parametrize("name, t_us", [
    ("+2^24 µs (16.8 s ahead)", lambda t: t + (1 << 24)),
    ("across the 2^32 wrap", lambda t: (t + (1 << 31) + (1 << 30)) % WRAP_US),
    ("high bit cleared (far behind)", lambda t: t & ~(1 << 29)),
    ("+30 ms", lambda t: t + 30_000),
])
def test_one_corrupted_timestamp_moves_only_its_own_packet(name, t_us):
    packets = _diy_stream(0.0, 30.0, 1_500_000_000)
    k = 500
    clean, bad, bad_clock = _compare_with_clean(packets, k, "t_us", t_us(packets[k]["t_us"]))
    _assert_only_packet_moved(clean, bad, bad_clock, k)


def test_a_flipped_sequence_byte_reports_no_loss():
    packets = _diy_stream(0.0, 30.0, 0, seq0=0x0100)
    k = 400
    clean, bad, bad_clock = _compare_with_clean(packets, k, "seq", packets[k]["seq"] ^ 0x0100)
    _assert_only_packet_moved(clean, bad, bad_clock, k)
    assert bad_clock.dropped_total == 0 and bad_clock.repaired_total == 0


CORRUPT_PACKETS = _diy_stream(0.0, 12.0, WRAP_US - 6_000_000)  # crosses the 2^32-µs wrap 6 s in


@settings(max_examples=60, deadline=None, derandomize=True)
@given(k=st.integers(1, len(CORRUPT_PACKETS) - 2), field=st.sampled_from(["t_us", "seq"]),
       how=st.sampled_from(["xor", "replace"]), value=st.integers(1, WRAP_US - 1))
def test_property_any_single_corrupted_timestamp_or_counter_moves_at_most_that_packet(k, field, how, value):
    modulus = WRAP_US if field == "t_us" else 65536
    good = CORRUPT_PACKETS[k][field]
    bad_value = good ^ (value % modulus) if how == "xor" else value % modulus
    clean, bad, bad_clock = _compare_with_clean(CORRUPT_PACKETS, k, field, bad_value)
    _assert_only_packet_moved(clean, bad, bad_clock, k)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(t0_us=st.integers(0, WRAP_US - 1), old_s=st.floats(10.0, 30.0), outage_s=st.floats(0.5, 20.0),
       uptime_s=st.floats(0.2, 5.0))
def test_property_a_reboot_is_detected(t0_us, old_s, outage_s, uptime_s):
    # skip the (µs-narrow) case where the restarted clock happens to read what the old one would have
    would_read = ((t0_us + (old_s + outage_s) * 1e6) % WRAP_US) * 1e-6
    assume(abs(would_read - uptime_s) > 1.0)
    clock, _, after, after_pk = _rebooted_session(t0_us, old_s, outage_s, uptime_s, new_s=5.0)
    _assert_reanchored(clock, after, after_pk, outage_s)


# ------------------------------------------------------------------------------------------------ host load
def _bursty_arrivals(true_t: np.ndarray, stalls: list[tuple[float, float]], seed: int = 0) -> np.ndarray:
    """Arrival of one-sample notifications (truth + 8 ms + jitter); during each (start, length) host stall they
    queue up and are delivered together when it ends, 0.2 ms apart."""
    rng = np.random.default_rng(seed)
    arrival = true_t + 0.008 + rng.exponential(0.004, len(true_t))
    for start, length in stalls:
        held = np.flatnonzero((arrival >= start) & (arrival < start + length))
        arrival[held] = start + length + 0.0002 * np.arange(len(held))
    return np.maximum.accumulate(arrival)


def test_late_bursts_under_host_load_are_not_taken_for_losses():
    # WitMotion / Thingy:52 (no timestamps, no counter): the host stalls 0.4–0.9 s every 5 s
    true_t = np.arange(6000) / RATE
    stalls = [(5.0 * k + 2.0, 0.4 + 0.1 * (k % 6)) for k in range(11)]
    clock = SampleClock(RATE)
    placed = [clock.place(None, 1, a) for a in _bursty_arrivals(true_t, stalls)]
    t = np.concatenate([p.t_s for p in placed])
    assert clock.dropped_total == 0 and not any(p.gap_before for p in placed)
    err = t - true_t
    assert np.ptp(err[1000:]) < 0.02  # no later timestamp is shifted by a stall


def test_a_real_shortfall_without_counters_is_still_found():
    true_t = np.arange(3000) / RATE
    kept = np.r_[0:1200, 1500:3000]  # 3 s of samples never sent (the module's buffer overflowed)
    arrival = _bursty_arrivals(true_t, [])[kept]
    clock = SampleClock(RATE)
    placed = [clock.place(None, 1, a) for a in arrival]
    gaps = [k for k, p in enumerate(placed) if p.gap_before]
    assert len(gaps) == 1 and abs(clock.dropped_total - 300) <= 3
    assert gaps[0] <= 1200 + (LOSS_CONFIRM_S + 0.1) * RATE
    t = np.concatenate([p.t_s for p in placed])
    assert np.abs(t[gaps[0]:] - true_t[kept][gaps[0]:] - 0.008).max() < 0.03
