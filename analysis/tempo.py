"""Tempo notation `E-B-C-T` (eccentric, bottom pause, concentric, top pause, in seconds) and compliance checks."""
from __future__ import annotations

import re

from analysis.results import PhaseCheck, Rep, TempoTarget
# tolerance_s is re-exported: the display layers import it from here
from sensors.rules import TEMPO_TOL_FRAC, TEMPO_TOL_S, tolerance_s  # noqa: F401

_FIGURE = re.compile(r"^(?:\d+(?:\.\d+)?|X)$")


class TempoError(ValueError):
    """A tempo string that is not four figures `E-B-C-T`."""


def parse_tempo(text: str, tol_s: float = TEMPO_TOL_S, tol_frac: float = TEMPO_TOL_FRAC) -> TempoTarget:
    """Parse e.g. `3-1-1-2` or `3-0-X-1` (X: explosive concentric, untimed). Seconds per figure, 0–20 s."""
    if tol_s < 0 or tol_frac < 0:
        raise TempoError(f"tempo tolerance must be ≥ 0 (got ±{tol_s} s, ±{tol_frac * 100:g} %)")
    parts = [p.strip().upper() for p in str(text).strip().split("-")]
    if len(parts) != 4 or not all(_FIGURE.match(p) for p in parts):
        raise TempoError(
            f"tempo {text!r} is not four figures E-B-C-T (eccentric-bottom pause-concentric-top pause, seconds), e.g. 3-1-1-2 or 3-0-X-1"
        )
    if "X" in (parts[0], parts[1], parts[3]):
        raise TempoError(f"tempo {text!r}: X (explosive) is only meaningful for the concentric, the third figure")
    values = [None if p == "X" else float(p) for p in parts]
    for v in values:
        if v is not None and v > 20:
            raise TempoError(f"tempo {text!r}: {v:g} s per phase is beyond 20 s")
    if values[0] == 0:
        raise TempoError(f"tempo {text!r}: an eccentric of 0 s is not a controlled lowering")
    return TempoTarget(values[0], values[1], values[2], values[3], tol_s, tol_frac)


def format_tempo(target: TempoTarget) -> str:
    c = "X" if target.concentric_s is None else f"{target.concentric_s:g}"
    return f"{target.eccentric_s:g}-{target.bottom_pause_s:g}-{c}-{target.top_pause_s:g}"


def check_rep(rep: Rep, target: TempoTarget) -> tuple[PhaseCheck, ...]:
    """Per timed phase: measured vs target, pass if within tolerance. Untimed phases are skipped:
    an `X` concentric, and the bottom pause of the last rep (the set ended)."""
    checks = []
    for name, tgt in (
        ("eccentric", target.eccentric_s),
        ("bottom_pause", target.bottom_pause_s),
        ("concentric", target.concentric_s),
        ("top_pause", target.top_pause_s),
    ):
        phase = rep.phase(name)
        if tgt is None or phase is None:
            continue
        err = phase.duration_s - tgt
        ok = abs(err) <= tolerance_s(tgt, target.tol_s, target.tol_frac)
        checks.append(PhaseCheck(name, phase.duration_s, tgt, ok, err))
    return tuple(checks)
