"""Streaming analyzer: same answers as offline, bounded memory, sane event order."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from analysis.pipeline import ImuSeries, analyze_set
from analysis.ringbuffer import RingBuffer
from analysis.streaming import (
    PhaseChanged, RepCompleted, RepsRevised, SetEnded, SetStarted, StepsUpdated, StreamingAnalyzer,
    batches_in_time_order, stream_series,
)
from analysis.tempo import parse_tempo
from sensors.recording import read_recording
from sensors.simulation import SimConfig, simulate_set
from tests.conftest import DEMO_DIR

# one-set demos (a workout recording has no single exercise; the streaming analyzer follows one set)
DEMOS = [p for p in sorted(DEMO_DIR.glob("*.csv")) if read_recording(p).meta.exercise]


def _load(path):
    rec = read_recording(path)
    tempo = parse_tempo(rec.meta.tempo) if rec.meta.tempo else None
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in rec.streams]
    return rec, series, tempo


@pytest.mark.parametrize("path", DEMOS, ids=lambda p: p.stem)
def test_demo_stream_equals_offline(path):
    rec, series, tempo = _load(path)
    offline = analyze_set(series, rec.meta.exercise, tempo, rec.meta.side)
    sa, events = stream_series(series, rec.meta.exercise, tempo, rec.meta.side, batch_s=0.05)
    ended = [e for e in events if isinstance(e, SetEnded)]
    assert len(ended) == 1 and events[-1] is ended[0]
    # the final word equals `repscope analyze` exactly
    assert ended[0].report.reps == offline.reps
    assert ended[0].report.steps == offline.steps
    # every rep was announced live, in order, before the set ended; before the first rep, at most two set-up
    # moves may be announced as a rep and withdrawn once the real reps show they were not (RepsRevised)
    completed = [e.rep.index for e in events if isinstance(e, RepCompleted)]
    assert sorted(set(completed)) == list(range(1, len(offline.reps) + 1))
    assert all(b - a in (0, 1) for a, b in zip(completed, completed[1:]))
    assert len(completed) - len(offline.reps) <= 2
    if offline.reps:
        assert isinstance(next(e for e in events if not isinstance(e, PhaseChanged)), SetStarted)
        # the list after the last revision is the offline list
        revised = [e for e in events if isinstance(e, RepsRevised)]
        latest = revised[-1].reps if revised else tuple(e.rep for e in events if isinstance(e, RepCompleted))
        assert latest == offline.reps
        # a rep is announced soon after its lowering ends (the look-ahead), not at the end of the set
        final_starts = [r.start_s for r in offline.reps]
        for e in events:
            if isinstance(e, RepCompleted) and min(abs(e.rep.start_s - s) for s in final_starts) < 0.2:
                assert e.t_s - e.rep.phase("eccentric").end_s < 0.5
    else:
        assert any(isinstance(e, StepsUpdated) for e in events)
    for kind in (PhaseChanged, RepCompleted, RepsRevised, SetEnded):
        times = [e.t_s for e in events if isinstance(e, kind)]
        assert times == sorted(times)


def test_live_phases_follow_the_lift():
    """The live tracker's phase sequence on a clean set is concentric → top pause → eccentric → bottom pause."""
    sim = simulate_set(SimConfig(reps=4, fidget=False), rng=3)
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in sim.streams]
    _, events = stream_series(series, "hip_thrust", batch_s=0.02)
    first = sim.truth["reps"][0]["start_s"]
    names = [e.phase for e in events if isinstance(e, PhaseChanged) and e.t_s > first - 0.3]
    cycle = ["concentric", "top_pause", "eccentric", "bottom_pause"]
    assert names[:16] == cycle * 4


def test_batch_size_does_not_change_the_result():
    sim = simulate_set(SimConfig(reps=5, rates_hz=(50.0,)), rng=11)
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in sim.streams]
    finals = []
    for batch_s in (0.02, 0.13, 0.5):
        _, events = stream_series(series, "hip_thrust", batch_s=batch_s)
        finals.append(events[-1].report.reps)
    assert finals[0] == finals[1] == finals[2]
    assert len(finals[0]) == 5


