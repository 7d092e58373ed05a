"""The streaming analyzer's state: one sensor's buffers and real-time orientation (`SensorStream`, the per-sample
path), and the current set as the four parts share it (`SetState`). Times in s, angles in degrees (`_deg`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis.bodyframe import movement_axis
from analysis.orientation import RealtimeOrientation
from analysis.pipeline import ImuSeries
from analysis.results import Rep, Step
from analysis.ringbuffer import RingBuffer
from analysis.stream_params import BufferParams

# columns of a sensor's sample rows: time, accelerometer, gyroscope, real-time quaternion and gyro bias
ACC, GYR, QUAT, BIAS = slice(1, 4), slice(4, 7), slice(7, 11), slice(11, 14)
SAMPLE_COLUMNS = 14
RING_SLACK = 1.05  # rings hold this much more than their span (a sensor's clock may run fast)


class SensorStream:
    """One sensor's buffers and its real-time orientation.

    Every sample is one row of `samples`: t (s), acc (m/s², 3), gyr (rad/s, 3), and what the real-time VQF made of
    it, quaternion wxyz (4) and gyro bias (rad/s, 3); one append per batch, and the live re-reading of a set's tail
    (`analysis.live_tail`) takes the orientation from here instead of running the offline filter again. `disp`
    holds the display rows: time, movement angle (deg) and smoothed speed (°/s) about `axis`."""

    def __init__(self, placement: str, rate_hz: float, params: BufferParams) -> None:
        self.placement = placement
        self.rate_hz = float(rate_hz)
        self.params = params
        self.samples = RingBuffer(int(params.set_window_s * rate_hz * RING_SLACK) + 16, SAMPLE_COLUMNS)
        self.disp = RingBuffer(int(params.display_window_s * rate_hz * RING_SLACK) + 16, 3)  # t, angle, speed
        self.ahrs = RealtimeOrientation(rate_hz)
        self.smooth_alpha = 1.0 - float(np.exp(-1.0 / (self.rate_hz * params.speed_smooth_s)))
        self.smooth_keep = 1.0 - self.smooth_alpha
        self.quat = np.array([1.0, 0.0, 0.0, 0.0])  # the newest sample's real-time orientation, wxyz
        self.bias = np.zeros(3)
        self.axis = None  # movement axis in the sensor frame (signed: + toward contraction) once known
        self.calibrated = False
        self.anchored = False  # the guessed axis's sense was told by a cue (`phase_tracker.stroke_cue`): lift +
        self.cued = False  # the tracker names this sensor's strokes by a cue (the exercise is known)
        self.angle_deg = 0.0
        self.speed_dps = 0.0
        self.last_t = -np.inf
        self.guessed_at = -np.inf

    def times(self) -> np.ndarray:
        return self.samples.view()[:, 0]

    def rows(self, since_s: float, until_s: float = np.inf, inclusive: bool = True) -> np.ndarray:
        """The buffered sample rows (a view) in [since_s, until_s] (`inclusive=False`: [since_s, until_s))."""
        v = self.samples.view()
        t = v[:, 0]
        i = int(np.searchsorted(t, since_s))
        j = len(t) if until_s == np.inf else int(np.searchsorted(t, until_s, side="right" if inclusive else "left"))
        return v[i:j]

    def series(self, since_s: float, until_s: float = np.inf, inclusive: bool = True) -> ImuSeries:
        """The buffered samples in [since_s, until_s] (`inclusive=False`: [since_s, until_s))."""
        r = self.rows(since_s, until_s, inclusive)
        return ImuSeries(self.placement, r[:, 0].copy(), r[:, ACC].copy(), r[:, GYR].copy())

    def first_t(self) -> float:
        return float(self.samples.view()[0, 0]) if len(self.samples) else np.inf

    def ingest(self, t_s: np.ndarray, acc: np.ndarray, gyr: np.ndarray) -> None:
        """Store a batch with its real-time orientation; the display rows (time, movement angle, smoothed speed).
        A batch is a few samples: per-sample recursions in Python floats cost less than more numpy calls."""
        quat, bias = self.ahrs.update_with_bias(acc, gyr)
        n = len(t_s)
        if n < self.samples.capacity:  # one write per column block into the ring (no row array built first)
            rows = self.samples.reserve(n)
            rows[:, 0], rows[:, ACC], rows[:, GYR], rows[:, QUAT], rows[:, BIAS] = t_s, acc, gyr, quat, bias
        else:
            self.samples.append(np.concatenate((t_s[:, None], acc, gyr, quat, bias), axis=1))
        self.bias = bias[-1]
        self.quat = quat[-1]
        if not self.calibrated and self.last_t - self.guessed_at >= self.params.guess_every_s:
            # until the first rep settles, follow the dominant rotation of the last moments: the set-up (lying
            # down, sitting) turns about other axes than the reps
            self.guessed_at = self.last_t
            self.guess_axis()
        self._display(t_s, gyr)

    def _display(self, t_s: np.ndarray, gyr: np.ndarray) -> None:
        """First-order smoothing of the speed (the plots and the phase tracker); the angle integrates the raw
        rate."""
        times = t_s.tolist()
        w_dps = np.degrees((gyr - self.bias) @ self.axis).tolist() if self.axis is not None else [0.0] * len(times)
        y, angle, dt = self.speed_dps, self.angle_deg, 1.0 / self.rate_hz
        a, keep = self.smooth_alpha, self.smooth_keep
        rows = []
        for t, w in zip(times, w_dps):
            y = a * w + keep * y
            angle += w * dt
            rows.append((t, angle, y))
        self.speed_dps, self.angle_deg = y, angle
        if len(rows) < self.disp.capacity:
            self.disp.reserve(len(rows))[:] = rows
        else:
            self.disp.append(np.array(rows))
        self.last_t = times[-1]

    @property
    def sense_known(self) -> bool:
        """Which way up the axis is (lift +) is known: settled, or told by a cue on this guessed axis."""
        return self.calibrated or self.anchored

    def flip_axis(self) -> None:
        """The guessed axis the other way up (as a settled axis that reverses the guess: the smoothed speed follows,
        the angle goes on from where it is; the rows kept so far are left as they were written)."""
        self.axis = -self.axis
        self.speed_dps = -self.speed_dps

    def guess_axis(self) -> None:
        """Before the first rep settles: the dominant rotation axis of the last seconds (`bodyframe.movement_axis`;
        display only)."""
        p = self.params
        n = int(p.guess_span_s * self.rate_hz)
        if len(self.samples) < n:
            return
        g = self.samples.view(n)[:, GYR] - self.bias
        speed = np.linalg.norm(g, axis=1)
        if np.percentile(speed, 95) < np.radians(p.guess_min_dps):
            return  # not moving enough to tell
        axis = movement_axis(g, np.ones(len(g), dtype=bool)).axis_sensor
        if self.axis is not None and abs(axis @ self.axis) > p.guess_same_axis:
            axis = axis if axis @ self.axis > 0 else -axis  # the same axis: keep its sense
        else:
            # a new axis: while the segment turns (and a cue names the strokes), the sense that keeps the speed's
            # sign (no false reversal under the tracker, and a sense a cue told carries over); still, with a told
            # sense, the one nearer the old axis (kept told when it is near enough); else the first clear movement
            # about it is taken as a lift
            moving = self.cued and self.axis is not None and abs(self.speed_dps) > p.guess_keep_dps
            if moving:
                turn = float(g[-1] @ axis) * self.speed_dps < 0
            elif self.anchored:
                turn = float(axis @ self.axis) < 0
                self.anchored = abs(float(axis @ self.axis)) >= p.guess_carry_cos
            else:
                big = g[speed > p.guess_big_fraction * speed.max()] @ axis
                turn = bool(big.size and big[0] < 0)
            axis = -axis if turn else axis
        self.axis = axis


@dataclass
class SetState:
    """The current set as the parts share it: its exercise (given, recognised, or None yet), the sensor that sees
    the movement (`primary`), where its samples begin (`from_s`), whether its first rep settled (`started`) and
    `SetStarted` was emitted (`start_shown`),
    whether the offline session's reading of its span confirmed it (`confirmed`, a workout's set), and the reps
    (steps) announced so far."""

    exercise: str | None
    exercise_source: str | None
    exercise_confidence: float
    primary: str
    from_s: float
    started: bool = False
    start_shown: bool = False  # `SetStarted` emitted (at the first lift the tracker named, or the first rep)
    confirmed: bool = False
    reps: list[Rep] = field(default_factory=list)
    steps: tuple[Step, ...] = ()

    def start_s(self, sensors: dict[str, SensorStream]) -> float:
        """The oldest sample of the set still in the buffers."""
        return max(self.from_s, min(s.first_t() for s in sensors.values()))

    def last_movement_s(self) -> float:
        """End of the set's last rep's lowering (or last step)."""
        if self.reps:
            return self.reps[-1].phase("eccentric").end_s
        return self.steps[-1].t_s + self.steps[-1].duration_s
