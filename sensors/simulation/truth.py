"""The ground truth of a simulated set, from the commanded motion only: phase boundaries, ranges, tilt and
drop, rise and velocities, fault labels by the shared rules (`sensors/rules.py`), steps; and time shifts."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sensors.exercises import exercise
from sensors.rules import RepValues, label_faults, tolerance_s
from sensors.simulation.config import SimConfig
from sensors.simulation.motions import thigh_range_factor
from sensors.simulation.plan import PlannedRep

if TYPE_CHECKING:
    from scipy.spatial.transform import Rotation as R


def _tilt_truth(rot_seg: R, idx: np.ndarray) -> np.ndarray:
    """Posterior tuck at the top relative to the standing pelvis carried into torso-horizontal lockout (deg)."""
    sup = rot_seg[idx].apply([0.0, 0.0, 1.0])
    return np.degrees(np.arcsin(np.clip(-sup[:, 2], -1, 1)))


def _drop_truth(rot_seg: R, idx: np.ndarray) -> tuple[np.ndarray, list[str]]:
    left = rot_seg[idx].apply([0.0, 1.0, 0.0])
    incl = np.degrees(np.arcsin(np.clip(left[:, 2], -1, 1)))  # + left end higher
    return np.abs(incl), ["right" if v > 0 else "left" for v in incl]


def primary_placement_of(cfg: SimConfig) -> str:
    thighs = [p for p in cfg.placements if p.startswith("thigh")]
    if exercise(cfg.exercise).thigh_led and thighs:
        return thighs[0]
    return "pelvis" if "pelvis" in cfg.placements else cfg.placements[0]


def _angle_about_axis(rot: R, ref: R, axis_seg: np.ndarray) -> np.ndarray:
    rv = (ref.inv() * rot).as_rotvec()
    return np.degrees(rv @ axis_seg)



RISE_BOTTOM_WINDOW_S = 0.2  # the bottom hold's height: its mean over this before the lift (as docs/conventions.md)


def add_rise_truth(truth: dict, grid: np.ndarray, z_m: np.ndarray, bounds, name: str) -> None:
    """Per rep of a hip-extension lift, from the sensor's commanded height: `rise_m` (mean height over the top
    pause − mean height over the last 0.2 s before the lift), mean concentric velocity (height change over the
    lift / its duration) and peak concentric velocity (m/s); None for the other exercises (no lift)."""
    vz = np.gradient(z_m, grid)
    for rep, (c0, c1, t1, _, _) in zip(truth["reps"], bounds):
        if not exercise(name).hip_extension:
            rep.update(rise_m=None, mean_concentric_velocity_mps=None, peak_concentric_velocity_mps=None)
            continue
        bottom = (grid >= c0 - RISE_BOTTOM_WINDOW_S) & (grid < c0)
        top = (grid >= c1) & (grid <= t1) if t1 > c1 else np.abs(grid - c1) == np.min(np.abs(grid - c1))
        lift = (grid >= c0) & (grid <= c1)
        z_at = lambda t: float(np.interp(t, grid, z_m))  # noqa: E731
        rep.update(rise_m=float(z_m[top].mean() - z_m[bottom].mean()),
                   mean_concentric_velocity_mps=(z_at(c1) - z_at(c0)) / (c1 - c0),
                   peak_concentric_velocity_mps=float(vz[lift].max()))



_TIME_KEYS = ("start_s", "end_s", "t_s")


def shift_times(obj, dt: float):
    """A copy of a truth dict/list with every time stamp (`start_s`, `end_s`, `t_s`, the `standing_s` interval)
    moved by `dt` s."""
    if isinstance(obj, dict):
        return {k: (v + dt if k in _TIME_KEYS and isinstance(v, (int, float))
                    else [x + dt for x in v] if k == "standing_s" and v is not None else shift_times(v, dt))
                for k, v in obj.items()}
    if isinstance(obj, list):
        return [shift_times(v, dt) for v in obj]
    return obj



def set_truth(cfg, reps, bounds, grid, pose, rots, mounts, standing, rom_deg) -> dict:
    """The set's truth: its header, then its steps or its reps (phases, range, tilt, drop, labelled faults)."""
    out = _truth_header(cfg, mounts, standing)
    if exercise(cfg.exercise).steps:
        out["steps"] = _lead_trail_steps(bounds) if cfg.band_steps == "lead_trail" else _pulse_steps(bounds, len(reps))
        return out
    top_idx = np.array([np.searchsorted(grid, 0.5 * (c1 + t1)) for (_, c1, t1, _, _) in bounds])
    tilt_abs = _tilt_truth(rots["pelvis"], top_idx)
    if exercise(cfg.exercise).tilt_reference != "standing":
        tilt_abs = np.array([r.tilt_deg for r in reps])  # no standing carry-over: only the set reference exists
    tilt_set = tilt_abs - np.median(tilt_abs)
    drop, drop_side = _drop_truth(rots["pelvis"], top_idx)
    roms = np.array([_rom_truth(cfg, out["primary_placement"], rom_deg, r) for r in reps])
    median_scale = float(np.median([r.rom_scale for r in reps]))
    posture = "pelvis" in cfg.placements and exercise(cfg.exercise).hip_extension
    tilt_report = tilt_abs if out["tilt_reference"] == "standing" else tilt_set
    for k, (rep, bound) in enumerate(zip(reps, bounds), start=1):
        tilt = float(tilt_report[k - 1]) if posture else None
        dr = float(drop[k - 1]) if posture else None
        pause_before = reps[k - 2].bottom_pause_s if k > 1 else None
        row = _rep_truth(k, bound)
        row.update(rom_deg=float(roms[k - 1]), rom_placement=out["primary_placement"], tilt_sagittal_deg=tilt,
                   tilt_sagittal_set_deg=float(tilt_set[k - 1]) if tilt is not None else None,
                   pelvic_drop_deg=dr, pelvic_drop_side=drop_side[k - 1] if dr is not None else None,
                   faults=_rep_faults(cfg, rep, pause_before, rep.rom_scale / median_scale, tilt, dr),
                   commanded_faults=list(rep.faults_cmd))
        out["reps"].append(_rep_extras(cfg, rep, row))
    return out