def test_memory_is_bounded_over_a_long_stream():
    """Sets longer than the set window are closed; the buffers never grow."""
    rate = 100.0
    sa = StreamingAnalyzer("hip_thrust", {"pelvis": rate}, set_window_s=20.0, live_window_s=10.0)
    sizes = set()
    rng = np.random.default_rng(0)
    t0 = 0.0
    for _ in range(400):  # 200 s of 0.5 s batches: 10 set windows
        t = t0 + np.arange(50) / rate
        t0 = t[-1] + 1 / rate
        acc = np.tile([0.0, 0.0, 9.80665], (50, 1)) + rng.normal(0, 0.02, (50, 3))
        gyr = np.column_stack([np.radians(40) * np.sin(2 * np.pi * t / 5.0), np.zeros(50), np.zeros(50)])
        sa.push("pelvis", t, acc, gyr)
        s = sa.sensors["pelvis"]
        sizes.add((s.samples.nbytes, s.disp.nbytes))
        assert len(s.samples) <= s.samples.capacity
    assert len(sizes) == 1


def test_unknown_sensor_is_a_clear_error():
    sa = StreamingAnalyzer("hip_thrust", {"pelvis": 100.0})
    with pytest.raises(ValueError, match="unknown sensor 'thigh_left'"):
        sa.push("thigh_left", np.array([0.0]), np.zeros((1, 3)), np.zeros((1, 3)))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    capacity=st.integers(1, 50),
    chunks=st.lists(st.integers(0, 80), min_size=1, max_size=30),
)
def test_ring_buffer_keeps_the_newest_rows(capacity, chunks):
    rb = RingBuffer(capacity, 2)
    everything = np.empty((0, 2))
    counter = 0
    for n in chunks:
        rows = np.column_stack([np.arange(counter, counter + n), -np.arange(counter, counter + n)]).astype(float)
        if n < capacity and counter % 2:
            rb.reserve(n)[:] = rows  # the rows written in place, as the streaming analyzer does
        else:
            rb.append(rows)
        counter += n
        everything = np.vstack([everything, rows])
        np.testing.assert_array_equal(rb.view(), everything[-capacity:] if len(everything) else everything)
        assert rb.view().flags["C_CONTIGUOUS"]
    assert rb.total == counter


MOUNT = ((0.8, 0.2, -0.4, 0.4),)  # one strap position for every set of a session (the simulator's is random per set)


def _session_stream(sets: int, rest_s: float, rate: float = 50.0, seed: int = 40) -> ImuSeries:
    """Back-to-back simulated sets of 3 reps, each begun by `rest_s` of standing still (the rest after the last)."""
    parts, offset = [], 0.0
    for k in range(sets):
        cfg = SimConfig(reps=3, eccentric_s=2.0, bottom_pause_s=0.5, top_pause_s=0.5, fidget=False, rates_hz=(rate,),
                        standing_s=2.0 if k == 0 else rest_s, mounting=MOUNT)
        s = simulate_set(cfg, seed + k).streams[0]
        parts.append((s.t_s - s.t_s[0] + offset, s.acc_mps2, s.gyr_rads))
        offset = parts[-1][0][-1] + 1.0 / rate
    return ImuSeries("pelvis", *(np.concatenate(x) for x in zip(*parts)))


def _set_samples(series: ImuSeries, ended: SetEnded) -> list[ImuSeries]:
    """The samples of the set's span, as `analyze` slices a marked span: [set_start, set_end)."""
    assert ended.start_s < ended.end_s <= ended.t_s + 0.01
    keep = (series.t_s >= ended.start_s) & (series.t_s < ended.end_s)
    return [ImuSeries(series.placement, series.t_s[keep], series.acc_mps2[keep], series.gyr_rads[keep])]


def test_sets_after_the_ring_buffer_fills_end_on_rest_not_as_too_long():
    """A stream several times longer than the set window, sets parted by rests longer than `auto_end_rest_s`:
    every set ends once, by the rest, with its 3 reps; the report is the offline analysis of that set's samples."""
    series = _session_stream(sets=4, rest_s=36.0)
    set_window = 75.0
    assert series.t_s[-1] - series.t_s[0] > 2.5 * set_window
    sa = StreamingAnalyzer("hip_thrust", {"pelvis": 50.0}, set_window_s=set_window, live_window_s=30.0,
                           auto_end_rest_s=30.0)
    events = []
    for placement, t, a, g in batches_in_time_order([series], 0.1):
        events += sa.push(placement, t, a, g)
    events += sa.end_set("stream end")
    ended = [e for e in events if isinstance(e, SetEnded)]
    assert [e.reason for e in ended] == ["rest"] * 3 + ["stream end"]
    assert [len(e.report.reps) for e in ended] == [3] * 4
    for e in ended:
        assert e.report.reps == analyze_set(_set_samples(series, e), "hip_thrust").reps


