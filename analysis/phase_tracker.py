"""The live phase tracker: a causal start/stop detector with hysteresis on the primary segment's smoothed angular
speed about the movement axis (`SensorStream.disp`), per sample. It gives `PhaseChanged` within tens of ms of a
movement stopping (the end extrapolated from the falling speed) and about 0.1–0.2 s after it starts: a start once
the speed passes its threshold and the angle has left the rest (a CUSUM beyond the drift that sway and tremor stay
under), back-dated to where the speed left the noise. Provisional: they drive the phase shading and the
metronome-style feedback; the settled reps (`analysis.settling`) are the word on the set. Times in s, speeds in °/s.

Before the axis's sense is settled (a guessed axis may be the wrong way up) and with the exercise known, each stroke
is named by a causal cue (`stroke_cue`) once its evidence is beyond its noise, its start back-dated to the onset:
gravity where the axis lies near horizontal (a lift raises the segment: the vertical acceleration on the real-time
orientation, integrated from the onset, says whether it rises), else the start pose (the set rests in it before its
first rep: the first stroke that covers a share of the exercise's range is the lift). The guessed axis is then
turned lift-positive and the tracker names by the sign from there on.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.orientation import up_in_sensor
from analysis.results import Rep
from analysis.stream_events import PhaseChanged
from analysis.stream_params import CueParams, TrackerParams
from analysis.stream_state import ACC, BIAS, GYR, QUAT, SensorStream

LABEL_MATCH_S = 0.35  # a phase named live this close to a settled one of its name is that phase (`label`)


@dataclass(frozen=True)
class Stop:
    """A stroke the tracker saw end: when (s) and which way it moved (+1 a lift, −1 a lowering)."""

    t_s: float
    sign: int


class PhaseTracker:
    """The start/stop detector's state over one set (`track` per batch of the primary sensor)."""

    def __init__(self, params: TrackerParams, labelled: bool = True, cue: CueParams | None = None,
                 rom_deg: float | None = None, gravity: bool = False) -> None:
        self.params = params
        # with the exercise known (`rom_deg`: its typical range; `gravity`: its lift raises the segment, as the
        # offline reading assumes of the hip-extension lifts), a stroke is named by `stroke_cue` before the sense
        # is settled; `by_cue`: the sense was told so (a new guessed axis asks again); `pose_used`: the start
        # pose's rule names one stroke a set (the set's first lift)
        self.cue = cue if rom_deg is not None else None
        self.rom_deg = rom_deg
        self.gravity = gravity
        self.by_cue = False
        self.pose_used = False
        self.pose_from_up: np.ndarray | None = None  # the start pose's up (sensor frame), until the first lowering
        self.pending = False  # the stroke under way is not named yet
        self.held = False  # ... and may be a settle (`_release`)
        self.stroke_phase: str | None = None  # the name given to the stroke under way
        self.last_phase: str | None = None  # ... to the last one (None: not named)
        self.last_sign = 0  # ... which turned this way about the axis
        self.named: list[tuple[str, float]] = []  # phases named live before `label` (name, start), newest last
        self.cue_named = False  # the cue named a stroke of this set (its first lift starts the set)
        self.cue_flips = 0  # times the cue turned the guessed axis (the display rows turn with it, in place)
        # the sense of the axis is known (lift +): else strokes are followed but their phases are not named (a
        # guessed sense may be the wrong way up), until `label` names them from the set's first settled reps
        self.labelled = labelled
        self.confirmed = labelled  # `label` ran: the sense is the settled reps' (a cue's is provisional)
        self.moving_sign = 0  # +1 lifting, −1 lowering, 0 still
        self.stroke_started_s = -np.inf  # when the current stroke was seen to start
        self.stroke_start_s = -np.inf  # ... its back-dated start
        self.below_since: float | None = None
        self.last_stop_s = -np.inf
        self.rest_from_s = -np.inf  # the stroke under way started from a rest begun here (its start, if none)
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
        if self.by_cue and not s.sense_known:
            self._unanchor(s)  # a new guessed axis far from the old: its sense is asked of the cue again
        dt = 1.0 / s.rate_hz
        flips = self.cue_flips
        for t, raw in zip(d[:, 0], d[:, 2]):
            v = raw if (self.cue_flips - flips) % 2 == 0 else -raw  # rows written before the cue turned the axis
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
                        before = self.cue_flips
                        stop, phase = self._stop(s, float(t), on)
                        v = -v if self.cue_flips != before else v  # the cue turned the axis at the stop
                        stops.append(stop)
                        events += phase
                        self.below_since = None
                        if reversed_:
                            events += self._start(s, float(t), v, on)
                else:
                    self.below_since = None
        if self.pending and self.moving_sign != 0:
            events += (self._release if self.held else self._name_by_cue)(s, float(d[-1, 0]))
        return events, stops

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
        self.moving_sign, self.last_sign = -self.moving_sign, -self.last_sign
        if self.labelled and self.stroke_phase is not None:  # named by its sign: the name follows it
            self.stroke_phase = "concentric" if self.stroke_phase == "eccentric" else "eccentric"
        self.cusum_deg = {1: self.cusum_deg[-1], -1: self.cusum_deg[1]}
        self.peak_ref_dps = {1: self.peak_ref_dps[-1], -1: self.peak_ref_dps[1]}

    def label(self, now: float, reps: list[Rep], flipped: bool) -> list[PhaseChanged]:
        """The axis's sense became known with the set's settled reps (`flipped`: the guess had it the other
        way up): the phases not named so far (live, by the cue), as those reps read them (each rep's phases, then
        the phase now), and from here on the tracker names its own."""
        if flipped:
            self.flip()
        self.labelled = self.confirmed = True
        self.pending = self.held = False
        self.live_reps = len(reps) + (1 if self.moving_sign > 0 else 0)
        events = [PhaseChanged(now, ph.name, ph.start_s, r.index, named_late=True) for r in reps for ph in r.phases]
        last = reps[-1]
        if self.moving_sign != 0:
            self.stroke_phase = "concentric" if self.moving_sign > 0 else "eccentric"
            events.append(PhaseChanged(now, self.stroke_phase, self.stroke_start_s, max(self.live_reps, 1),
                                       named_late=True))
        elif last.phase("bottom_pause") is None:
            events.append(PhaseChanged(now, "bottom_pause", last.phase("eccentric").end_s, last.index, named_late=True))
        return [e for e in events if not any(n == e.phase and abs(t - e.start_s) < LABEL_MATCH_S
                                             for n, t in self.named)]

    def _name_by_cue(self, s: SensorStream, now: float) -> list[PhaseChanged]:
        """The stroke under way named by the cue once its evidence is in (`stroke_cue`), from its back-dated start;
        the guessed axis turned lift-positive if it was the other way up. Gravity names each stroke until the
        sense settles (`label`); the start pose names the set's first lift, and the sign the strokes after it."""
        if self.labelled or self.cue is None:
            return []
        if self.stroke_start_s - self.rest_from_s < self.cue.base_s:  # no rest before it to read gravity against
            if self.last_phase is None:
                return []
            self.pending = False  # the way back from the last stroke (or on the same way): named by its direction
            back = self.moving_sign != self.last_sign
            return [self._stroke_event(now, self.last_phase if not back else
                                       "eccentric" if self.last_phase == "concentric" else "concentric")]
        from_rest = self.stroke_start_s - self.rest_from_s >= self.cue.pose_rest_s  # the start pose is held
        phase, sense, by_pose = stroke_cue(s, self.stroke_start_s, self.moving_sign, self.rom_deg, self.gravity,
                                           from_rest and not self.pose_used, self.cue)
        if phase == 0:
            return []
        if sense < 0:  # the guess was the other way up: the axis, the stroke under way and the peaks turn
            s.flip_axis()
            self.flip()
            self.cue_flips += 1
        self.pending = False
        self.cue_named = True
        s.anchored = s.anchored or sense != 0
        if by_pose:
            self.pose_used = self.labelled = self.by_cue = True
            self.pose_from_up = _up_at(s, self.stroke_start_s)
        return [self._stroke_event(now, "concentric" if phase > 0 else "eccentric")]

    def _check_return(self, s: SensorStream) -> None:
        """The first lowering after a lift the start pose named: a rep comes back to the pose it left (gravity's
        direction in the sensor within `return_rom_fraction` of the range); a set-up move ends in another (lying or
        sitting down): the sense it told is dropped, and the next stroke from rest is asked again."""
        up = up_in_sensor(s.quat[None])[0]
        cos = float(up @ self.pose_from_up) / float(np.linalg.norm(up) * np.linalg.norm(self.pose_from_up))
        if np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))) > self.cue.return_rom_fraction * self.rom_deg:
            self._unanchor(s)
        self.pose_from_up = None

    def _unanchor(self, s: SensorStream) -> None:
        self.labelled = self.by_cue = self.pose_used = False
        s.anchored = False
        self.pose_from_up = None

    def _stroke_event(self, t: float, phase: str | None = None) -> PhaseChanged:
        """The stroke under way named (`phase`, else by its sign: lift +), from its back-dated start."""
        self.stroke_phase = phase or ("concentric" if self.moving_sign > 0 else "eccentric")
        if self.stroke_phase == "concentric" and self.cue is not None:
            self.live_reps += 1  # with a cue, a lift counts once named (else at its start, by the guessed sign)
        return self._named(PhaseChanged(t, self.stroke_phase, self.stroke_start_s, max(self.live_reps, 1)))

    def _named(self, e: PhaseChanged) -> PhaseChanged:
        if self.cue is not None and len(self.named) < 64:  # only `label` asks, once: kept short
            self.named.append((e.phase, e.start_s))
        return e

    def _start(self, s: SensorStream, t: float, v: float, on: float) -> list[PhaseChanged]:
        """A stroke begins at `t`: back-dated to where the speed last sat near zero (at most `back_date_s`); named
        by its sign once the sense is known, else by the cue (now or as its evidence comes in)."""
        self.rest_from_s = self.last_stop_s if self.moving_sign == 0 else t  # a reversal starts from no rest
        self.moving_sign = 1 if v > 0 else -1
        self.stroke_peak = abs(v)
        self.cusum_deg = {1: 0.0, -1: 0.0}
        self.stroke_started_s = t
        p = self.params
        d = s.disp.view(int(s.rate_hz * p.back_date_s) + 1)
        i = len(d) - 1
        # (a reversal's start no further back than where the speed changed sign: the last stroke ended there)
        while (i > 0 and abs(d[i, 2]) > p.back_date_fraction * on and d[i, 0] >= t - p.back_date_s
               and d[i, 2] * self.moving_sign > 0):
            i -= 1
        self.stroke_start_s = float(d[i, 0])
        if self.moving_sign > 0 and self.cue is None:
            self.live_reps += 1
        self.stroke_phase = None
        self.pending = True
        # a turn back right after a stroke may be its settle (an overshoot's, a rebound's): held until it has
        # turned `settle_rom_fraction` of the range
        self.held = (self.rom_deg is not None and self.last_phase is not None and self.moving_sign != self.last_sign
                     and self.stroke_start_s - self.rest_from_s < p.settle_gap_s)
        return self._release(s, t) if self.held else self._name(s, t)

    def _name(self, s: SensorStream, t: float) -> list[PhaseChanged]:
        """The stroke under way named: by its sign once the sense is known, else by the cue."""
        if self.labelled:
            self.pending = False
            return [self._stroke_event(t)]
        return self._name_by_cue(s, t)

    def _release(self, s: SensorStream, t: float) -> list[PhaseChanged]:
        """A held turn back named once it has turned beyond a settle's size."""
        if _turned_since(s, self.stroke_start_s) < self.params.settle_rom_fraction * self.rom_deg:
            return []
        self.held = False
        return self._name(s, t)

    def _stop(self, s: SensorStream, t: float, on: float) -> tuple[Stop, list[PhaseChanged]]:
        """The stroke stopped at `t`; its end extrapolated from the fall of the speed to near zero. A stroke the
        cue has not named yet is asked once more; a stroke left unnamed leaves its pause unnamed."""
        p = self.params
        named = ((self._release if self.held else self._name_by_cue)(s, t)) if self.pending else []
        if not self.labelled and self.stroke_phase is not None and self.moving_sign != (
                1 if self.stroke_phase == "concentric" else -1) and _about(s, self.stroke_start_s, self.cue):
            s.flip_axis()  # gravity named it while the guess lagged: now about the stroke's axis, lift-positive
            self.flip()
            self.cue_flips += 1
        sign = self.moving_sign
        self.moving_sign = 0
        self.pending = False
        if self.held:  # a settle: the pause before it goes on (nothing named, the last stroke stays the last)
            self.held = False
            self.last_stop_s = t
            return Stop(t, sign), []
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
        if self.stroke_phase is None:  # the stroke was never named: nor is its pause
            self.last_phase = None
            return Stop(t, sign), named
        if self.stroke_phase == "eccentric" and self.pose_from_up is not None:
            self._check_return(s)
        phase = "top_pause" if self.stroke_phase == "concentric" else "bottom_pause"
        self.last_phase, self.last_sign, self.stroke_phase = self.stroke_phase, sign, None
        return Stop(t, sign), named + [self._named(PhaseChanged(t, phase, min(end, t), max(self.live_reps, 1)))]


