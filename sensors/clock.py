"""Sample times on the session clock for one BLE sensor.

A notification arrives some milliseconds after its samples were taken, with jitter (connection events, the host's
scheduler). The sensor itself samples on a steady crystal that drifts a few tens of ppm from the host's. So sample
times come from the sensor's own timeline (its timestamps, or sample count / nominal rate when it has none), mapped
onto the host clock by a line fitted to the lower envelope of (arrival − sensor time): the least-delayed packets
show the true offset, and the envelope's slope is the drift. Jitter therefore never reaches the sample times.

Sensor timestamps are checked before they are believed (the DIY protocol has no checksum, and a sensor that
reboots during a drop-out restarts its clock). A packet continues the timeline when its first sample is within
half a period of the next expected instant. A jump forward is a loss only if it is causal (the samples cannot be
stamped after they arrived) and the packet counter does not say the packet is the very next one. Anything else —
a jump back that is not a duplicate, an acausal jump, the first packet after a reconnect far from the arrival
clock — is *suspect*: it is stamped by its neighbour (right after the previous sample; after a reconnect: at its
arrival) and counted in `repaired_total`, and the timeline its own timestamps imply is kept as a candidate. The
next packet decides: if it continues the candidate, the sensor really started a new timeline (a reboot) and the
mapping follows it; if it continues the old one, the suspect was a lone outlier and only that packet was moved.
Counter wrap-around is resolved against the arrival clock (the wrap nearest to where the sensor should be), so a
corrupted value cannot fake a wrap. Packet counters only vote on plausibility; losses are measured in time.

A sensor without timestamps or counters (WitMotion, Thingy:52) can only show loss as its samples falling behind the
arrival clock. A burst that arrives late (host under load) is not a loss: only when every packet for
`LOSS_CONFIRM_S` arrived more than `LOSS_DETECT_S` behind the envelope does the timeline skip ahead, by the least
of those lags (the sample count over that window really fell short of the rate).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ENVELOPE_WINDOW_S = 2.0  # one lower-envelope point per this much sensor time
ENVELOPE_POINTS = 60  # the fit uses the last two minutes
LOSS_DETECT_S = 0.25  # no-timestamp sensors: behind the arrival envelope by more than this (s) may be a loss …
LOSS_DETECT_PERIODS = 10  # … or by more than this many sample periods, whichever is longer
LOSS_CONFIRM_S = 2.0  # … and only when it stays behind this long (s of arrival time)
SLEW_S_PER_S = 0.002  # the applied offset follows the fit by at most 2 ms per second of data (2000 ppm)
CONTIGUOUS_PERIODS = 0.5  # a packet continues the timeline within this many periods of the expected instant
DUPLICATE_WINDOW_S = 1.0  # a packet at most this far behind the timeline (s) is a duplicate, discarded as late
CAUSAL_TOLERANCE_S = 0.25  # a sample may be stamped at most this much after its arrival (offset-estimate error)
RELINK_MAX_LAG_S = 0.5  # the first packet after a reconnect was taken at most this long before it arrived (s)


@dataclass(frozen=True)
class Placed:
    """Samples of one notification on the session clock."""

    t_s: np.ndarray
    gap_before: bool
    dropped: int
    late: bool = False  # a duplicate or out-of-order notification: discard
    repaired: bool = False  # its timestamps were not believed: stamped from its neighbours / arrival


@dataclass(frozen=True)
class _Timeline:
    """How the sensor's raw (wrapping) clock maps onto its continuous timeline: t = unwrapped raw + `shift_s`.
    `raw_s` / `arrival_s`: the unwrapped raw time of the last sample placed under it and that packet's arrival."""

    shift_s: float
    raw_s: float
    arrival_s: float


