"""Result types of the analysis core: small frozen dataclasses, no dicts of dicts between layers.

Field names and units mirror the `repscope analyze --json` contract (docs/commands.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sensors.exercises import exercise
from sensors.rules import TEMPO_TOL_FRAC, TEMPO_TOL_S

PHASE_NAMES = ("concentric", "top_pause", "eccentric", "bottom_pause")


@dataclass(frozen=True)
class Phase:
    """One tempo phase of a rep; times in s on the recording clock."""

    name: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class TempoTarget:
    """Prescribed tempo `E-B-C-T` in s; `concentric_s is None` means `X` (explosive, not timed)."""

    eccentric_s: float
    bottom_pause_s: float
    concentric_s: float | None
    top_pause_s: float
    tol_s: float = TEMPO_TOL_S
    tol_frac: float = TEMPO_TOL_FRAC


@dataclass(frozen=True)
class PhaseCheck:
    """Tempo verdict for one phase: measured vs target, signed error (measured − target) in s."""

    name: str
    measured_s: float
    target_s: float
    ok: bool
    error_s: float


@dataclass(frozen=True)
class Rep:
    index: int
    start_s: float
    end_s: float
    phases: tuple[Phase, ...]
    rom_deg: float
    peak_speed_dps: float
    tilt_sagittal_deg: float | None = None
    pelvic_drop_deg: float | None = None
    pelvic_drop_side: str | None = None
    rise_m: float | None = None  # vertical rise of the sensor from the bottom hold to the top pause
    mean_concentric_velocity_mps: float | None = None
    peak_concentric_velocity_mps: float | None = None
    tempo_checks: tuple[PhaseCheck, ...] | None = None
    faults: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()

    def phase(self, name: str) -> Phase | None:
        for p in self.phases:
            if p.name == name:
                return p
        return None

    def _dur(self, name: str) -> float | None:
        p = self.phase(name)
        return None if p is None else p.duration_s

    @property
    def concentric_s(self) -> float | None:
        return self._dur("concentric")

    @property
    def top_pause_s(self) -> float | None:
        return self._dur("top_pause")

    @property
    def eccentric_s(self) -> float | None:
        return self._dur("eccentric")

    @property
    def bottom_pause_s(self) -> float | None:
        return self._dur("bottom_pause")

    @property
    def time_under_tension_s(self) -> float:
        return sum(d for d in (self.concentric_s, self.top_pause_s, self.eccentric_s) if d is not None)

    @property
    def tempo_ok(self) -> bool | None:
        if self.tempo_checks is None:
            return None
        return all(c.ok for c in self.tempo_checks)


@dataclass(frozen=True)
class Step:
    """One lateral band-walk step: time of the step (s), direction of travel, duration (s)."""

    index: int
    t_s: float
    side: str
    duration_s: float


@dataclass(frozen=True)
class SetReport:
    exercise: str
    placement: str
    tempo_target: TempoTarget | None
    reps: tuple[Rep, ...]
    steps: tuple[Step, ...] = ()
    tilt_reference: str | None = None  # "standing" | "set" | None (no pelvis sensor)
    calibration_confidence: float = 0.0  # 0..1, how well the body frame was determined
    calibration_notes: tuple[str, ...] = field(default_factory=tuple)
    velocity_loss_pct: float | None = None  # fastest full-range rep's mean concentric velocity to the last one's

    @property
    def counts_steps(self) -> bool:
        """The exercise is counted in steps (a band walk): `steps` hold the result, `reps` are empty."""
        return exercise(self.exercise).steps
