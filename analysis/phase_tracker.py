"""The live phase tracker: a causal start/stop detector with hysteresis on the primary segment's smoothed angular
speed about the movement axis (`SensorStream.disp`), per sample. It gives `PhaseChanged` within tens of ms of a
movement stopping (the end extrapolated from the falling speed) and about 0.1–0.2 s after it starts: a start once
the speed passes its threshold and the angle has left the rest (a CUSUM beyond the drift that sway and tremor stay
under), back-dated to where the speed left the noise. Provisional: they drive the phase shading and the
metronome-style feedback; the settled reps (`analysis.settling`) are the word on the set. Times in s, speeds in °/s.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.results import Rep
from analysis.stream_events import PhaseChanged
from analysis.stream_params import TrackerParams
from analysis.stream_state import SensorStream


@dataclass(frozen=True)
class Stop:
    """A stroke the tracker saw end: when (s) and which way it moved (+1 a lift, −1 a lowering)."""

    t_s: float
    sign: int


class PhaseTracker:
    """The start/stop detector's state over one set (`track` per batch of the primary sensor)."""

    def __init__(self, params: TrackerParams, labelled: bool = True) -> None:
        self.params = params
        # the sense of the axis is known (lift +): else strokes are followed but their phases are not named (a
        # guessed sense may be the wrong way up), until `label` names them from the set's first settled reps
        self.labelled = labelled
        self.moving_sign = 0  # +1 lifting, −1 lowering, 0 still
        self.stroke_started_s = -np.inf  # when the current stroke was seen to start
        self.stroke_start_s = -np.inf  # ... its back-dated start
        self.below_since: float | None = None
        self.last_stop_s = -np.inf
        self.live_reps = 0  # lifts counted live in this set
        self.peak_ref_dps = {1: params.initial_peak_dps, -1: params.initial_peak_dps}
        self.stroke_peak = 0.0
        self.cusum_deg = {1: 0.0, -1: 0.0}  # while still: how far the angle left the rest each way, beyond drift

    def _on_threshold(self, sign: int) -> float:
        p = self.params
        return max(p.motion_on_min_dps, p.motion_on_fraction * self.peak_ref_dps[sign])

    def track(self, s: SensorStream, n: int) -> tuple[list[PhaseChanged], list[Stop]]:
        """The newest `n` display rows of the primary sensor through the detector: the phases begun and the strokes
        ended, in order."""
        events: list[PhaseChanged] = []
        stops: list[Stop] = []
        d = s.disp.view(n)
        if s.axis is None:
            return events, stops
        dt = 1.0 / s.rate_hz
        for t, v in zip(d[:, 0], d[:, 2]):
            # lifts and lowerings have their own thresholds: a 3-s lowering peaks at a fraction of the lift's speed
            on = self._on_threshold(1 if v >= 0 else -1)
            off = self.params.motion_off_ratio * self._on_threshold(self.moving_sign or 1)
            if self.moving_sign == 0:
                if self._left_rest(v, dt) and abs(v) > on:
                    events += self._start(s, float(t), v, on)
            else:
                self.stroke_peak = max(self.stroke_peak, abs(v))
                reversed_ = v * self.moving_sign < -on
                if abs(v) < off or reversed_:
                    if self.below_since is None:
                        self.below_since = float(t)
                    if reversed_ or t - self.below_since >= self.params.stop_hold_s:
                        stop, phase = self._stop(s, float(t), on)
                        stops.append(stop)
                        events.append(phase)
                        self.below_since = None
                        if reversed_:
                            events += self._start(s, float(t), v, on)
                else:
                    self.below_since = None
        return (events if self.labelled else []), stops

    def _left_rest(self, v: float, dt: float) -> bool:
        """While still: the CUSUM of the speed `v` (°/s) each way beyond its drift allowance, over a sample of `dt`
        s; whether the angle has left the rest by `onset_band_deg` in the direction `v` turns."""
        p = self.params
        for sign in (1, -1):
            k = p.onset_drift_fraction * self._on_threshold(sign)
            self.cusum_deg[sign] = max(0.0, self.cusum_deg[sign] + (sign * v - k) * dt)
        return self.cusum_deg[1 if v >= 0 else -1] > p.onset_band_deg

    def flip(self) -> None:
        """The axis's settled sense turned out the other way up: the stroke under way and the peak speeds follow."""
        self.moving_sign = -self.moving_sign
        self.cusum_deg = {1: self.cusum_deg[-1], -1: self.cusum_deg[1]}
        self.peak_ref_dps = {1: self.peak_ref_dps[-1], -1: self.peak_ref_dps[1]}

    def label(self, now: float, reps: list[Rep], flipped: bool) -> list[PhaseChanged]:
        """The axis's sense became known with the set's settled reps (`flipped`: the guess had it the other
        way up): the phases not named so far, as those reps read them (each rep's phases, then the phase now), and
        from here on the tracker names its own."""
        if flipped:
            self.flip()
        self.labelled = True
        self.live_reps = len(reps) + (1 if self.moving_sign > 0 else 0)
        events = [PhaseChanged(now, ph.name, ph.start_s, r.index, named_late=True) for r in reps for ph in r.phases]
        last = reps[-1]
        if self.moving_sign != 0:
            phase = "concentric" if self.moving_sign > 0 else "eccentric"
            events.append(PhaseChanged(now, phase, self.stroke_start_s, max(self.live_reps, 1), named_late=True))
        elif last.phase("bottom_pause") is None:
            events.append(PhaseChanged(now, "bottom_pause", last.phase("eccentric").end_s, last.index, named_late=True))
        return events

    def _start(self, s: SensorStream, t: float, v: float, on: float) -> list[PhaseChanged]:
        """A stroke begins at `t`: back-dated to where the speed last sat near zero (at most `back_date_s`)."""
        self.moving_sign = 1 if v > 0 else -1
        self.stroke_peak = abs(v)
        self.cusum_deg = {1: 0.0, -1: 0.0}
        self.stroke_started_s = t
        p = self.params
        d = s.disp.view(int(s.rate_hz * p.back_date_s) + 1)
        i = len(d) - 1
        while i > 0 and abs(d[i, 2]) > p.back_date_fraction * on and d[i, 0] >= t - p.back_date_s:
            i -= 1
        start = float(d[i, 0])
        self.stroke_start_s = start
        if self.moving_sign > 0:
            self.live_reps += 1
            return [PhaseChanged(t, "concentric", start, self.live_reps)]
        return [PhaseChanged(t, "eccentric", start, max(self.live_reps, 1))]

    def _stop(self, s: SensorStream, t: float, on: float) -> tuple[Stop, PhaseChanged]:
        """The stroke stopped at `t`; its end extrapolated from the fall of the speed to near zero."""
        p = self.params
        sign = self.moving_sign
        self.moving_sign = 0
        self.last_stop_s = t
        if self.stroke_peak > p.peak_update_factor * on:
            # typical peak speed of the set's strokes in this direction, for the start threshold
            self.peak_ref_dps[sign] = 0.5 * self.peak_ref_dps[sign] + 0.5 * self.stroke_peak
        # the stop is seen a little after the speed fell through the threshold: extrapolate the fall to zero
        d = s.disp.view(int(p.stop_look_s * s.rate_hz) + 2)
        end = float(d[-1, 0])
        k = np.flatnonzero(np.abs(d[:, 2]) < p.stop_fraction * on)
        if k.size:
            end = float(d[k[0], 0])
        phase = "top_pause" if sign > 0 else "bottom_pause"
        return Stop(t, sign), PhaseChanged(t, phase, min(end, t), max(self.live_reps, 1))