def stroke_cue(s: SensorStream, start_s: float, sign: int, rom_deg: float | None, gravity: bool,
               pose_allowed: bool, p: CueParams) -> tuple[int, int, bool]:
    """What the stroke under way (since `start_s`, turning `sign` about the guessed axis) is, from causal evidence:
    +1 a lift, −1 a lowering, 0 not yet (or no cue); +1 the guessed axis is lift-positive, −1 the other way up, 0
    not known (the stroke turns about other axes too: the guess lags it, or a set-up move); whether the start pose
    told it. Gravity where the lift raises the segment (`gravity`) and the axis is near horizontal
    (`lift_by_gravity`); else, once a set, the start pose: the
    set rests in it before its first lift, and a stroke that has turned `pose_rom_fraction` of the range left it."""
    rows = s.rows(start_s - p.base_s)
    if len(rows) < 2 * p.min_base_samples:
        return 0, 0, False
    up = up_in_sensor(rows[:, QUAT])
    after = rows[:, 0] >= start_s
    about = _about(s, start_s, p, rows[after])
    tilt = float(np.median(np.abs(up[after] @ s.axis)))  # cosine of the axis's angle from vertical
    if gravity and tilt < np.sin(np.radians(90.0 - p.axis_max_tilt_deg)):
        rising = lift_by_gravity(rows[:, 0], np.einsum("ij,ij->i", rows[:, ACC], up), start_s, p)
        return rising, rising * sign if about else 0, False
    if not pose_allowed or rom_deg is None or not about or tilt < np.cos(np.radians(p.pose_axis_max_tilt_deg)):
        return 0, 0, False  # the start pose tells a rotation about gravity (a set-up's sitting down is not one)
    left = _turned_since(s, start_s) >= p.pose_rom_fraction * rom_deg
    return (1, sign, True) if left else (0, 0, True)


