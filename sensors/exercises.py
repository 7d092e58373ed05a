"""The exercises, once: one entry per exercise with what every layer needs to know about it.

The simulator (`sensors/simulate.py`) draws its kinematics and labels its ground truth from these entries, the
analysis picks its sensor, metrics, tilt reference and observable faults from them, and the display layers their
names and units. Adding an exercise is one entry here plus its posture/kinematics function in the simulator.
It sits beside `sensors/rules.py` (the fault rules) in the lowest layer that needs it; pure Python, no numpy.

Why the fields hold what they hold (the coaching text, `../shared/domain/upper-glutes-article.txt`, and the
biomechanics of each lift):
- the hip-extension lifts move the pelvis: it rises (hip rise and speed, the velocity figures), it tilts (a
  lumbar arch is an anterior tilt at lockout) and, on one leg, it drops (level hips). Their primary sensor is the
  pelvis; a thigh sensor sees the hip's extension too and serves when no pelvis sensor is worn;
- seated abduction and the clamshell move the thigh about a pelvis that stays put: only the thigh sees the rep;
- a lateral band walk is counted in steps, not timed by tempo; the pelvis translates sideways and hikes;
- hip thrusts lock out with the torso horizontal, i.e. the pelvis close to its standing orientation, so the tilt
  is read against standing; a glute bridge's lockout is shy of that (shoulders on the floor), so it is read
  against the set's own lockouts.
"""
from __future__ import annotations

from dataclasses import dataclass

from sensors.rules import FAULTS

PLACEMENTS = ("pelvis", "thigh_left", "thigh_right")  # where a sensor is strapped (the body sites the analysis knows)
TIMING_FAULTS = ("rushed_eccentric", "no_top_pause", "momentum", "partial_rom")


@dataclass(frozen=True)
class Exercise:
    """What is known about one exercise.

    `primary`: the sensor that sees the movement ("pelvis" or "thigh"); `counts`: "reps" or "steps";
    `hip_extension`: the pelvis lifts (hip rise, concentric velocity, pelvis tilt and drop); `posture`: the
    pelvis sensor's orientation is measured (tilt and drop on reps, the side of each step on a band walk);
    `tilt_reference`: what the lockout tilt is relative to ("standing" pelvis or the "set"'s lockouts);
    `single_leg`: one working leg (the side is asked for and the drop matters most); `default_rom_deg`: a typical
    range of the primary segment (simulator default, display scale); `faults`: the faults a sensor can observe."""

    name: str
    title: str
    primary: str
    counts: str = "reps"
    hip_extension: bool = False
    posture: bool = False
    tilt_reference: str = "set"
    single_leg: bool = False
    default_rom_deg: float = 40.0
    faults: tuple[str, ...] = TIMING_FAULTS
    upright: bool = False  # done standing (a walk in or out looks like it); the others lying or seated

    @property
    def steps(self) -> bool:
        """Counted in steps (no tempo, no phases)."""
        return self.counts == "steps"

    @property
    def thigh_led(self) -> bool:
        """A thigh sensor, when worn, is the one that sees the movement."""
        return self.primary == "thigh"


_REGISTRY = (
    Exercise("hip_thrust", "Hip thrust", "pelvis", hip_extension=True, posture=True, tilt_reference="standing",
             default_rom_deg=45.0, faults=FAULTS),  # pelvis rotation, bottom → torso horizontal
    Exercise("single_leg_hip_thrust", "Single-leg hip thrust", "pelvis", hip_extension=True, posture=True,
             tilt_reference="standing", single_leg=True, default_rom_deg=42.0, faults=FAULTS),
    Exercise("glute_bridge", "Glute bridge", "pelvis", hip_extension=True, posture=True, default_rom_deg=28.0,
             faults=FAULTS),
    Exercise("seated_hip_abduction", "Seated hip abduction", "thigh", default_rom_deg=38.0),  # thigh abduction
    Exercise("clamshell", "Clamshell", "thigh", default_rom_deg=50.0),
    Exercise("lateral_band_walk", "Lateral band walk", "thigh", counts="steps", posture=True, default_rom_deg=18.0,
             faults=(), upright=True),
)

BY_NAME = {e.name: e for e in _REGISTRY}
EXERCISES = tuple(BY_NAME)
HIP_EXTENSION_LIFTS = tuple(e.name for e in _REGISTRY if e.hip_extension)


def exercise(name: str) -> Exercise:
    """The entry for `name`; ValueError naming the known ones otherwise."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown exercise {name!r} (one of {', '.join(EXERCISES)})") from None
