"""Named defaults of the streaming analyzer's four parts (`analysis.streaming`), composed in `StreamingParams` and
in `AnalysisParams.streaming`. Kept apart from the parts' code so `analysis.params` can compose them without
importing the streaming path. Times in s, speeds in °/s (`_dps`).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BufferParams:
    """The sample and display rings of each sensor, and the set's lengths."""

    live_window_s: float = 90.0  # settling re-analyses at most this much of the set: bounds the cost of each
    set_window_s: float = 600.0  # longest set kept whole: bounds memory
    idle_lead_in_fraction: float = 0.5  # before its first rep, a set keeps at most this share of the set window
    display_window_s: float = 30.0  # live traces kept for the scrolling plots
    speed_smooth_s: float = 0.02  # time constant of the live speed smoothing (first-order): keeps the delay small
    guess_every_s: float = 0.25  # before the first rep, the axis is guessed afresh this often
    guess_span_s: float = 1.5  # ... from the dominant rotation of the last this-many seconds
    guess_min_dps: float = 15.0  # ... when the 95th percentile of the speed there exceeds this (else no guess)
    guess_same_axis: float = 0.7  # |cos| above which a new guess is the same axis (its sense kept)
    guess_big_fraction: float = 0.5  # a new axis's first sample above this share of the peak speed is a lift
    guess_keep_dps: float = 2.5  # ... unless the segment turns faster than this: the sense keeps the speed's sign
    guess_carry_cos: float = 0.3  # a sense a cue told carries over to a new axis (still) this near the old one
    length_check_every_s: float = 1.0  # whether the set outgrows the buffers is looked at this often
    too_long_fraction: float = 0.98  # a set older than this share of the set window is ended and a new one begun
    min_window_samples: int = 100  # a window (or a set) with fewer samples of a sensor is not analysed


@dataclass(frozen=True)
class TrackerParams:
    """The live start/stop detector on the primary segment's angular speed about the movement axis."""

    motion_on_min_dps: float = 2.5  # start threshold floor: above postural sway
    motion_on_fraction: float = 0.1  # ... or this share of the set's typical peak speed in that direction
    motion_off_ratio: float = 0.6  # hysteresis: stop below this share of the start threshold
    stop_hold_s: float = 0.03  # the speed must stay low this long to call a stop (one noisy sample is no pause)
    # a start also needs the angle to have left the rest: a one-sided CUSUM of the speed beyond a drift allowance
    # (this share of the start threshold) over this many degrees; sway and tremor in a pause, zero-mean or slower
    # than the allowance, do not build it up
    onset_drift_fraction: float = 0.5
    onset_band_deg: float = 0.15
    initial_peak_dps: float = 30.0  # the typical peak speed before the set's first strokes
    back_date_s: float = 1.0  # an onset is back-dated to where the speed sat near zero, at most this far
    back_date_fraction: float = 0.1  # ... near zero: under this share of the start threshold
    stop_look_s: float = 0.15  # a stop's end is extrapolated from the speed's fall over this much history
    stop_fraction: float = 0.25  # ... to the first sample under this share of the start threshold
    peak_update_factor: float = 2.0  # a stroke whose peak is this multiple of the start threshold updates the peak
    # a turn back starting this soon after a stroke stopped may be its settle (an overshoot's, 3–12 % of the range):
    # named only once it has turned this share of the exercise's range (else the pause before it goes on)
    settle_gap_s: float = 0.25
    settle_rom_fraction: float = 0.15


@dataclass(frozen=True)
class CueParams:
    """Naming a set's strokes before its axis's sense is settled (`analysis.phase_tracker.stroke_cue`): gravity
    for the lifts that raise the segment, where the axis lies within `axis_max_tilt_deg` of horizontal; the start
    pose for a rotation about gravity (the set rests in it: the first stroke from rest that covers a share of the
    exercise's range is the lift)."""

    base_s: float = 0.3  # the rest before the stroke's onset: the vertical acceleration's level and spread there
    min_base_samples: int = 3  # ... with fewer samples the stroke waits
    v_floor_mps: float = 0.02  # the vertical speed since onset must pass this (sway's stays under) ...
    noise_k: float = 3.0  # ... and this many times the rest's spread integrated over the time since onset
    axis_max_tilt_deg: float = 45.0  # gravity has a say where the axis is at least this far from vertical
    off_axis_dps: float = 20.0  # a stroke turning faster than this about the axes across is no rep's: it waits
    pose_rom_fraction: float = 0.3  # the start pose's rule: the stroke has turned this share of the typical range
    pose_axis_max_tilt_deg: float = 30.0  # ... about an axis this near vertical (a rotation about gravity)
    pose_rest_s: float = 0.5  # ... after the segment rested this long (a set rests in its start pose before it)
    return_rom_fraction: float = 0.3  # ... and the lowering after it ends this near its pose (gravity within this
    # share of the range, in degrees), else it was a set-up move


@dataclass(frozen=True)
class SettleParams:
    """When and how a running set is re-read (settled)."""

    max_interval_s: float = 1.0  # until the tracker's stops and the settled reps agree, and while a lowering the
    # tracker saw end is unannounced
    idle_interval_s: float = 5.0  # otherwise: every stop already settles at once; this is the net for a missed one
    net_motion_dps: float = 10.0  # a settle on the interval only after the primary turned faster than this
    net_stroke_s: float = 5.0  # ... and not while the tracker follows a stroke, unless it has run this long
    lowering_match_s: float = 0.5  # an announced rep whose lowering ended this close to a stop accounts for it
    context_s: float = 10.0  # reps this close to the start of a truncated window are already settled
    phase_match_s: float = 0.5  # a settled rep within this of an emitted one is the same rep
    split_gap_s: float = 20.0  # reps further apart are two sets (`analysis.session.SessionParams.split_gap_s`)
    resettle_after_s: float = 0.25  # a lowering's stop is settled once more this much later, unless announced
    stroke_still_running_s: float = 0.05  # a lowering ending this close to the tracker's last stop may still run
    tail_after_reps: int = 1  # from this many settled reps on, new reps are read from the stream's tail
    # until a second rep confirms the axis, the first may be a set-up move that set it wrong; a turn this fast
    # about the axes across the known one calls offline looks (a right axis leaves sway and wobble, under 10 °/s)
    off_axis_dps: float = 20.0
    confirmed_reps: int = 2
    tail_retry_s: float = 0.2  # a lowering the tail did not read as a rep this long after its stop: offline


@dataclass(frozen=True)
class WatchParams:
    """The workout watcher: where sets begin and end by themselves."""

    recognise_after_reps: int = 3  # the offline session needs as many to call a span a set
    reference_retry_s: float = 10.0  # no upright reference yet: look again this much later
    begin_look_every_s: float = 3.0  # a set is looked for at a lowering's end at most this often
    walk_look_every_s: float = 5.0  # a band walk (no lifts) is looked for this often
    walk_context_s: float = 120.0  # the set detector reads at least this much history to tell a walk
    rest_look_every_s: float = 2.0  # auto-end looks this often for a rest the set detector sees
    min_samples: int = 100  # fewer detector samples tell nothing


@dataclass(frozen=True)
class StreamingParams:
    """The streaming analyzer's parts' parameters."""

    buffers: BufferParams = field(default_factory=BufferParams)
    tracker: TrackerParams = field(default_factory=TrackerParams)
    cue: CueParams = field(default_factory=CueParams)
    settle: SettleParams = field(default_factory=SettleParams)
    watch: WatchParams = field(default_factory=WatchParams)


STREAMING = StreamingParams()