def _about(s: SensorStream, start_s: float, p: CueParams, rows: np.ndarray | None = None) -> bool:
    """The stroke since `start_s` turns about the guessed axis: no faster than `off_axis_dps` about the axes
    across it (a set-up move, or a guess lagging the movement, turns about others too)."""
    rows = s.rows(start_s) if rows is None else rows
    w = rows[:, GYR] - rows[:, BIAS]
    across = w - np.outer(w @ s.axis, s.axis)
    return float(np.einsum("ij,ij->i", across, across).max(initial=0.0)) <= np.radians(p.off_axis_dps) ** 2


def _turned_since(s: SensorStream, t_s: float) -> float:
    """How far (deg) the segment has turned about the axis since `t_s` (the display angle)."""
    return abs(float(s.disp.view(1)[0, 1]) - _angle_at(s, t_s))


def _angle_at(s: SensorStream, t_s: float) -> float:
    """The display angle (deg) at `t_s` (interpolated in the display rows kept)."""
    d = s.disp.view(int(s.rate_hz * max(s.last_t - t_s, 0.0)) + 2)
    return float(np.interp(t_s, d[:, 0], d[:, 1]))


def _up_at(s: SensorStream, t_s: float) -> np.ndarray:
    """Earth's up in the sensor frame at the sample nearest before `t_s` (the real-time orientation)."""
    r = s.rows(t_s - 1.0 / s.rate_hz, t_s)
    q = r[-1, QUAT] if len(r) else s.quat
    return up_in_sensor(np.asarray(q)[None])[0]


