"""Sample times on the session clock for one BLE sensor.

A notification arrives some milliseconds after its samples were taken, with jitter (connection events, the host's
scheduler). The sensor itself samples on a steady crystal that drifts a few tens of ppm from the host's. So sample
times come from the sensor's own timeline (its timestamps, or sample count / nominal rate when it has none), mapped
onto the host clock by a line fitted to the lower envelope of (arrival − sensor time): the least-delayed packets
show the true offset, and the envelope's slope is the drift. Jitter therefore never reaches the sample times.

Lost samples are found from the sensor timeline (timestamps or packet counters jump) and reported, never filled
in. A sensor without timestamps or counters (WitMotion, Thingy:52) can only show loss as its samples falling
behind the arrival clock; when they fall more than `LOSS_DETECT_S` behind the envelope, the timeline skips ahead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ENVELOPE_WINDOW_S = 2.0  # one lower-envelope point per this much sensor time
ENVELOPE_POINTS = 60  # the fit uses the last two minutes
LOSS_DETECT_S = 0.25
SLEW_S_PER_S = 0.002  # the applied offset follows the fit by at most 2 ms per second of data (2000 ppm)


@dataclass(frozen=True)
class Placed:
    """Samples of one notification on the session clock."""

    t_s: np.ndarray
    gap_before: bool
    dropped: int
    late: bool = False  # a duplicate or out-of-order notification: discard


class SampleClock:
    """Maps one sensor's samples to session time (s). `rate_hz`: the configured rate; `time_wrap_s`: the period
    of the sensor's timestamp counter (None: does not wrap); `seq_modulus`: of its packet counter."""

    def __init__(self, rate_hz: float, time_wrap_s: float | None = None) -> None:
        self.rate_hz = float(rate_hz)
        self.time_wrap_s = time_wrap_s
        self._origin: float | None = None  # first sensor time (s), subtracted for numerical range
        self._wraps = 0
        self._last_raw: float | None = None
        self._last_sensor: float | None = None  # unwrapped, relative to origin
        self._count = 0  # samples so far (synthetic timeline)
        self._last_seq: int | None = None
        self._env: dict[int, tuple[float, float]] = {}  # window → (sensor t, arrival − sensor t) minimum
        self._fit = (0.0, 0.0)  # slope, intercept
        self._offset: float | None = None  # applied sensor → session offset (s)
        self._offset_at = 0.0
        self._last_out = -np.inf
        self._reanchor = False
        self.dropped_total = 0
        self.late_total = 0

    def reset_link(self) -> None:
        """After a reconnect: counters restart, and a sensor without timestamps must be re-anchored to arrival
        (its samples during the drop-out are gone and nothing else says how many)."""
        self._last_seq = None
        self._reanchor = True

    def place(self, sensor_t_s: np.ndarray | None, n: int, arrival_s: float, seq: int | None = None,
              seq_modulus: int | None = None) -> Placed:
        """Session times for `n` samples that arrived at `arrival_s` (host clock, s since the session start)."""
        period = 1.0 / self.rate_hz
        gap, dropped = False, 0
        if sensor_t_s is None:
            # no sensor clock: count samples at the nominal rate, re-anchoring when they fall behind arrival
            t_rel = (self._count + np.arange(n)) * period
            if self._reanchor and self._offset is not None:
                skip = max(0, int(round((arrival_s - self._offset - t_rel[-1]) * self.rate_hz)))
                self._count += skip
                t_rel = t_rel + skip * period
                gap, dropped = True, skip
            elif self._env:
                # how far the newest sample arrived above the envelope line (normal latency jitter is far less)
                lag = arrival_s - (t_rel[-1] + (self._offset or 0.0))
                if lag > max(LOSS_DETECT_S, 10 * period):
                    skip = int(round(lag * self.rate_hz))
                    self._count += skip
                    t_rel = t_rel + skip * period
                    gap, dropped = True, skip
            self._count += n
            self._reanchor = False
        else:
            raw = np.asarray(sensor_t_s, dtype=np.float64)
            if self.time_wrap_s is not None and self._last_raw is not None and raw[0] < self._last_raw - self.time_wrap_s / 2:
                self._wraps += 1
            unwrapped = raw + self._wraps * (self.time_wrap_s or 0.0)
            if self.time_wrap_s is not None:
                # samples inside one packet may straddle the wrap
                unwrapped = np.where(unwrapped < unwrapped[0] - self.time_wrap_s / 2, unwrapped + self.time_wrap_s, unwrapped)
            self._last_raw = float(raw[-1])
            if self._origin is None:
                self._origin = float(unwrapped[0])
            t_rel = unwrapped - self._origin
            if self._last_sensor is not None:
                if t_rel[0] <= self._last_sensor + 0.25 * period:
                    self.late_total += 1
                    return Placed(np.empty(0), False, 0, late=True)
                jump = t_rel[0] - self._last_sensor
                if jump > 1.5 * period:
                    gap, dropped = True, int(round(jump * self.rate_hz)) - 1
            if seq is not None and self._last_seq is not None and seq_modulus:
                lost_packets = (seq - self._last_seq - 1) % seq_modulus
                if lost_packets and not gap:
                    gap = True  # counter says packets went missing even if the times look contiguous
                    dropped = max(dropped, lost_packets)
        if seq is not None:
            self._last_seq = seq
        self._last_sensor = float(t_rel[-1])
        self._update_envelope(float(t_rel[-1]), arrival_s)
        slope, intercept = self._fit
        target = intercept + slope * float(t_rel[-1])
        if self._offset is None:
            self._offset = target
        else:
            # slew towards the refitted offset instead of stepping: a new least-delayed packet moves the envelope
            # by milliseconds, which must not show as a hiccup in the sample spacing
            dt = max(float(t_rel[-1]) - self._offset_at, 0.0)
            step = SLEW_S_PER_S * dt + 1e-9
            self._offset += float(np.clip(target - self._offset, -step, step))
        self._offset_at = float(t_rel[-1])
        t = t_rel + self._offset
        # a refit may move the mapping back by a hair: never let time run backwards or overlap
        if t[0] <= self._last_out:
            t = t + (self._last_out + 0.5 * period - t[0])
        self._last_out = float(t[-1])
        self.dropped_total += dropped
        return Placed(t, gap, dropped)

    def _update_envelope(self, sensor_t: float, arrival_s: float) -> None:
        lag = arrival_s - sensor_t
        key = int(np.floor(sensor_t / ENVELOPE_WINDOW_S))
        cur = self._env.get(key)
        changed = cur is None or lag < cur[1]
        if changed:
            self._env[key] = (sensor_t, lag)
            while len(self._env) > ENVELOPE_POINTS:
                del self._env[min(self._env)]
        if not changed:
            return
        pts = np.array(list(self._env.values()))
        if len(pts) >= 3 and pts[-1, 0] - pts[0, 0] > 4 * ENVELOPE_WINDOW_S:
            slope, intercept = np.polyfit(pts[:, 0], pts[:, 1], 1)
            # the minimum of each window is the least-delayed packet; shift the line onto the lowest of them
            intercept += float(np.min(pts[:, 1] - (slope * pts[:, 0] + intercept)))
            self._fit = (float(slope), float(intercept))
        else:
            self._fit = (0.0, float(pts[:, 1].min()))
