"""Rep segmentation on the patterns of real lifters (issue 23): an overshoot that settles back into the hold, a
top hold longer than the bottom rest, small reps, a lift with a hesitation, an angle that drifts over the set;
and gravity's say in which way is the lift. Angle traces built here, 25 Hz unless a test says otherwise."""
import numpy as np
import pytest

from analysis import axis_reading, pipeline
from analysis.params import PipelineParams
from analysis.polarity import by_gravity
from analysis.segmentation import RepSpan, segment_reps


def _min_jerk(u):
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10 - 15 * u + 6 * u**2)


class _Trace:
    """An angle trace built move by move: `hold(s)`, `move(delta_deg, s)`; the truth's phases kept per move."""

    def __init__(self, rate_hz: float = 25.0, start_deg: float = 0.0):
        self.rate_hz, self.t, self.level, self.pieces, self.moves = rate_hz, 0.0, start_deg, [], []

    def hold(self, s: float):
        self.pieces.append((self.t, self.t + s, self.level, self.level))
        self.t += s
        return self

    def move(self, delta_deg: float, s: float):
        self.pieces.append((self.t, self.t + s, self.level, self.level + delta_deg))
        self.moves.append((self.t, self.t + s))
        self.t += s
        self.level += delta_deg
        return self

    def series(self, seed: int = 0, drift_dps: float = 0.0, noise_deg: float = 0.03):
        t = np.arange(0.0, self.t, 1.0 / self.rate_hz)
        angle = np.full(len(t), self.pieces[0][2])
        for t0, t1, a0, a1 in self.pieces:
            m = (t >= t0) & (t < t1)
            angle[m] = a0 + (a1 - a0) * _min_jerk((t[m] - t0) / (t1 - t0))
        angle = angle + drift_dps * t + np.random.default_rng(seed).normal(0.0, noise_deg, len(t))
        return t, angle, np.gradient(angle, t)


def _reps(trace: _Trace, **kw):
    t, angle, speed = trace.series(**kw)
    return segment_reps(t, angle, speed, trace.rate_hz)


def _overshoot_set(n: int = 6, rom: float = 40.0, over: float = 0.08) -> _Trace:
    """Reps that lift `over` of the range past the top and settle back into a 2-s hold within 0.5 s, lower in
    2.5 s and touch and go (0.3 s) at the bottom; rests before and after the set."""
    tr = _Trace().hold(3.0)
    for k in range(n):
        tr.move(rom * (1 + over), 1.0).move(-rom * over, 0.5).hold(1.5).move(-rom, 2.5)
        tr.hold(0.3 if k < n - 1 else 3.0)
    return tr


def test_an_overshoot_that_settles_into_the_hold_is_one_rep_its_lift_ending_at_the_peak():
    tr = _overshoot_set()
    spans, polarity = _reps(tr)
    assert polarity == 1 and len(spans) == 6
    lifts, lowerings = tr.moves[0::3], tr.moves[2::3]
    for span, lift, lowering in zip(spans, lifts, lowerings):
        assert abs(span.concentric[1] - lift[1]) < 0.12  # the peak of the overshoot, not the end of the settle
        assert abs(span.eccentric[0] - lowering[0]) < 0.3  # the lowering, not the settle
        assert span.eccentric[0] - span.concentric[1] > 1.5  # the settle is part of the top pause


def test_a_top_hold_longer_than_the_bottom_rest_does_not_turn_the_reps_inside_out():
    """3-s squeezes at the top, 0.3-s touch-and-go bottoms: the pose held longest is the top."""
    tr = _Trace().hold(2.0)
    for k in range(6):
        tr.move(30.0, 1.0).hold(3.0).move(-30.0, 2.0).hold(0.3 if k < 5 else 2.0)
    spans, polarity = _reps(tr)
    assert polarity == 1 and len(spans) == 6
    assert all(2.7 < s.eccentric[0] - s.concentric[1] < 3.3 for s in spans)


@pytest.mark.parametrize("rom", [6.0, 10.0])
def test_a_set_small_throughout_is_still_a_set(rom):
    tr = _Trace().hold(2.0)
    for _ in range(8):
        tr.move(rom, 0.8).hold(1.5).move(-rom, 1.2).hold(1.0)
    spans, _ = _reps(tr, noise_deg=0.02)
    assert len(spans) == 8


