"""Regenerate the screenshots in docs/img/ (offscreen Qt; no display needed):

    python docs/screenshots.py

The live window at the two common laptop/monitor sizes, 1280×800 and 1920×1080:
- live-midset.png, live-midset-1920.png: a simulated single-leg hip thrust (pelvis + left thigh, tempo 3-1-1-1, a
  rushed lowering on rep 2 and a hip drop on rep 4) captured 31 s into the set, as `repscope live --simulate` shows
  it: big rep number, the phase with its count against the target, the shading legend, gauges at lockout;
- live-rest.png, live-rest-1920.png: the same set 12 s after its end: the rest timer and the last set's summary;
- live-band-walk.png, live-band-walk-1920.png: a simulated lateral band walk, mid-walk: the step counter per side
  and the step bars;
- live-clamshell.png: a simulated clamshell with a pelvis and a left-thigh sensor, mid-set: no tilt or drop gauges
  (they apply to the hip-extension lifts only);
- replay-end.png: `repscope replay` of the bundled hip-thrust demo at its end;
- report.png, report-band-walk.png, report-workout.png: the HTML reports of the single-leg and band-walk demos
  and of the bundled workout (three sets found and recognised), rendered by Qt's rich-text engine.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "img"
SIZES = {"": (1280, 800), "-1920": (1920, 1080)}
SPEED = 8.0  # simulated sets play at this multiple of real time
REST_SHOWN_S = 12.0  # the rest screenshot: this long after the set


def cli(*args: str) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, "-m", "ui.cli", *args], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def render_report(html: Path, png: Path, width: int = 1400) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtGui, QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    doc = QtGui.QTextDocument()
    doc.setHtml(html.read_text())
    doc.setTextWidth(width - 20)
    height = int(doc.size().height()) + 20
    img = QtGui.QImage(width, height, QtGui.QImage.Format.Format_RGB32)
    img.fill(QtCore.Qt.GlobalColor.white)
    painter = QtGui.QPainter(img)
    painter.translate(10, 10)
    doc.drawContents(painter)
    painter.end()
    img.save(str(png))
    del app


def live_shot(png: Path, size: tuple[int, int], config, tempo: str | None, at_s: float | None,
              linger_s: float = 0.0, seed: int = 3) -> None:
    """One simulated set in the live window (as `repscope live --simulate`), saved at stream time `at_s` (None:
    `linger_s` after the end of the stream)."""
    from analysis.tempo import parse_tempo
    from sensors.simulation import simulate_set
    from sensors.source import VirtualSensorSource
    from ui.app import run_window
    from ui.session import Session

    sim = simulate_set(config, seed)
    session = Session(VirtualSensorSource(sim, speed=SPEED), config.exercise, parse_tempo(tempo) if tempo else None,
                      config.side)
    run_window(session, f"repscope live — simulated {config.exercise}", screenshot=png, screenshot_at_s=at_s,
               exit_at_end=True, size=size, linger_s=linger_s)


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(REPO))
    from sensors.simulation import SimConfig
    from sensors.exercises import BY_NAME

    OUT.mkdir(parents=True, exist_ok=True)
    slht = SimConfig(exercise="single_leg_hip_thrust", reps=6, eccentric_s=3.0, bottom_pause_s=1.0, concentric_s=1.0,
                     top_pause_s=1.0, placements=("pelvis", "thigh_left"), rates_hz=(100.0, 100.0), side="left",
                     faults=(("rushed", (2,)), ("drop", (4,))))
    ecc, bot, con, top = BY_NAME["lateral_band_walk"].default_tempo_s  # `repscope simulate`'s default
    walk = SimConfig(exercise="lateral_band_walk", reps=12, eccentric_s=ecc, bottom_pause_s=bot, concentric_s=con,
                     top_pause_s=top, placements=("pelvis", "thigh_left"), rates_hz=(100.0, 100.0))
    clam = SimConfig(exercise="clamshell", reps=6, placements=("pelvis", "thigh_left"), rates_hz=(100.0, 100.0),
                     side="left")
    live_shot(OUT / "live-clamshell.png", SIZES[""], clam, "2-1-1-1", 20.0)
    for suffix, size in SIZES.items():
        live_shot(OUT / f"live-midset{suffix}.png", size, slht, "3-1-1-1", 31.0)
        live_shot(OUT / f"live-rest{suffix}.png", size, slht, "3-1-1-1", None, linger_s=REST_SHOWN_S)
        live_shot(OUT / f"live-band-walk{suffix}.png", size, walk, None, 18.0)
    cli("replay", "recordings/demo/hip-thrust.csv", "--speed", "max", "--exit-at-end",
        "--screenshot", str(OUT / "replay-end.png"))
    with tempfile.TemporaryDirectory() as tmp:
        for demo, png in (("single-leg-hip-thrust", "report.png"), ("lateral-band-walk", "report-band-walk.png"),
                          ("workout", "report-workout.png")):
            html = Path(tmp) / f"{demo}.html"
            cli("report", f"recordings/demo/{demo}.csv", "-o", str(html))  # relative: the page names its source
            render_report(html, OUT / png)
    for p in sorted(OUT.glob("*.png")):
        print(f"{p.relative_to(REPO)}  {p.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
