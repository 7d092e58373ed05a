"""The exercises, once: one entry per exercise with what every layer needs to know about it.

The simulator (`sensors/simulation/`) draws its kinematics and labels its ground truth from these entries, the
analysis picks its sensor, metrics, tilt reference and observable faults from them, and the display layers their
names and units. Adding an exercise is one entry here plus its kinematics function in
`sensors/simulation/motions.py` (docs/exercises.md).
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

import os
import re
import sys
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from sensors.rules import FAULTS

PLACEMENTS = ("pelvis", "thigh_left", "thigh_right")  # where a sensor is strapped (the body sites the analysis knows)
TIMING_FAULTS = ("rushed_eccentric", "no_top_pause", "momentum", "partial_rom")
SHAPES = ("thigh_out_hold_back", "hip_extension", "steps")  # the thigh's out-hold-back, the pelvis's lift, steps
STANCES = ("upright", "seated", "side_lying", "supine_bench", "supine_floor", "prone", "all_fours")  # supine: torso
# on a bench or on the floor; prone: lying face down; all fours: on hands and knees
DEFAULT_TEMPO_S = (3.0, 1.0, 1.0, 1.0)  # eccentric, bottom, concentric, top (s): slow lowering, pause at the top


@dataclass(frozen=True)
class Exercise:
    """What is known about one exercise.

    `primary`: the sensor that sees the movement ("pelvis" or "thigh"); `shape`: the rep's shape (`SHAPES`:
    the thigh out, hold and back; the pelvis's hip extension; steps); `stance`: how the lifter is placed
    (`STANCES`), what recognition tells apart; `posture`: the
    pelvis sensor's orientation is measured (tilt and drop on reps, the side of each step on a band walk);
    `tilt_reference`: what the lockout tilt is relative to ("standing" pelvis or the "set"'s lockouts);
    `single_leg`: one working leg (the side is asked for and the drop matters most); `default_rom_deg`: a typical
    range of the primary segment (simulator default, display scale); `default_tempo_s`: the simulator's
    eccentric, bottom, concentric and top durations; `faults`: the faults a sensor can observe."""

    name: str
    title: str
    primary: str
    shape: str = "thigh_out_hold_back"
    stance: str = "seated"
    posture: bool = False
    tilt_reference: str = "set"
    single_leg: bool = False
    default_rom_deg: float = 40.0
    default_tempo_s: tuple[float, float, float, float] = DEFAULT_TEMPO_S
    faults: tuple[str, ...] = TIMING_FAULTS
    recognisable: bool = True  # recognition may answer with it unasked (one entry per shape and stance)
    cues: tuple[str, ...] = ()  # how to do it well, from the coaching text
    motion: str = ""  # the simulator's kinematics function (sensors/simulation/motions.py); "" = the entry's name
    lift_m: float = 0.0  # the hip's rise over a full rep (m): the simulator's sensor height

    def __post_init__(self) -> None:
        if not self.motion:
            object.__setattr__(self, "motion", self.name)

    @property
    def primary_starts_upright(self) -> bool:
        """The primary segment starts each rep near upright (a standing thigh or a thigh hanging on all fours), so
        reps starting upright are not a sign of walking strides read as reps."""
        return self.thigh_led and self.stance in ("upright", "all_fours")

    @property
    def counts(self) -> str:
        """"reps" or "steps"."""
        return "steps" if self.shape == "steps" else "reps"

    @property
    def hip_extension(self) -> bool:
        """The pelvis lifts: hip rise, concentric velocity, pelvis tilt and drop apply."""
        return self.shape == "hip_extension"

    @property
    def upright(self) -> bool:
        """Done standing (a walk in or out looks like it); the others lying or seated."""
        return self.stance == "upright"

    @property
    def steps(self) -> bool:
        """Counted in steps (no tempo, no phases)."""
        return self.counts == "steps"

    @property
    def thigh_led(self) -> bool:
        """A thigh sensor, when worn, is the one that sees the movement."""
        return self.primary == "thigh"


# coaching cues from the coaching text (../shared/domain/upper-glutes-article.txt), shared where they apply
TEMPO_CUE = "Move with control, no momentum: pause at the top and lower slowly"
LEVEL_HIPS_CUE = "Keep the hips level: the non-working side must not drop"
TUCK_CUE = "Tuck the hips slightly first; the glutes drive the lift, not an arched lower back"
LEAD_HIP_CUE = "Lead with the side of the hip, not the knee or the foot"
BAND_CUE = "Band just above the knees, pressing them out"

_REGISTRY = (
    Exercise("hip_thrust", "Hip thrust", "pelvis", shape="hip_extension", stance="supine_bench", posture=True,
             tilt_reference="standing", default_rom_deg=45.0, faults=FAULTS, lift_m=0.32,  # pelvis: bottom → level
             cues=(TUCK_CUE, "Lift until the torso is a straight line from shoulder to knee", TEMPO_CUE)),
    Exercise("single_leg_hip_thrust", "Single-leg hip thrust", "pelvis", shape="hip_extension", stance="supine_bench",
             posture=True, tilt_reference="standing", single_leg=True, default_rom_deg=42.0, faults=FAULTS,
             motion="hip_thrust", lift_m=0.3,
             cues=("Anchor the upper back on the bench and drive the foot into the floor", LEVEL_HIPS_CUE, TUCK_CUE)),
    Exercise("glute_bridge", "Glute bridge", "pelvis", shape="hip_extension", stance="supine_floor", posture=True,
             default_rom_deg=28.0, faults=FAULTS, lift_m=0.18, cues=(TUCK_CUE, TEMPO_CUE)),
    Exercise("seated_hip_abduction", "Seated hip abduction", "thigh", stance="seated", default_rom_deg=38.0,
             cues=("Push the knees out through the full range", "Pause at the widest point, control it back in",
                   LEAD_HIP_CUE)),
    Exercise("clamshell", "Clamshell", "thigh", stance="side_lying", default_rom_deg=50.0,
             cues=(BAND_CUE, "Feet together: rotate the top knee open from the hip",
                   "Stop before the hips roll backward", TEMPO_CUE)),
    Exercise("lateral_band_walk", "Lateral band walk", "thigh", shape="steps", stance="upright", posture=True,
             default_rom_deg=18.0, default_tempo_s=(0.45, 0.25, 0.45, 0.1), faults=(),
             cues=(BAND_CUE + ", not around the ankles", "Stay in a slight squat and step sideways")),
    # standing hip extension: from a thigh it is a walking stride's movement (thigh upright, turning about the
    # swing axis) and recognition reads anything standing as a band walk's steps, so it is only analysed when named
    Exercise("cable_kickback", "Cable kickback", "thigh", stance="upright", single_leg=True, default_rom_deg=35.0,
             recognisable=False, cues=("Lead with the hip: the glute lifts the leg back, no swing", TEMPO_CUE,
                                       LEVEL_HIPS_CUE, "Keep the lower back neutral at the top")),
    Exercise("lying_kickback", "Lying kickback", "thigh", stance="prone", single_leg=True, default_rom_deg=20.0,
             cues=("Lift the straight leg with the glute; the hips stay on the floor", TEMPO_CUE)),
    Exercise("fire_hydrant", "Fire hydrant", "thigh", stance="all_fours", single_leg=True, default_rom_deg=60.0,
             cues=(LEAD_HIP_CUE + ": the knee out and up, turned out", LEVEL_HIPS_CUE, TEMPO_CUE)),
    Exercise("romanian_deadlift", "Romanian deadlift", "pelvis", shape="hip_extension", stance="upright",
             posture=True, default_rom_deg=65.0, faults=FAULTS, lift_m=0.05,
             cues=("Lead with the hips back, the back flat", "Lower slowly",
                   "Finish with the glutes, not by arching the lower back")),
)


def user_exercises_path() -> Path:
    """The user's own exercises: `exercises.toml` in the platform's config folder for repscope."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "repscope" / "exercises.toml"


def user_entry(name: str, table: object, known: dict[str, Exercise]) -> tuple[Exercise | None, list[str]]:
    """A user's exercise from its TOML table (`like`, `sensor`, optional `title`): the `like` entry's shape and
    stance on the given sensor, with the generic timing faults, never recognised unasked; else the mistakes,
    one line each."""
    if not isinstance(table, dict):
        return None, [f"{name}: expected a table [{name}] with like = and sensor ="]
    errors = [f"{name}: unknown key {k!r} (like, sensor, title)" for k in table if k not in ("like", "sensor", "title")]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        errors.append(f"{name}: a name is lower-case letters, digits and _ (starting with a letter)")
    if name in known:
        errors.append(f"{name}: already an exercise")
    like, sensor = table.get("like"), table.get("sensor")
    if like not in known:
        errors.append(f"{name}: like = {like!r} is not a known exercise (one of {', '.join(known)})")
    if sensor not in ("pelvis", "thigh"):
        errors.append(f"{name}: sensor = {sensor!r} is not pelvis or thigh")
    if errors:
        return None, errors
    title = str(table.get("title") or name.replace("_", " ").capitalize())
    faults = () if known[like].steps else TIMING_FAULTS
    return replace(known[like], name=name, title=title, primary=sensor, faults=faults, recognisable=False), []


def user_exercises(path: Path, known: dict[str, Exercise]) -> tuple[tuple[Exercise, ...], list[str]]:
    """The valid entries of the user's file and one line per mistake (none when the file does not exist)."""
    if not path.is_file():
        return (), []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        return (), [f"{path}: {err}"]
    entries, errors, seen = [], [], dict(known)
    for name, table in data.items():
        entry, mistakes = user_entry(name, table, seen)
        errors += [f"{path}: {m}" for m in mistakes]
        if entry is not None:
            entries.append(entry)
            seen[name] = entry
    return tuple(entries), errors


BUILT_IN = {e.name: e for e in _REGISTRY}
USER, USER_ERRORS = user_exercises(user_exercises_path(), BUILT_IN)
BY_NAME = {**BUILT_IN, **{e.name: e for e in USER}}
EXERCISES = tuple(BY_NAME)
HIP_EXTENSION_LIFTS = tuple(e.name for e in BY_NAME.values() if e.hip_extension)


def exercise(name: str) -> Exercise:
    """The entry for `name`; ValueError naming the known ones otherwise."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown exercise {name!r} (one of {', '.join(EXERCISES)})") from None


def recognised(shape: str, stance: str, single_leg: bool = False) -> str:
    """The recognisable entry of a rep shape, a stance and one leg or two (what recognition tells apart);
    ValueError when none or several are."""
    found = [e.name for e in _REGISTRY if e.recognisable and (e.shape, e.stance, e.single_leg) ==
             (shape, stance, single_leg)]
    if len(found) != 1:
        raise ValueError(f"{len(found)} recognisable exercises of shape {shape!r}, stance {stance!r}")
    return found[0]


def stepped(name: str | None) -> bool:
    """`name` is counted in steps (None: not yet known, so possibly)."""
    return name is None or BY_NAME[name].steps