def test_a_lift_with_a_hesitation_is_one_lift():
    tr = _Trace().hold(2.0)
    tr.move(12.0, 0.6).hold(0.2).move(14.0, 0.6).hold(2.0).move(-26.0, 2.0).hold(1.0)
    for _ in range(4):
        tr.move(26.0, 1.0).hold(2.0).move(-26.0, 2.0).hold(1.0)
    spans, _ = _reps(tr)
    assert len(spans) == 5
    assert spans[0].concentric[0] < 2.2 and spans[0].range_deg > 24.0


def test_reps_are_leveled_about_the_sets_drift():
    """The angle about a fixed axis drifts (≈ 0.3 °/s on a real thigh): every rep is still one."""
    tr = _Trace().hold(2.0)
    for _ in range(10):
        tr.move(12.0, 0.8).hold(4.0).move(-12.0, 0.8).hold(1.0)
    spans, _ = _reps(tr, drift_dps=-0.3)
    assert len(spans) == 10


def _spans(times: list[float]) -> list[RepSpan]:
    return [RepSpan((c, c + 1.0), (c + 2.0, c + 3.0), None, 0.0, 30.0, 50.0) for c in times]


def test_gravity_decides_the_lift_only_with_clear_evidence_and_a_comparable_reading():
    a, b = _spans([0, 5, 10, 15]), _spans([3, 8, 13])

    def vote(spans):  # a's lifts rise, b's fall
        return 1.0 if spans is a else -1.0

    assert by_gravity(a, b, vote, 0.5) is True
    assert by_gravity(b, a, vote, 0.5) is False
    assert by_gravity(a, b, None, 0.5) is None
    assert by_gravity(a, b, lambda spans: 0.2 if spans is a else 0.0, 0.5) is None  # not decisive
    assert by_gravity(a[:1], b + _spans([20, 25]), vote, 0.5) is None  # the reading gravity picks lost reps


def test_a_rep_may_wobble_off_its_axis_by_a_few_degrees_whatever_its_range():
    """A 10° real rep turns ~6° about other axes (the limb's roll, soft tissue); a set-up move turns as much
    about other axes as about the movement axis, or more."""
    t = np.arange(0.0, 10.0, 0.04)
    turned = np.zeros((3, len(t)))
    turned[0] = np.where(t < 5.0, 6.0 * np.sin(np.pi * t / 5.0), 12.0 * np.sin(np.pi * (t - 5.0) / 5.0))
    rep = RepSpan((0.5, 1.5), (3.0, 4.5), None, 0.0, 10.0, 20.0)
    setup = RepSpan((5.5, 6.5), (8.0, 9.5), None, 0.0, 10.0, 20.0)
    kept = axis_reading.about_the_axis([rep, setup], t, turned, PipelineParams())
    assert kept == [rep]


def _lowering_speed(t, stop_ramp: float | None):
    """Speed (°/s) of a 2-s lowering from t = 1 s: minimum-jerk (`stop_ramp` None) or a trapezoid whose stop
    takes `stop_ramp` of it."""
    u = np.clip(t - 1.0, 0.0, 2.0) / 2.0
    if stop_ramp is None:
        return 30.0 * u**2 * (1 - u) ** 2 * 20.0
    return 20.0 * np.clip(np.minimum(u / 0.2, (1.0 - u) / stop_ramp), 0.0, 1.0)


@pytest.mark.parametrize("stop_ramp, hard", [(None, False), (0.3, False), (0.05, True)])
def test_a_bounce_is_a_lowering_that_stops_hard(stop_ramp, hard):
    """Momentum needs a bounce: the lowering braked in its last few per cent (a touch-and-go bottom after a
    smooth lowering is not one)."""
    from types import SimpleNamespace

    t = np.arange(0.0, 4.0, 0.01)
    seg = SimpleNamespace(grid=SimpleNamespace(t_s=t), speed_dps=-_lowering_speed(t, stop_ramp))
    span = RepSpan((0.0, 0.5), (1.0, 3.0), None, 0.0, 30.0, 20.0)
    assert (pipeline._stop_share(seg, span) <= PipelineParams().hard_stop_share) is hard


def test_a_quick_lift_out_of_a_smooth_touch_and_go_is_not_momentum():
    from analysis.faults import rep_faults
    from analysis.results import Phase, Rep

    phases = (Phase("concentric", 0.0, 0.35), Phase("top_pause", 0.35, 1.35), Phase("eccentric", 1.35, 3.35),
              Phase("bottom_pause", 3.35, 3.4))
    rep = Rep(index=2, start_s=0.0, end_s=3.4, phases=phases, rom_deg=30.0, peak_speed_dps=90.0)
    assert "momentum" in rep_faults(rep, None, 1.0, 0.03, bounced=True)
    assert "momentum" not in rep_faults(rep, None, 1.0, 0.03, bounced=False)
