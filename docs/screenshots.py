"""Regenerate the screenshots in docs/img/ (offscreen Qt; no display needed):

    python docs/screenshots.py

- live-midset.png: `repscope live --simulate single_leg_hip_thrust` (pelvis + thigh, a rushed lowering on rep 2 and a
  hip drop on rep 4) captured 31 s into the set;
- replay-end.png: `repscope replay` of the bundled hip-thrust demo at its end;
- report.png: the HTML session report of the single-leg demo, rendered by Qt's rich-text engine.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "img"


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


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    cli("live", "--simulate", "single_leg_hip_thrust", "--placement", "pelvis", "--placement", "thigh_left",
        "--faults", "rushed:2", "drop:4", "--tempo", "3-1-1-1", "--speed", "8", "--exit-at-end",
        "--screenshot", str(OUT / "live-midset.png"), "--screenshot-at", "31")
    cli("replay", str(REPO / "recordings/demo/hip-thrust.csv"), "--speed", "max", "--exit-at-end",
        "--screenshot", str(OUT / "replay-end.png"))
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(tmp) / "report.html"
        cli("report", str(REPO / "recordings/demo/single-leg-hip-thrust.csv"), "-o", str(html))
        render_report(html, OUT / "report.png")
    for p in sorted(OUT.glob("*.png")):
        print(f"{p.relative_to(REPO)}  {p.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