class SampleClock:
    """Maps one sensor's samples to session time (s). `rate_hz`: the configured rate; `time_wrap_s`: the period
    of the sensor's timestamp counter (None: does not wrap)."""

    def __init__(self, rate_hz: float, time_wrap_s: float | None = None) -> None:
        self.rate_hz = float(rate_hz)
        self.period_s = 1.0 / self.rate_hz
        self.time_wrap_s = time_wrap_s
        self._line: _Timeline | None = None  # the believed timeline (timestamped sensors)
        self._candidate: _Timeline | None = None  # what the last suspect packet's own timestamps imply
        self._last_sensor: float | None = None  # last placed sample on the continuous sensor timeline (s)
        self._count = 0  # samples so far (synthetic timeline)
        self._last_seq: int | None = None
        self._behind: tuple[float, float, float] | None = None  # since (arrival s), sensor t (s), least lag (s)
        self._env: dict[int, tuple[float, float]] = {}  # window → (sensor t, arrival − sensor t) minimum
        self._fit = (0.0, 0.0)  # slope, intercept
        self._offset: float | None = None  # applied sensor → session offset (s)
        self._offset_at = 0.0
        self._last_out = -np.inf
        self._relinked = False
        self.dropped_total = 0
        self.late_total = 0
        self.repaired_total = 0

    def reset_link(self) -> None:
        """After a reconnect: counters may restart, the sensor may have rebooted (timestamps are checked against
        the arrival clock), and a sensor without timestamps is re-anchored to arrival (its samples during the
        drop-out are gone and nothing else says how many)."""
        self._last_seq = None
        self._candidate = None
        self._behind = None
        self._relinked = True

    def place(self, sensor_t_s: np.ndarray | None, n: int, arrival_s: float, seq: int | None = None,
              seq_modulus: int | None = None) -> Placed:
        """Session times for `n` samples that arrived at `arrival_s` (host clock, s since the session start).
        `sensor_t_s`: the sensor's own (possibly wrapping) sample times (s), None when it has none; `seq`: its
        packet counter (wraps at `seq_modulus`)."""
        if sensor_t_s is None:
            t_rel, gap, dropped = self._place_counted(n, arrival_s)
            repaired = False
        else:
            verdict = self._place_timed(np.asarray(sensor_t_s, dtype=np.float64), arrival_s, seq, seq_modulus)
            if verdict is None:
                self.late_total += 1
                return Placed(np.empty(0), False, 0, late=True)
            t_rel, gap, dropped, repaired = verdict
        self._relinked = False
        if not repaired:
            self._update_envelope(float(t_rel[-1]), arrival_s)
        t = self._to_session(t_rel)
        self.dropped_total += dropped
        self.repaired_total += int(repaired)
        return Placed(t, gap, dropped, repaired=repaired)

    # ------------------------------------------------------------------------------------ no sensor clock
    def _place_counted(self, n: int, arrival_s: float) -> tuple[np.ndarray, bool, int]:
        """Count samples at the nominal rate; skip ahead after a reconnect or a confirmed shortfall."""
        t_rel = (self._count + np.arange(n)) * self.period_s
        skip = 0
        if self._offset is not None:
            lag = arrival_s - (float(t_rel[-1]) + self._offset)
            skip = max(0, int(round(lag * self.rate_hz))) if self._relinked else self._confirmed_shortfall(
                lag, arrival_s, float(t_rel[0]))
        self._count += skip + n
        self._last_sensor = float(t_rel[-1]) + skip * self.period_s
        return t_rel + skip * self.period_s, skip > 0 or self._relinked, skip

    def _confirmed_shortfall(self, lag_s: float, arrival_s: float, sensor_t: float) -> int:
        """Samples lost, once packets have arrived behind the envelope for `LOSS_CONFIRM_S` (else 0)."""
        if lag_s <= max(LOSS_DETECT_S, LOSS_DETECT_PERIODS * self.period_s):
            self._behind = None
            return 0
        if self._behind is None:
            self._behind = (arrival_s, sensor_t, lag_s)
            return 0
        since, since_sensor, least = self._behind
        least = min(least, lag_s)
        self._behind = (since, since_sensor, least)
        if arrival_s - since < LOSS_CONFIRM_S:
            return 0
        self._behind = None
        # the envelope points taken while behind carry the shortfall: they would pull the fit
        for key in [k for k, (st, _) in self._env.items() if st >= since_sensor]:
            del self._env[key]
        return int(round(least * self.rate_hz))

    # ------------------------------------------------------------------------------------ sensor clock
    def _place_timed(self, raw: np.ndarray, arrival_s: float, seq: int | None,
                     seq_modulus: int | None) -> tuple[np.ndarray, bool, int, bool] | None:
        """(times on the sensor timeline, gap, dropped, repaired), or None for a duplicate."""
        if self._line is None or self._last_sensor is None:  # set together, by the first packet's _accept
            first = _Timeline(-float(raw[0]), float(raw[0]), arrival_s)
            raw_u = self._unwrap(raw, first, arrival_s)
            self._line = _Timeline(first.shift_s, float(raw_u[-1]), arrival_s)
            return self._accept(raw_u + first.shift_s, self._line, seq, arrival_s)
        line, last = self._line, self._last_sensor
        raw_u = self._unwrap(raw, line, arrival_s)
        t = raw_u + line.shift_s
        if self._deviation(t, last) <= CONTIGUOUS_PERIODS and not self._relinked:
            return self._accept(t, _Timeline(line.shift_s, float(raw_u[-1]), arrival_s), seq, arrival_s)
        if self._candidate is not None:
            cand_u = self._unwrap(raw, self._candidate, arrival_s)
            t_cand = cand_u + self._candidate.shift_s
            if self._deviation(t_cand, last) <= CONTIGUOUS_PERIODS:  # the suspect's timeline goes on: a new one
                return self._accept(t_cand, _Timeline(self._candidate.shift_s, float(cand_u[-1]), arrival_s), seq,
                                    arrival_s)
        verdict = self._judge(t, last, arrival_s, seq, seq_modulus)
        if verdict == "accept":
            return self._accept(t, _Timeline(line.shift_s, float(raw_u[-1]), arrival_s), seq, arrival_s)
        if verdict == "late":
            return None
        return self._repair(t, raw_u, last, arrival_s, seq)

    def _unwrap(self, raw: np.ndarray, line: _Timeline, arrival_s: float) -> np.ndarray:
        """Raw times unwrapped to the wrap nearest where `line` says the sensor's clock is now (s)."""
        if self.time_wrap_s is None:
            return raw
        predicted = line.raw_s + (arrival_s - line.arrival_s)
        within = raw - raw[0]  # samples inside one packet may straddle the wrap
        within = np.where(within < -self.time_wrap_s / 2, within + self.time_wrap_s, within)
        return float(raw[0]) + self.time_wrap_s * round((predicted - float(raw[0])) / self.time_wrap_s) + within

    def _deviation(self, t: np.ndarray, last: float) -> float:
        """|first sample − the next expected instant after the last placed sample `last` (s)| in sample periods."""
        return abs(float(t[0]) - (last + self.period_s)) / self.period_s

    def _judge(self, t: np.ndarray, last: float, arrival_s: float, seq: int | None, seq_modulus: int | None) -> str:
        """"accept" (a loss before it), "late" (a duplicate) or "suspect", for a packet off the instant expected
        after the last placed sample `last` (s)."""
        ahead = float(t[0]) - (last + self.period_s)
        lag = arrival_s - (float(t[-1]) + self._envelope_at(float(t[-1])))
        if self._relinked:  # the sensor was away: its clock must have run on with the arrival clock
            fresh = -CAUSAL_TOLERANCE_S <= lag <= RELINK_MAX_LAG_S
            return "accept" if ahead > -CONTIGUOUS_PERIODS * self.period_s and fresh else "suspect"
        next_seq = bool(seq is not None and self._last_seq is not None and seq_modulus
                        and (seq - self._last_seq) % seq_modulus == 1)
        if ahead > 0:
            return "accept" if lag >= -CAUSAL_TOLERANCE_S and not next_seq else "suspect"
        if not next_seq and float(t[0]) >= last - DUPLICATE_WINDOW_S:
            return "late"
        return "suspect"

    def _repair(self, t: np.ndarray, raw_u: np.ndarray, last: float, arrival_s: float,
                seq: int | None) -> tuple[np.ndarray, bool, int, bool]:
        """Stamp a suspect packet from its neighbour (after a reconnect: its arrival); keep its own timeline as the
        candidate the next packet may confirm."""
        n = len(t)
        first = last + self.period_s
        if self._relinked:
            first = max(first, arrival_s - self._envelope_at(last) - (n - 1) * self.period_s)
        est = first + np.arange(n) * self.period_s
        self._candidate = _Timeline(float(est[-1] - raw_u[-1]), float(raw_u[-1]), arrival_s)
        dropped = max(0, int(round((first - last) * self.rate_hz)) - 1)
        self._last_sensor = float(est[-1])
        self._last_seq = seq
        return est, dropped > 0, dropped, True

    def _accept(self, t: np.ndarray, line: _Timeline, seq: int | None,
                arrival_s: float) -> tuple[np.ndarray, bool, int, bool]:
        dropped = 0
        if self._last_sensor is not None:
            dropped = max(0, int(round((float(t[0]) - self._last_sensor) * self.rate_hz)) - 1)
        self._line, self._candidate = line, None
        self._last_sensor = float(t[-1])
        self._last_seq = seq
        return t, dropped > 0, dropped, False

    # ------------------------------------------------------------------------------------ sensor → session
    def _envelope_at(self, sensor_t: float) -> float:
        """The fitted least arrival − sensor time at `sensor_t` (s): no packet arrived earlier than this says."""
        slope, intercept = self._fit
        return intercept + slope * sensor_t

    def _to_session(self, t_rel: np.ndarray) -> np.ndarray:
        """Apply the (slewed) envelope offset; never let time run backwards or overlap."""
        target = self._envelope_at(float(t_rel[-1]))
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
        if t[0] <= self._last_out:
            t = t + (self._last_out + 0.5 * self.period_s - t[0])
        self._last_out = float(t[-1])
        return t

    def _update_envelope(self, sensor_t: float, arrival_s: float) -> None:
        lag = arrival_s - sensor_t
        key = int(np.floor(sensor_t / ENVELOPE_WINDOW_S))
        cur = self._env.get(key)
        if cur is not None and lag >= cur[1]:
            return
        self._env[key] = (sensor_t, lag)
        while len(self._env) > ENVELOPE_POINTS:
            del self._env[min(self._env)]
        pts = np.array(list(self._env.values()))
        if len(pts) >= 3 and pts[-1, 0] - pts[0, 0] > 4 * ENVELOPE_WINDOW_S:
            slope, intercept = np.polyfit(pts[:, 0], pts[:, 1], 1)
            # the minimum of each window is the least-delayed packet; shift the line onto the lowest of them
            intercept += float(np.min(pts[:, 1] - (slope * pts[:, 0] + intercept)))
            self._fit = (float(slope), float(intercept))
        else:
            self._fit = (0.0, float(pts[:, 1].min()))
