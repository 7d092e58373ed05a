"""What to simulate (`SimConfig`, `RepBlock`, the technique ranges), what comes back (`SimResult`), and the
configuration's checks."""
from __future__ import annotations

from dataclasses import dataclass, field

from sensors.exercises import EXERCISES
from sensors.recording import RecordingMeta, SensorStream
from sensors.rules import fault_name
from sensors.simulation.imu import ImuModel

ONSET_MODES = ("classic", "per_set", "per_rep")
BAND_STEP_MODES = ("pulse", "lead_trail")


@dataclass(frozen=True)
class RepBlock:
    """A run of `reps` reps inside a set with its own tempo (s; concentric None = explosive) and range (share of
    the set's range), then `rest_after_s` of rest at the bottom (a real session's blocks of correct, fast and small
    reps: the rest is the block's last bottom pause)."""

    reps: int
    eccentric_s: float
    bottom_pause_s: float
    concentric_s: float | None
    top_pause_s: float
    rom_scale: float = 1.0
    rest_after_s: float = 0.0


@dataclass(frozen=True)
class TechniqueParams:
    """Ranges of the technique patterns (`SimConfig.overshoot`, `blocks`) and the coaching text's tempos."""

    overshoot_fraction: tuple[float, float] = (0.03, 0.12)  # of the rep's range, past the top
    settle_s: tuple[float, float] = (0.3, 0.8)  # back into the squeeze, inside the top pause
    # E-B-C-T (C None = explosive): a slow lowering, no rest at the bottom, a squeeze held at the top
    tempos: tuple[tuple[float, float, float | None, float], ...] = (
        (3.0, 0.0, 1.0, 2.0), (2.0, 0.0, 1.0, 3.0), (4.0, 0.0, None, 2.0))
    top_hold_s: tuple[float, float] = (1.0, 4.0)  # a squeeze at the top
    small_range_deg: tuple[float, float] = (8.0, 25.0)  # whole sets of small reps (the primary segment's range)


TECHNIQUE = TechniqueParams()


@dataclass(frozen=True)
class SimConfig:
    """What to simulate. Tempo per phase in s (jittered ±`tempo_jitter` rep to rep); `faults` maps a simulator
    fault (`sensors.rules.FAULTS` or a short form) to the 1-based reps that show it; `rates_hz` one per placement."""

    exercise: str = EXERCISES[0]  # the registry's first entry
    reps: int = 8
    eccentric_s: float = 3.0
    bottom_pause_s: float = 1.0
    concentric_s: float | None = 1.0  # None: explosive ("X")
    top_pause_s: float = 1.0
    tempo_jitter: float = 0.08
    rom_deg: float | None = None  # primary segment's range; None = a typical value for the exercise
    placements: tuple[str, ...] = ("pelvis",)
    rates_hz: tuple[float, ...] = (100.0,)
    side: str | None = None  # working leg on single-leg moves
    standing_s: float = 2.0
    fidget: bool = True
    faults: tuple[tuple[str, tuple[int, ...]], ...] = ()
    imu: ImuModel = ImuModel()
    mounting: tuple[tuple[float, float, float, float], ...] | None = None  # per placement wxyz; None = random
    gaps: bool = False
    # harder set structure (all off by default: the demos and `repscope simulate` stay as they are)
    onsets: str = "classic"  # ONSET_MODES: classic = min-jerk lifts and smooth 15 % trapezoid lowerings
    settle_lift: bool = False  # a small lift (5–15 % of the range) and a 0.5–2 s rest just before rep 1
    quick_rerack: bool = False  # the re-rack / sit-up starts 0.2–1 s after the last rep
    # a held pose is never quite still: over each top and bottom hold the segment drifts and back, by up to this
    # share of the range per second of hold (a squeeze at the top, settling at the bottom: slow, ~1–2 °/s at most);
    # the boundaries stay the commanded ones
    hold_creep: float = 0.0
    # postural sway and breathing: the segment rocks slowly about the movement axis all set long, holds and moves
    # alike (two sines at 0.2–0.9 Hz, each up to this amplitude, °: 0.5° at 0.9 Hz peaks near 3 °/s), turning it
    # without lifting the hips; the boundaries stay the commanded ones, so a boundary's truth is the commanded
    # move's, not the sway's
    sway_deg: float = 0.0
    big_setup: bool = False  # walk and turn, then sit down and lie back in stages; after the set sit up, stand up
    station_moves: bool = False  # seated abduction: legs onto / off the pads; clamshell: kneel, lie down, push up;
    #                              then walking off
    time_offset_s: float = 0.0  # the recording clock's origin: every time stamp and truth time moved by this
    band_steps: str = "pulse"  # BAND_STEP_MODES: pulse = a step is a stance widening and narrowing; lead_trail =
    #                            `reps` steps, lead and trail alternating, each a sideways pelvis shift with a hip hike
    # the lifter's own technique (all off by default; ranges in TECHNIQUE): each lift overshoots the top by 3–12 %
    # of the range and settles back into the squeeze in 0.3–0.8 s (its truth: the concentric ends at the
    # overshoot's peak, the settle is part of the top pause; no overshoot on a rep whose top pause is too short)
    overshoot: bool = False
    floor_start: bool = False  # hip thrusts begun sitting on the floor: no standing pose, back to the floor after
    blocks: tuple[RepBlock, ...] = ()  # runs of reps with their own tempo and range, rests between (real sessions)

    @property
    def tempo_string(self) -> str:
        c = "X" if self.concentric_s is None else _fmt(self.concentric_s)
        return f"{_fmt(self.eccentric_s)}-{_fmt(self.bottom_pause_s)}-{c}-{_fmt(self.top_pause_s)}"

    def reps_with(self, fault: str) -> set[int]:
        """The reps that show `fault` (named in full or by a short form)."""
        return {r for name, reps in self.faults if fault_name(name) == fault_name(fault) for r in reps}


def _fmt(x: float) -> str:
    return f"{x:g}"


@dataclass(frozen=True)
class SimResult:
    config: SimConfig
    streams: tuple[SensorStream, ...]
    truth: dict = field(repr=False)
    meta: RecordingMeta = RecordingMeta()