def lift_by_gravity(t_s: np.ndarray, acc_up_mps2: np.ndarray, start_s: float, p: CueParams) -> int:
    """+1 the segment rises since `start_s`, −1 it falls, 0 not yet beyond the noise: the vertical acceleration
    (m/s², gravity included) less its level in the rest before the onset, integrated from the onset; decided once
    the vertical speed passes `v_floor_mps` and `noise_k` times its noise: the rest's spread σ integrated as white
    noise over the time τ since the onset (σ·√(τ·dt)) plus the error of the level (σ/√n of the rest's n samples,
    times τ)."""
    base = t_s < start_s
    n = int(base.sum())
    if n < p.min_base_samples or (~base).sum() < 2:
        return 0
    level, spread = float(acc_up_mps2[base].mean()), float(acc_up_mps2[base].std())
    t, a = t_s[~base], acc_up_mps2[~base] - level
    v_mps = float(np.sum(0.5 * (a[1:] + a[:-1]) * np.diff(t)))
    tau, dt = t[-1] - start_s, (t[-1] - t[0]) / max(len(t) - 1, 1)
    if abs(v_mps) < max(p.v_floor_mps, p.noise_k * spread * (np.sqrt(tau * dt) + tau / np.sqrt(n))):
        return 0
    return 1 if v_mps > 0 else -1
