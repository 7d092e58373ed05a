"""Shared test setup: headless Qt, repository paths."""
import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# `record` and `live` add their workouts to the training history: never the user's database in a test run, also
# for subprocesses started with an environment copied at import time (each test also gets its own, below)
os.environ["REPSCOPE_DB"] = os.path.join(tempfile.mkdtemp(prefix="repscope-tests-"), "history.db")
# `live` and `record` save every session in the user's data folder unless told where: a test run's own
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="repscope-tests-data-")

REPO = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO / "recordings" / "demo"
BROAD_DIR = REPO.parent / "shared" / "data" / "broad"


@pytest.fixture(autouse=True)
def history_db(tmp_path, monkeypatch):
    """`record` and `live` add their workouts to the training history: in a test, a fresh database in the test's
    own folder, never the user's."""
    path = tmp_path / "history.db"
    monkeypatch.setenv("REPSCOPE_DB", str(path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return path


def run_while_polling(poll, run, period_ms: int = 50):
    """Call `run()` — a command that runs its own Qt event loop (a window) — while that loop calls `poll` every
    `period_ms`: how the window tests press keys and move the slider at chosen moments."""
    from PySide6 import QtCore

    timer = QtCore.QTimer()
    timer.timeout.connect(poll)
    timer.start(period_ms)
    try:
        return run()
    finally:
        timer.stop()