def test_a_long_wait_before_the_first_rep_does_not_cut_the_set_short():
    """Standing around for longer than the set window, then a set: it ends by the rest, not as too long."""
    series = _session_stream(sets=1, rest_s=0.0)
    rate, wait = 50.0, 80.0
    still = np.arange(int(wait * rate)) / rate
    series = ImuSeries("pelvis", np.concatenate([still, series.t_s + wait]),
                       np.concatenate([np.repeat(series.acc_mps2[:1], len(still), 0), series.acc_mps2]),
                       np.concatenate([np.repeat(series.gyr_rads[:1], len(still), 0), series.gyr_rads]))
    sa, events = stream_series([series], "hip_thrust", batch_s=0.1, set_window_s=60.0, live_window_s=30.0)
    ended = [e for e in events if isinstance(e, SetEnded)]
    assert [(e.reason, len(e.report.reps)) for e in ended] == [("stream end", 3)]


def test_a_rest_after_agreed_reps_settles_only_as_a_net(monkeypatch):
    """Once the tracker's stops and the settled reps agree, new reps are read from the stream's tail
    (`analysis.live_tail`); a still rest costs at most one offline analysis (the look for a last lowering that
    ended no rep) and a reading or two, not one a second (nothing moved: no look on the interval); the reps are
    still announced as they end, and the set ends equal to the offline analysis."""
    import analysis.streaming as streaming

    sim = simulate_set(SimConfig(reps=4, fidget=False), rng=3)
    s = sim.streams[0]
    rest_s = 20.0
    dt = float(np.median(np.diff(s.t_s)))
    t_rest = s.t_s[-1] + dt * np.arange(1, int(rest_s / dt) + 1)
    still_acc = np.repeat(s.acc_mps2[-1:], len(t_rest), axis=0)  # the last pose, held still
    series = [ImuSeries(s.info.placement, np.concatenate([s.t_s, t_rest]), np.concatenate([s.acc_mps2, still_acc]),
                        np.concatenate([s.gyr_rads, np.zeros((len(t_rest), 3))]))]
    offline, tails = [], []
    real, real_tail = streaming.analyze_with_calibration, streaming.live_tail.read_tail

    def counted(window, *args):
        offline.append(float(window[0].t_s[-1]))
        return real(window, *args)

    def counted_tail(tail, *args):
        tails.append(float(tail.t_s[-1]))
        return real_tail(tail, *args)

    monkeypatch.setattr(streaming, "analyze_with_calibration", counted)
    monkeypatch.setattr(streaming.live_tail, "read_tail", counted_tail)
    sa, events = stream_series(series, "hip_thrust", batch_s=0.04)
    assert len([e for e in events if isinstance(e, RepCompleted)]) == 4
    assert events[-1].report.reps == analyze_set(series, "hip_thrust").reps
    rest_start = s.t_s[-1] + 1.0
    assert len([t for t in offline[:-1] if t > rest_start]) <= 1  # the last one is the set's end
    # the simulated set ends with a lowering move that is no rep: its stop is read once more; after that nothing
    # moves, and a look on the interval is skipped (the old cadence: 20 offline analyses here)
    assert len([t for t in tails if t > rest_start]) <= 2


def _stream_counting_offline(monkeypatch, reps: int):
    """A simulated hip-thrust set (pelvis + thigh, 100 Hz, seed 1) streamed in 40-ms batches; its events and the
    stream time (s) of every offline analysis the streaming analyzer ran."""
    import analysis.streaming as streaming

    sim = simulate_set(SimConfig(reps=reps, placements=("pelvis", "thigh_left"), rates_hz=(100.0, 100.0)), rng=1)
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in sim.streams]
    offline_at = []
    real = streaming.analyze_with_calibration

    def counted(window, *args):
        offline_at.append(float(window[0].t_s[-1]))
        return real(window, *args)

    monkeypatch.setattr(streaming, "analyze_with_calibration", counted)
    _, events = stream_series(series, "hip_thrust", batch_s=0.04)
    return events, offline_at


