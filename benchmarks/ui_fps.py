"""Live window smoothness: redraw rate and UI-thread CPU with two sensors at 200 Hz streaming in real time.

    python benchmarks/ui_fps.py [--seconds 20] [--rate 200]

Runs the real window on Qt's offscreen platform fed by two virtual sensors (simulated hip-thrust set, pelvis +
thigh) through the same `Session` the BLE path uses. Counts the paints of the trace plot (frames actually
redrawn) and the main (UI) thread's CPU time over the wall time. Targets: ≥ 30 fps, UI thread < 30 % of a core.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6 import QtCore  # noqa: E402

from analysis.tempo import parse_tempo  # noqa: E402
from sensors.simulation import SimConfig, simulate_set  # noqa: E402
from sensors.source import VirtualSensorSource  # noqa: E402
from ui.app import qt_app  # noqa: E402
from ui.live_window import LiveWindow  # noqa: E402
from ui.session import Session  # noqa: E402


class PaintCounter(QtCore.QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt API)
        if event.type() == QtCore.QEvent.Type.Paint:
            self.count += 1
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--rate", type=float, default=200.0)
    args = ap.parse_args()
    app = qt_app()
    sim = simulate_set(
        SimConfig(reps=12, placements=("pelvis", "thigh_left"), rates_hz=(args.rate, args.rate),
                  faults=(("rushed", (2,)),)), 1
    )
    session = Session(VirtualSensorSource(sim, speed=1.0), "hip_thrust", parse_tempo("3-1-1-1"))
    win = LiveWindow(session, "benchmark")
    counter = PaintCounter()
    win.angle_plot.viewport().installEventFilter(counter)
    win.show()
    session.start()
    warmup_s = 3.0
    marks = {}

    def mark(name: str) -> None:
        marks[name] = (time.monotonic(), time.thread_time(), counter.count, win.frames)

    QtCore.QTimer.singleShot(int(warmup_s * 1000), lambda: mark("start"))
    QtCore.QTimer.singleShot(int((warmup_s + args.seconds) * 1000), lambda: (mark("end"), win.close()))
    app.exec()
    (w0, c0, p0, f0), (w1, c1, p1, f1) = marks["start"], marks["end"]
    wall = w1 - w0
    print(f"live window, 2 sensors × {args.rate:.0f} Hz, real time, {wall:.1f} s measured after "
          f"{warmup_s:.0f} s warm-up (offscreen)")
    print(f"  trace plot repaints: {(p1 - p0) / wall:.1f} fps (target ≥ 30)")
    print(f"  snapshots drawn:     {(f1 - f0) / wall:.1f} per s")
    print(f"  UI thread CPU:       {(c1 - c0) / wall:.1%} of a core (target < 30 %)")
    snap = win._snap
    if snap is not None:
        print(f"  reps at the end: {len(win.reps)}; stream time {snap.t_s:.1f} s")


if __name__ == "__main__":
    main()
