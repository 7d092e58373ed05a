"""Clock mapping: sensor timeline → session clock with drift, jitter, wrap-around and loss."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sensors.clock import SampleClock


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
    assert k == 1600 and abs(dropped - 400) < 15
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
