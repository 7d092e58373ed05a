"""Shared test setup: headless Qt, repository paths."""
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
DEMO_DIR = REPO / "recordings" / "demo"
BROAD_DIR = REPO.parent / "shared" / "data" / "broad"
