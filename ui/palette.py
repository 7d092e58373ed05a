"""The one palette of repscope's views: the live window and the HTML report draw phases, verdicts, sensors and
band-walk sides with these colours and names, so a colour means the same thing on the bench and in the report.

Hues are Okabe–Ito (distinguishable with the common colour-vision deficiencies). Colours are `#rrggbb` strings;
`rgb()` turns one into a tuple for Qt.
"""
from __future__ import annotations

PHASE_COLOURS = {
    "concentric": "#e69f00",  # orange: the lift
    "top_pause": "#009e73",  # bluish green: the squeeze at the top
    "eccentric": "#56b4e9",  # sky blue: the lowering
    "bottom_pause": "#cc79a7",  # reddish purple: the pause at the bottom
}
# what the lifter reads: the big live phase name and the legends
PHASE_WORDS = {"concentric": "LIFT", "top_pause": "HOLD", "eccentric": "LOWER", "bottom_pause": "BOTTOM"}
PHASE_LABELS = {"concentric": "lift", "top_pause": "pause at top", "eccentric": "lowering",
                "bottom_pause": "pause at bottom"}

OK = "#3cb44b"  # within tolerance / no fault
BAD = "#dc322f"  # outside tolerance / a fault
NEUTRAL = "#969696"  # not judged now (e.g. tilt while moving)
TARGET_BAND = "#c8c8c8"  # a tempo target's tolerance band
SIDE_COLOURS = {"left": "#0072b2", "right": "#d55e00"}  # band-walk step sides (blue / vermilion)
SENSOR_COLOURS = {"pelvis": "#f0f0f0", "thigh_left": "#e69f00", "thigh_right": "#56b4e9"}
SENSOR_COLOURS_ON_WHITE = {"pelvis": "#212529", "thigh_left": "#e69f00", "thigh_right": "#0072b2"}

# the live window's banner backgrounds
BANNER = {"neutral": "#333333", "fault": "#8b1e1e", "tempo": "#7a5a00", "good": "#1e5f2e", "done": "#1e3f6f"}
WINDOW_BACKGROUND = "#1e1e1e"


def rgb(colour: str) -> tuple[int, int, int]:
    """`#rrggbb` → (r, g, b) in 0–255."""
    c = colour.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def blend(colour: str, alpha: float, background: str = WINDOW_BACKGROUND) -> tuple[int, int, int]:
    """`colour` at opacity `alpha` pre-blended onto `background`: an opaque fill is several times cheaper for a raster
    painter than alpha blending."""
    r, g, b = (int(round(alpha * c + (1 - alpha) * bg)) for c, bg in zip(rgb(colour), rgb(background)))
    return r, g, b
