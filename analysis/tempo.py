"""Tempo notation (eccentric, bottom pause, concentric, top pause, in seconds), compliance checks and the words for
each way a rep misses its tempo.

Accepted notations (what coaches write): `3-1-1-2` and `3/1/X/0` (separated, decimals allowed: `2.5-0-1-1`), the
compact `31X0` (one character per phase) and the compact form with a two-digit phase in parentheses, `(10)0X0`.
`X` marks an explosive concentric (not timed).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.results import PHASE_NAMES, PhaseCheck, Rep, TempoTarget
# tolerance_s is re-exported: the display layers import it from here
from sensors.rules import TEMPO_TOL_FRAC, TEMPO_TOL_S, tolerance_s  # noqa: F401

TEMPO_ORDER = ("eccentric", "bottom_pause", "concentric", "top_pause")  # the order of the figures
FIGURE_NAMES = {"eccentric": "eccentric (1st figure)", "bottom_pause": "bottom pause (2nd figure)",
                "concentric": "concentric (3rd figure)", "top_pause": "top pause (4th figure)"}
# short names for tables and the live window
PHASE_SHORT = {"concentric": "lift", "top_pause": "top", "eccentric": "lower", "bottom_pause": "bottom"}
MAX_PHASE_S = 20.0
_SECONDS = re.compile(r"^\d+(?:\.\d+)?$")
_COMPACT = re.compile(r"\(\d+(?:\.\d+)?\)|.")  # one figure: a parenthesised number or a single character
_EXAMPLES = "e.g. 3-1-1-2, 3/1/X/0, 31X0 or (10)0X0"


class TempoError(ValueError):
    """A tempo that cannot be read; the message names the bad part."""


def parse_tempo(text: str, tol_s: float = TEMPO_TOL_S, tol_frac: float = TEMPO_TOL_FRAC) -> TempoTarget:
    """Parse a tempo in any accepted notation (module docstring). Seconds per phase, 0–20 s."""
    if tol_s < 0 or tol_frac < 0:
        raise TempoError(f"tempo tolerance must be ≥ 0 (got ±{tol_s:g} s, ±{tol_frac * 100:g} %)")
    raw = str(text).strip()
    figures = _split(raw)
    if len(figures) != 4:
        raise TempoError(
            f"tempo {raw!r} has {len(figures)} figure{'s' if len(figures) != 1 else ''}"
            f" ({', '.join(figures) or 'none'}),"
            f" a tempo is four figures: eccentric, bottom pause, concentric, top pause ({_EXAMPLES})"
        )
    eccentric, bottom_pause = _seconds(raw, "eccentric", figures[0]), _seconds(raw, "bottom_pause", figures[1])
    concentric, top_pause = _figure(raw, "concentric", figures[2]), _seconds(raw, "top_pause", figures[3])
    if eccentric == 0:
        raise TempoError(f"tempo {raw!r}: the eccentric (1st figure) of 0 s is not a controlled lowering")
    return TempoTarget(eccentric, bottom_pause, concentric, top_pause, tol_s, tol_frac)


def _split(raw: str) -> list[str]:
    """The figures of a tempo string, in writing order (not yet checked)."""
    seps = {c for c in raw if c in "-/"}
    if len(seps) > 1:
        raise TempoError(f"tempo {raw!r} mixes '-' and '/': use one separator ({_EXAMPLES})")
    if seps:
        return [p.strip() for p in raw.split(seps.pop())]
    compact = raw.replace(" ", "")
    depth = compact.count("(") - compact.count(")")
    if depth or re.search(r"\((?![\d.]+\))", compact):
        raise TempoError(f"tempo {raw!r}: unbalanced or empty parentheses; a two-digit phase is written (10)")
    return [m.group().strip("()") if m.group().startswith("(") else m.group() for m in _COMPACT.finditer(compact)]


def _figure(raw: str, name: str, fig: str) -> float | None:
    """Seconds of one figure, None for X where it is valid (the concentric); TempoError naming the phase when the
    figure is not valid there."""
    if fig.upper() == "X" and name == "concentric":
        return None
    return _seconds(raw, name, fig)


def _seconds(raw: str, name: str, fig: str) -> float:
    """Seconds of one figure that must be a number; TempoError naming the phase when it is not valid there."""
    where = FIGURE_NAMES[name]
    if fig.upper() == "X":
        raise TempoError(f"tempo {raw!r}: X in the {where}; X (explosive) is only meaningful for the concentric,"
                         " the 3rd figure")
    if not _SECONDS.match(fig):
        raise TempoError(f"tempo {raw!r}: the {where} {fig!r} is not a number of seconds or X")
    value = float(fig)
    if value > MAX_PHASE_S:
        raise TempoError(f"tempo {raw!r}: the {where} of {value:g} s is beyond {MAX_PHASE_S:g} s per phase")
    return value


def format_tempo(target: TempoTarget) -> str:
    c = "X" if target.concentric_s is None else f"{target.concentric_s:g}"
    return f"{target.eccentric_s:g}-{target.bottom_pause_s:g}-{c}-{target.top_pause_s:g}"


def target_s(target: TempoTarget | None, phase: str) -> float | None:
    """The prescribed seconds of one phase (None: no tempo, or an X concentric)."""
    return None if target is None else getattr(target, f"{phase}_s")


def check_rep(rep: Rep, target: TempoTarget) -> tuple[PhaseCheck, ...]:
    """Per timed phase: measured vs target, pass if within tolerance. Untimed phases are skipped:
    an `X` concentric, and the bottom pause of the last rep (the set ended)."""
    checks = []
    for name in TEMPO_ORDER:
        tgt = target_s(target, name)
        phase = rep.phase(name)
        if tgt is None or phase is None:
            continue
        err = phase.duration_s - tgt
        ok = abs(err) <= tolerance_s(tgt, target.tol_s, target.tol_frac)
        checks.append(PhaseCheck(name, phase.duration_s, tgt, ok, err))
    return tuple(checks)


def tempo_verdict(checks: tuple[PhaseCheck, ...] | None) -> str:
    """The table's tempo column: `–` (no tempo), `ok`, or the failing phases and how (`top short`, `lower long`)."""
    if checks is None:
        return "–"
    misses = [f"{PHASE_SHORT[c.name]} {'short' if c.error_s < 0 else 'long'}"
              for c in sorted(checks, key=lambda c: PHASE_NAMES.index(c.name)) if not c.ok]
    return ", ".join(misses) if misses else "ok"


