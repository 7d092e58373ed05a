"""Movement profiles: the position of one movement, 0 → 1 over its normalised time (minimum-jerk, half-cosine,
trapezoid velocity with linear or smooth ramps), and their random draw."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def min_jerk(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u**3 * (10 - 15 * u + 6 * u**2)


def _smooth_trapezoid(u: np.ndarray, ramp: float = 0.15, ramp_out: float | None = None,
                      smooth: bool = True) -> np.ndarray:
    """Position profile with a flat velocity middle and onset/offset ramps of `ramp` (and `ramp_out`, default the
    same) fraction each. `smooth`: the velocity follows a cubic smoothstep (zero velocity and acceleration at the
    boundary); else it ramps linearly (a constant acceleration from the first instant)."""
    u = np.clip(u, 0.0, 1.0)
    ramp_out = ramp if ramp_out is None else ramp_out
    # velocity shape: ramp up over [0, ramp], 1 in the middle, ramp down over [1-ramp_out, 1]
    n = 2001
    grid = np.linspace(0, 1, n)
    shape = _smoothstep3 if smooth else (lambda x: x)
    up = shape(np.clip(grid / ramp, 0, 1))
    down = shape(np.clip((1 - grid) / ramp_out, 0, 1))
    vel = np.minimum(up, down)
    pos = np.concatenate([[0.0], np.cumsum((vel[1:] + vel[:-1]) / 2)])
    pos /= pos[-1]
    return np.interp(u, grid, pos)


def _smoothstep3(u: np.ndarray) -> np.ndarray:
    return u * u * (3.0 - 2.0 * u)


PROFILE_SHAPES = ("min_jerk", "half_cosine", "trapezoid_linear", "trapezoid_smooth")
PROFILE_RAMPS = (0.10, 0.35)  # trapezoid ramp fractions drawn in this range (the independent suite's 10–35 %)


@dataclass(frozen=True)
class Profile:
    """Position profile of one movement, 0 → 1 over its normalised time u ∈ [0, 1]. `shape` (PROFILE_SHAPES):
    minimum-jerk; half-cosine (velocity a half sine: the acceleration jumps at onset); trapezoid velocity with
    linear or smoothstep ramps over the first `ramp_in` and the last `ramp_out` of the movement."""

    shape: str = "min_jerk"
    ramp_in: float = 0.15
    ramp_out: float = 0.15

    @property
    def label(self) -> str:
        if self.shape.startswith("trapezoid"):
            return f"{self.shape} {100 * self.ramp_in:.0f}/{100 * self.ramp_out:.0f} %"
        return self.shape

    def position(self, u: np.ndarray) -> np.ndarray:
        if self.shape == "min_jerk":
            return min_jerk(u)
        if self.shape == "half_cosine":
            return 0.5 * (1.0 - np.cos(np.pi * np.clip(u, 0.0, 1.0)))
        return _smooth_trapezoid(u, self.ramp_in, self.ramp_out, smooth=self.shape == "trapezoid_smooth")


CLASSIC_CONCENTRIC = Profile("min_jerk")
CLASSIC_ECCENTRIC = Profile("trapezoid_smooth", 0.15, 0.15)


def draw_profile(rng: np.random.Generator) -> Profile:
    """One movement profile: a shape of PROFILE_SHAPES, trapezoid ramps drawn in PROFILE_RAMPS."""
    shape = str(rng.choice(PROFILE_SHAPES))
    ramp_in, ramp_out = rng.uniform(*PROFILE_RAMPS, 2)
    return Profile(shape, float(ramp_in), float(ramp_out))


MOMENTUM_RAMPS = (0.08, 0.15)  # a ballistic lift's trapezoid ramps
HARD_STOP_RAMPS = (0.05, 0.10)  # the lowering before a bounce stops hard



def between(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(*bounds))
