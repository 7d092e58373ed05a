"""A set laid out in time on the internal grid: standing, the set-up (one move or stages, walks, pads), the
reps' exact boundaries, the re-rack, and the pose traces (movement coordinate, fidgets, tremor, creep, sway)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensors.exercises import exercise
from sensors.simulation.frames import RIGHT, Pose
from sensors.simulation.config import SimConfig
from sensors.simulation.imu import INTERNAL_RATE_HZ
from sensors.simulation.plan import PlannedRep
from sensors.simulation.profiles import min_jerk, between




@dataclass(frozen=True)
class SetupParams:
    """Ranges (s, fractions, deg) of the harder set-up patterns (`SimConfig.settle_lift` … `station_moves`)."""

    walk_s: tuple[float, float] = (3.0, 6.0)  # walking in to the station
    walk_off_s: tuple[float, float] = (2.0, 4.0)
    cadence_hz: tuple[float, float] = (1.6, 2.2)  # steps per second
    turn_deg: tuple[float, float] = (60.0, 180.0)
    stage_fraction: tuple[float, float] = (0.3, 0.6)  # sit down / kneel: this much of the way, then hold
    stage_s: tuple[float, float] = (1.5, 2.5)  # each stage's move
    stage_hold_s: tuple[float, float] = (0.5, 1.5)
    settle_fraction: tuple[float, float] = (0.05, 0.15)  # the settle lift's height, of the range
    settle_s: tuple[float, float] = (0.6, 1.2)
    settle_rest_before_s: tuple[float, float] = (0.8, 1.5)
    settle_rest_after_s: tuple[float, float] = (0.5, 2.0)
    quick_rerack_s: tuple[float, float] = (0.2, 1.0)  # last rep's end → re-rack onset
    pads_fraction: tuple[float, float] = (0.3, 0.6)  # seated abduction: legs onto / off the pads (abduction …)
    pads_knee_deg: tuple[float, float] = (15.0, 30.0)  # … with the knee lifted
    pads_s: tuple[float, float] = (1.0, 1.6)


SETUP = SetupParams()
PAD_STANCES = ("seated",)  # station moves: the legs lifted onto and off the machine's pads
FLOOR_STANCES = ("side_lying", "prone", "all_fours")  # station moves: kneel, then get down; back up, stand up


@dataclass(frozen=True)
class _Move:
    """A set-up move on the grid: a sin² bump of `theta` (movement coordinate) and of `rotvec_deg` (earth frame)."""

    t0: float
    duration_s: float
    theta: float = 0.0
    rotvec_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def bump(self, grid: np.ndarray) -> np.ndarray:
        u = (grid - self.t0) / self.duration_s
        return np.where((u > 0) & (u < 1), np.sin(np.pi * np.clip(u, 0, 1)) ** 2, 0.0)


@dataclass(frozen=True)
class _Walk:
    name: str
    t0: float
    t1: float
    cadence_hz: float
    turn_deg: float = 0.0  # turned through in the walk's second half


def _stages(big: bool, rng: np.random.Generator, setup_s: float) -> tuple[tuple[float, float, float], ...]:
    """(fraction, move s, hold s) from standing into the posture: one move, or two with a hold between (sit down
    or kneel, then lie back or lie down)."""
    if not big:
        return ((1.0, setup_s, 0.0),)
    first = between(rng, SETUP.stage_fraction)
    return ((first, between(rng, SETUP.stage_s), between(rng, SETUP.stage_hold_s)),
            (1.0 - first, between(rng, SETUP.stage_s), 0.0))


def _staged(grid: np.ndarray, start: float, stages) -> np.ndarray:
    out = np.zeros_like(grid)
    t = start
    for fraction, move_s, hold_s in stages:
        out += fraction * min_jerk((grid - t) / move_s)
        t += move_s + hold_s
    return out


def _stages_s(stages) -> float:
    return sum(move + hold for _, move, hold in stages)


def _pads_move(t0: float, rng: np.random.Generator) -> _Move:
    """Seated abduction: a leg lifted onto (or off) the pads: abduction part of the range with the knee raised."""
    return _Move(t0, between(rng, SETUP.pads_s), between(rng, SETUP.pads_fraction),
                 tuple(np.array(RIGHT) * between(rng, SETUP.pads_knee_deg)))


@dataclass(frozen=True)
class _Layout:
    """A set's plan in time (s on the internal grid): set-up, the reps' exact boundaries, re-rack, extra moves."""

    setup_start: float
    stages_in: tuple  # (fraction, move s, hold s) from standing into the posture
    bounds: list  # per rep (concentric onset, top start, eccentric start, eccentric end, bottom end or None)
    end_set: float  # the bottom rest after the last rep ends
    rerack_start: float
    stages_out: tuple
    total: float
    fidget_in: tuple[float, float]  # window of the set-up fidgets
    walks: tuple = ()
    moves: tuple = ()

    @property
    def rerack_end(self) -> float:
        return self.rerack_start + _stages_s(self.stages_out)


def _rep_bounds(reps: list[PlannedRep], t0: float) -> list:
    bounds, t = [], t0
    for rep in reps:
        c0, c1 = t, t + rep.concentric_s
        t1 = c1 + rep.top_pause_s
        e1 = t1 + rep.eccentric_s
        b1 = e1 + (rep.bottom_pause_s if rep.bottom_pause_s is not None else 0.0)
        bounds.append((c0, c1, t1, e1, b1 if rep.bottom_pause_s is not None else None))
        t = b1
    return bounds


def _layout(cfg: SimConfig, reps: list[PlannedRep], rng: np.random.Generator, stand_end: float) -> _Layout:
    """Lay the set out in time; the harder set-up patterns draw only when they are on (the default draws and
    times are the classic set's)."""
    entry = exercise(cfg.exercise)
    setup_s = 3.5 if cfg.fidget else 2.0
    pre_rest = rng.uniform(1.5, 2.5)
    big = cfg.big_setup and not entry.upright  # walk, turn, sit and lie back: a lying or seated set-up
    pads = cfg.station_moves and entry.stance in PAD_STANCES
    staged = big or (cfg.station_moves and entry.stance in FLOOR_STANCES)  # kneel, then lie down
    walks, moves = [], []
    setup_start = stand_end
    if big:
        start = stand_end + 0.2
        walks.append(_Walk("walk_in", start, start + between(rng, SETUP.walk_s), between(rng, SETUP.cadence_hz),
                           float(rng.choice([-1, 1])) * between(rng, SETUP.turn_deg)))
        setup_start = walks[-1].t1 + rng.uniform(0.3, 0.8)
    stages_in = _stages(staged, rng, setup_s)
    rest_start = setup_start + _stages_s(stages_in)
    if pads:
        moves.append(_pads_move(rest_start + rng.uniform(0.3, 0.8), rng))
        rest_start = moves[-1].t0 + moves[-1].duration_s
    fidget_until = rest_start + pre_rest * 0.5
    if cfg.settle_lift:
        rest0 = between(rng, SETUP.settle_rest_before_s)
        moves.append(_Move(rest_start + rest0, between(rng, SETUP.settle_s), between(rng, SETUP.settle_fraction)))
        pre_rest = rest0 + moves[-1].duration_s + between(rng, SETUP.settle_rest_after_s)
        fidget_until = rest_start + rest0 * 0.5
    bounds = _rep_bounds(reps, rest_start + pre_rest)
    post_rest = rng.uniform(1.5, 2.5)
    if cfg.quick_rerack:
        post_rest = between(rng, SETUP.quick_rerack_s)
    end_set = (bounds[-1][3] if bounds else rest_start + pre_rest) + post_rest
    rerack_start = end_set
    if pads:
        moves.append(_pads_move(end_set, rng))
        rerack_start = end_set + moves[-1].duration_s + rng.uniform(0.3, 0.8)
    stages_out = _stages(staged, rng, setup_s)
    total = rerack_start + _stages_s(stages_out) + 1.0
    if cfg.station_moves and entry.stance in PAD_STANCES + FLOOR_STANCES:  # walking off
        off = total - 0.5
        walks.append(_Walk("walk_off", off, off + between(rng, SETUP.walk_off_s), between(rng, SETUP.cadence_hz)))
        total = walks[-1].t1 + 1.0
    return _Layout(setup_start, stages_in, bounds, end_set, rerack_start, stages_out, total,
                   (setup_start, fidget_until), tuple(walks), tuple(moves))


def _rep_traces(cfg: SimConfig, reps: list[PlannedRep], lay: _Layout, grid: np.ndarray):
    """Movement coordinate θ, ROM scale, tilt, drop and band-walk direction of the reps on the grid."""
    n = len(grid)
    theta, rom_scale, tilt, drop, walk = np.zeros(n), np.ones(n), np.zeros(n), np.zeros(n), np.zeros(n)
    bounds, steps = lay.bounds, exercise(cfg.exercise).steps
    for k, (rep, (c0, c1, t1, e1, _)) in enumerate(zip(reps, bounds)):
        m = (grid >= c0) & (grid < c1)
        theta[m] = (1.0 + rep.overshoot) * rep.concentric_profile.position((grid[m] - c0) / (c1 - c0))
        m = (grid >= c1) & (grid < t1)
        theta[m] = 1.0 if rep.settle_s <= 0 else 1.0 + rep.overshoot * (1.0 - min_jerk((grid[m] - c1) / rep.settle_s))
        m = (grid >= t1) & (grid < e1)
        theta[m] = 1.0 - rep.eccentric_profile.position((grid[m] - t1) / (e1 - t1))
        nxt = bounds[k + 1][0] if k + 1 < len(bounds) else lay.end_set
        rep_span = (grid >= c0) & (grid < nxt)
        rom_scale[rep_span] = rep.rom_scale
        tilt[rep_span] = rep.tilt_deg
        drop[rep_span] = rep.drop_deg
        if steps:
            walk[rep_span] = 1.0 if k < len(reps) / 2 else -1.0
    return theta, rom_scale, tilt, drop, walk


def _fidgets(cfg: SimConfig, grid: np.ndarray, lay: _Layout, setup: np.ndarray, rng: np.random.Generator):
    """Small extra rotations (deg, earth frame): set-up and re-rack fidgets, and posture tremor during holds."""
    fidget = np.zeros((len(grid), 3))
    if cfg.fidget:
        for w0, w1 in (lay.fidget_in, (lay.end_set, lay.rerack_end + 0.2)):
            for _ in range(3):
                c = rng.uniform(w0 + 0.3, max(w0 + 0.4, w1 - 0.6))
                width = rng.uniform(0.4, 0.9)
                amp = rng.normal(0, 4.0, 3)
                u = (grid - (c - width / 2)) / width
                bump = np.where((u > 0) & (u < 1), np.sin(np.pi * np.clip(u, 0, 1)) ** 2, 0.0)
                fidget += bump[:, None] * amp
    # Posture tremor during holds (a real lifter is never perfectly still): ~0.15° at 1–4 Hz, band-limited.
    tremor = np.zeros((len(grid), 3))
    for f in (1.3, 2.7, 3.9):
        tremor += 0.05 * np.sin(2 * np.pi * f * grid[:, None] + rng.uniform(0, 2 * np.pi, 3))
    return fidget + tremor * setup[:, None]


def _hold_creep(grid: np.ndarray, lay: _Layout, creep: float, rng: np.random.Generator) -> np.ndarray:
    """A slow bump (sin², share of the range, amplitude uniform in ±`creep` × the hold's length in s) over each
    top and bottom hold."""
    out = np.zeros(len(grid))
    ends = [b[0] for b in lay.bounds[1:]] + [lay.end_set]
    for (c0, c1, t1, e1, _), nxt in zip(lay.bounds, ends):
        for h0, h1 in ((c1, t1), (e1, nxt)):
            if h1 - h0 > 0.2:
                u = np.clip((grid - h0) / (h1 - h0), 0.0, 1.0)
                out += rng.uniform(-creep, creep) * (h1 - h0) * np.sin(np.pi * u) ** 2
    return out


def _sway(grid: np.ndarray, amplitude_deg: float, rng: np.random.Generator) -> np.ndarray:
    """Postural sway (°): two slow sines with random amplitudes (up to `amplitude_deg`), frequencies and phases."""
    out = np.zeros(len(grid))
    for _ in range(2):
        f = rng.uniform(0.2, 0.9)
        out += rng.uniform(0.0, amplitude_deg) * np.sin(2 * np.pi * f * grid + rng.uniform(0, 2 * np.pi))
    return out


def build_timeline(cfg: SimConfig, reps: list[PlannedRep], rng: np.random.Generator):
    """Internal grid, pose, the exact phase boundaries (s), the standing interval and the named set-up moves."""
    lead = 0.5
    stand_end = lead + cfg.standing_s
    lay = _layout(cfg, reps, rng, stand_end)
    grid = np.arange(0.0, lay.total, 1.0 / INTERNAL_RATE_HZ)
    theta, rom_scale, tilt, drop, walk = _rep_traces(cfg, reps, lay, grid)
    setup = np.clip(_staged(grid, lay.setup_start, lay.stages_in) - _staged(grid, lay.rerack_start, lay.stages_out),
                    0.0, 1.0)
    fidget = _fidgets(cfg, grid, lay, setup, rng)
    if cfg.hold_creep > 0 and not exercise(cfg.exercise).steps:
        theta += _hold_creep(grid, lay, cfg.hold_creep, rng.spawn(1)[0])  # spawned: the other draws stay the same
    sway = None
    if cfg.sway_deg > 0 and not exercise(cfg.exercise).steps:
        rom_deg = cfg.rom_deg or exercise(cfg.exercise).default_rom_deg
        sway = _sway(grid, cfg.sway_deg, rng.spawn(1)[0]) / rom_deg  # shares of the range, as theta
    for move in lay.moves:
        bump = move.bump(grid)
        theta += move.theta * bump
        fidget += bump[:, None] * np.array(move.rotvec_deg)
    heading, gait, gait_phase = _walking(grid, list(lay.walks))
    pose = Pose(theta, rom_scale, tilt, drop, setup, fidget, walk, heading, gait, gait_phase, sway)
    standing = (lead, stand_end) if cfg.standing_s > 0 and not cfg.floor_start else None
    blocks = []
    if cfg.big_setup or cfg.station_moves or cfg.settle_lift or cfg.quick_rerack:
        pads = cfg.station_moves and exercise(cfg.exercise).stance in PAD_STANCES
        blocks = _blocks(exercise(cfg.exercise).stance, lay.walks, lay.moves, (lay.setup_start, lay.stages_in),
                         (lay.rerack_start, lay.stages_out), pads)
    return grid, pose, lay.bounds, standing, blocks


STAGE_NAMES = {  # set-up stages in, re-rack stages out, by stance (two-stage names; one stage: set_up / re_rack)
    "side_lying": (("kneel", "lie_down"), ("push_up", "stand_up")),
    "prone": (("kneel", "lie_down"), ("push_up", "stand_up")),
    "all_fours": (("kneel", "hands_down"), ("kneel_up", "stand_up")),
    "seated": (("sit_down", "sit_back"), ("sit_forward", "stand_up")),
}
DEFAULT_STAGE_NAMES = (("sit_down", "lie_back"), ("sit_up", "stand_up"))


def _blocks(stance: str, walks, moves, stages_in, stages_out, pads: bool) -> list[tuple[str, float, float]]:
    """Named set-up moves (name, start s, end s) in time order."""
    names_in, names_out = STAGE_NAMES.get(stance, DEFAULT_STAGE_NAMES)
    out = []
    for start, stages, names, single in (stages_in + (names_in, "set_up"), stages_out + (names_out, "re_rack")):
        t = start
        for (_, move_s, hold_s), name in zip(stages, names if len(stages) > 1 else (single,)):
            out.append((name, t, t + move_s))
            t += move_s + hold_s
    out += [(walk.name, walk.t0, walk.t1) for walk in walks]
    pad_names = iter(("legs_onto_pads", "legs_off_pads"))
    for move in moves:
        name = next(pad_names) if pads and move.rotvec_deg != (0.0, 0.0, 0.0) else "settle_lift"
        out.append((name, move.t0, move.t0 + move.duration_s))
    return sorted(out, key=lambda b: b[1])


def _walking(grid: np.ndarray, walks: list[_Walk]):
    """Heading (deg), gait envelope and step phase (rad) of the walks on the grid; Nones when there is none."""
    if not walks:
        return None, None, None
    heading, gait, phase = np.zeros_like(grid), np.zeros_like(grid), np.zeros_like(grid)
    for w in walks:
        ramp = 0.6
        env = np.minimum(min_jerk((grid - w.t0) / ramp), min_jerk((w.t1 - grid) / ramp))
        gait += env
        phase += np.where(env > 0, 2 * np.pi * w.cadence_hz * (grid - w.t0), 0.0)
        mid = 0.5 * (w.t0 + w.t1)
        heading += w.turn_deg * min_jerk((grid - mid) / (w.t1 - mid))
    return heading, gait, phase