# (phase, too short?) → cue template; the fault named after it already says the same thing, so it wins
_MISS_CUES = {
    ("eccentric", True): ("Lowering faster than prescribed: {m:.1f} s, target {t:g} s — control it down.",
                          "rushed_eccentric"),
    ("eccentric", False): ("Lowering slower than prescribed: {m:.1f} s, target {t:g} s.", None),
    ("top_pause", True): ("Pause longer at the top: {m:.1f} s, target {t:g} s.", "no_top_pause"),
    ("top_pause", False): ("Shorter pause at the top: {m:.1f} s, target {t:g} s — start the lowering sooner.", None),
    ("concentric", True): ("Lift slower: {m:.1f} s, target {t:g} s — drive up under control.", "momentum"),
    ("concentric", False): ("Lift faster: {m:.1f} s, target {t:g} s.", None),
    ("bottom_pause", True): ("Pause longer at the bottom: {m:.1f} s, target {t:g} s.", None),
    ("bottom_pause", False): ("Start the next lift sooner: bottom pause {m:.1f} s, target {t:g} s.", None),
}
# a pause held where none is prescribed (target 0 s)
_UNWANTED_PAUSE_CUES = {
    "top_pause": "No pause at the top prescribed: held {m:.1f} s — start the lowering at once.",
    "bottom_pause": "No pause at the bottom prescribed: held {m:.1f} s — go straight into the next lift.",
}


@dataclass(frozen=True)
class TempoMiss:
    """One phase outside its tempo band: which, how (short/long) and the cue."""

    phase: str
    short: bool
    cue: str


def tempo_misses(checks: tuple[PhaseCheck, ...] | None, faults: tuple[str, ...] = ()) -> tuple[TempoMiss, ...]:
    """Every failing phase with its cue, in the rep's order (lift, top, lower, bottom); a miss a fault's cue
    already covers is left out."""
    out = []
    for c in sorted(checks or (), key=lambda c: PHASE_NAMES.index(c.name)):
        if c.ok:
            continue
        template, fault = _MISS_CUES[(c.name, c.error_s < 0)]
        if c.target_s == 0 and c.name in _UNWANTED_PAUSE_CUES:
            template = _UNWANTED_PAUSE_CUES[c.name]
        if fault is not None and fault in faults:
            continue
        out.append(TempoMiss(c.name, c.error_s < 0, template.format(m=c.measured_s, t=c.target_s)))
    return tuple(out)
