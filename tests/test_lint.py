"""The team's gates as configured in pyproject.toml: ruff (line length ≤ 120, pyflakes, pycodestyle errors,
complexity ≤ 15, ≤ 15 branches, ≤ 50 statements a function outside tests) and mypy (the type gate)."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None,
                    reason="ruff is not installed (pip install -e '.[dev]')")
def test_ruff_check_is_clean():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"ruff check . found problems:\n{proc.stdout}{proc.stderr}"


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (pip install -e '.[dev]')")
def test_the_type_gate_holds():
    """mypy over the product's packages at the strictness in pyproject.toml (modules not yet clean are listed there
    and ignored; taking one off the list is how the gate is raised)."""
    proc = subprocess.run([sys.executable, "-m", "mypy", "analysis", "sensors", "ui"], cwd=REPO, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, f"mypy found problems:\n{proc.stdout}{proc.stderr}"
