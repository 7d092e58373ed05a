"""Regenerate docs/img/history-report.png and docs/img/history-hip-thrust.png (no display needed):

    python docs/history_report.py

A simulated eight-week season (four exercises, a session every ~4.7 days, the lowering growing toward the
prescribed 3 s and arching fading out) is imported with `repscope batch`, the hip thrusts annotated with a load
rising from 60 to 100 kg and an RPE, and `repscope history --report` written; the report is rendered by Qt's
rich-text engine (as docs/screenshots.py does for the session report) and the hip-thrust chart saved as it is.
"""
from __future__ import annotations

import base64
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "docs" / "img"
FILES = 48


def main() -> None:
    from docs.screenshots import render_report
    from tests.season import write_season
    from ui.cli import main as cli
    from ui.history.db import HistoryDB
    from ui.history.store import load_sessions

    with tempfile.TemporaryDirectory() as tmp:
        folder, db, html = Path(tmp) / "season", Path(tmp) / "history.db", Path(tmp) / "history.html"
        write_season(folder, FILES, reps=6, days_apart=4.7, seed=3)
        assert cli(["batch", str(folder), "--db", str(db), "--athlete", "Ana"]) == 0
        with HistoryDB(db) as h:
            hips = [s for s in load_sessions(h, exercise="hip_thrust")]
        for k, s in enumerate(hips):
            load = 60 + 40 * k / max(len(hips) - 1, 1)
            assert cli(["annotate", str(s.id), "1", "--load-kg", f"{round(load / 2.5) * 2.5:g}",
                        "--rpe", f"{7 + (k % 3) * 0.5:g}", "--db", str(db)]) == 0
        assert cli(["history", "--db", str(db), "--report", str(html)]) == 0
        OUT.mkdir(parents=True, exist_ok=True)
        render_report(html, OUT / "history-report.png")
        first_chart = re.search(r"src='data:image/png;base64,([^']+)'", html.read_text()).group(1)
        (OUT / "history-hip-thrust.png").write_bytes(base64.b64decode(first_chart))
    for p in (OUT / "history-report.png", OUT / "history-hip-thrust.png"):
        print(f"{p.relative_to(REPO)}  {p.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