def _truth_header(cfg: SimConfig, mounts: dict, standing) -> dict:
    """What the truth says of the whole set (no reps or steps yet)."""
    tempo_target = None if exercise(cfg.exercise).steps else {
        "eccentric_s": cfg.eccentric_s, "bottom_pause_s": cfg.bottom_pause_s,
        "concentric_s": cfg.concentric_s, "top_pause_s": cfg.top_pause_s,
    }
    return {
        "simulated": True,
        "exercise": cfg.exercise,
        "side": cfg.side,
        "placements": list(cfg.placements),
        "primary_placement": primary_placement_of(cfg),
        "rates_hz": dict(zip(cfg.placements, map(float, cfg.rates_hz))),
        "mounting": {p: rot_wxyz(m) for p, m in mounts.items()},
        "standing_s": list(standing) if standing else None,
        "standing_pose": bool(standing),
        "tempo_target": tempo_target,
        "tilt_reference": "standing" if standing and exercise(cfg.exercise).tilt_reference == "standing" else "set",
        "reps": [],
        "steps": [],
    }


def _pulse_steps(bounds, n_reps: int) -> list[dict]:
    """Band walk, pulse steps: one step per widening; the first half travel left."""
    return [{"index": k, "t_s": c0, "side": "left" if k <= n_reps / 2 else "right", "duration_s": e1 - c0}
            for k, (c0, _, _, e1, _) in enumerate(bounds, start=1)]


def _rep_faults(cfg: SimConfig, rep: PlannedRep, pause_before: float | None, fraction: float, tilt, drop) -> list[str]:
    """The truth labels: the fault rules (sensors/rules.py) applied to the commanded values; the range fraction is
    the commanded hip range (an arch shortens the pelvis's rotation, not the lift)."""
    floor = cfg.eccentric_s - tolerance_s(cfg.eccentric_s)
    return list(label_faults(RepValues(rep.eccentric_s, rep.top_pause_s, rep.concentric_s, pause_before,
                                       float(fraction), tilt, drop, floor)))


def _rep_truth(k: int, bound) -> dict:
    """One rep's index, span, phases and durations."""
    c0, c1, t1, e1, b1 = bound
    phases = [
        {"name": "concentric", "start_s": c0, "end_s": c1},
        {"name": "top_pause", "start_s": c1, "end_s": t1},
        {"name": "eccentric", "start_s": t1, "end_s": e1},
    ]
    if b1 is not None:
        phases.append({"name": "bottom_pause", "start_s": e1, "end_s": b1})
    return {
        "index": k,
        "start_s": c0,
        "end_s": b1 if b1 is not None else e1,
        "phases": phases,
        "concentric_s": c1 - c0,
        "top_pause_s": t1 - c1,
        "eccentric_s": e1 - t1,
        "bottom_pause_s": (b1 - e1) if b1 is not None else None,
    }


def _rep_extras(cfg: SimConfig, rep: PlannedRep, row: dict) -> dict:
    """The technique patterns' truth, where they are on: overshoot and settle, the block, the onset profiles."""
    if cfg.overshoot:
        row.update(overshoot_fraction=rep.overshoot, settle_s=rep.settle_s)
    if cfg.blocks:
        row["block"] = rep.block
    if cfg.onsets != "classic":  # for diagnosis (the classic pair is the same on every rep)
        row["profiles"] = {"concentric": rep.concentric_profile.label, "eccentric": rep.eccentric_profile.label}
    return row


def _rom_truth(cfg: SimConfig, primary: str, rom_deg: float, rep: PlannedRep) -> float:
    """The primary segment's commanded range over a rep (deg): peak to peak, the overshoot and (pelvis on a
    hip-extension lift) the tuck included; a thigh on a thrust or bridge turns THIGH_RANGE_FACTOR × the range."""
    hip_extension = exercise(cfg.exercise).hip_extension
    if primary == "pelvis":
        rom = rom_deg * rep.rom_scale + (rep.tilt_deg if hip_extension else 0.0)
    elif hip_extension and (not exercise(cfg.exercise).single_leg or primary == f"thigh_{cfg.side or 'left'}"):
        rom = thigh_range_factor(cfg.exercise) * rom_deg
        rom *= rep.rom_scale
    else:
        rom = rom_deg * rep.rom_scale
    return rom * (1.0 + rep.overshoot)


def _lead_trail_steps(bounds) -> list[dict]:
    """Band walk, lead and trail: each widening (lead leg) and narrowing (trail leg) is a step, lift-off to
    touch-down; the first half of the cycles travel left."""
    steps: list[dict] = []
    for k, (c0, c1, t1, e1, _) in enumerate(bounds):
        side = "left" if k < len(bounds) / 2 else "right"
        other = "right" if side == "left" else "left"
        for role, leg, t0, t_end in (("lead", side, c0, c1), ("trail", other, t1, e1)):
            steps.append({"index": len(steps) + 1, "t_s": t0, "side": side, "duration_s": t_end - t0,
                          "leg": leg, "role": role})
    return steps


def rot_wxyz(rot: R) -> list[float]:
    x, y, z, w = rot.as_quat()
    return [float(w), float(x), float(y), float(z)]