def test_reps_after_the_first_are_read_from_the_tail_close_to_the_final(monkeypatch):
    """From TAIL_AFTER_REPS settled reps on (the first rep a real one: the primary turns about its axis), new reps
    come from the tail reading (no offline analysis while the set runs) and their phase boundaries are within a few
    samples of the final (offline) ones."""
    from analysis.streaming import TAIL_AFTER_REPS

    events, offline_at = _stream_counting_offline(monkeypatch, reps=6)
    final = events[-1].report.reps
    assert len(final) == 6
    announced = {e.rep.index: e for e in events if isinstance(e, RepCompleted)}
    assert abs(announced[1].rep.start_s - final[0].start_s) < 0.05  # the first announced rep is the set's first
    tail_from = announced[TAIL_AFTER_REPS].t_s
    last_end = final[-1].phase("eccentric").end_s
    # while reps come in, none (after them, one look for the set's last lowering move; the last is the set's end)
    assert [t for t in offline_at[:-1] if tail_from + 0.3 < t < last_end + 0.5] == []
    for rep in final[TAIL_AFTER_REPS:]:
        live = announced[rep.index].rep
        assert abs(live.rise_m - rep.rise_m) < 0.03  # the hip's rise from the tail's real-time orientation
        for name in ("concentric", "top_pause", "eccentric"):
            assert abs(live.phase(name).start_s - rep.phase(name).start_s) < 0.05
            # the lowering's end is announced a tenth of a second after the stop, before the rest window after it
            # is complete (the final reading has it): within a few samples of it, not one
            tol = 0.15 if name == "eccentric" else 0.05
            assert abs(live.phase(name).end_s - rep.phase(name).end_s) < tol


def test_a_set_up_move_taken_for_the_first_rep_does_not_hide_the_reps():
    """The first settled rep is a set-up move about another axis than the reps': the tracker and the tail follow
    its axis, but the reps' turn across it calls offline looks until a second rep, so the real first rep is still
    announced within 0.15 s of its lowering's end, and every later one too."""
    sim = simulate_set(SimConfig(reps=6, placements=("pelvis", "thigh_left"), rates_hz=(100.0, 100.0)), rng=9)
    series = [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in sim.streams]
    _, events = stream_series(series, "hip_thrust", batch_s=0.04)
    final = events[-1].report.reps
    completed = [e for e in events if isinstance(e, RepCompleted)]
    assert all(abs(completed[0].rep.start_s - r.start_s) > 0.5 for r in final)  # the set-up move, withdrawn
    for rep in final:
        first = next(e for e in completed if abs(e.rep.start_s - rep.start_s) < 0.2)
        assert first.t_s - rep.phase("eccentric").end_s < 0.15


def test_the_set_up_before_the_first_rep_costs_no_offline_analysis(monkeypatch):
    """Before the set's first rep, the window is analysed offline only once it holds a complete rep about the
    tracker's guessed axis (`live_tail.holds_rep` on the real-time orientation): none while the lifter sets up,
    and the first rep is still announced as its lowering ends."""
    events, offline_at = _stream_counting_offline(monkeypatch, reps=4)
    first = events[-1].report.reps[0]
    assert [t for t in offline_at if t < first.start_s] == []
    assert len([t for t in offline_at if t < first.phase("eccentric").end_s]) <= 1
    announced = next(e for e in events if isinstance(e, RepCompleted))
    assert abs(announced.rep.start_s - first.start_s) < 0.05
    assert announced.t_s - first.phase("eccentric").end_s < 0.15


def test_a_tail_holds_a_rep_read_either_way_up_and_a_still_one_none():
    from analysis import live_tail
    from analysis.streaming import ACC, BIAS, GYR, QUAT

    sim = simulate_set(SimConfig(reps=2, fidget=False), rng=2)
    sa, events = stream_series([ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in sim.streams],
                               "hip_thrust", batch_s=0.04)
    r = sa.sensors["pelvis"].rows(-np.inf)
    tail = live_tail.Tail(r[:, 0], r[:, ACC], r[:, GYR] - r[:, BIAS], r[:, QUAT])
    axis = sa.calibration.axes_sensor["pelvis"]
    assert live_tail.holds_rep(tail, axis) and live_tail.holds_rep(tail, -axis)
    still = r[:, 0] < events[-1].report.reps[0].start_s - 0.5
    assert still.sum() > 100
    before = live_tail.Tail(r[still, 0], r[still][:, ACC], (r[:, GYR] - r[:, BIAS])[still], r[still][:, QUAT])
    assert not live_tail.holds_rep(before, axis)
