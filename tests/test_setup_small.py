"""Issue 15's small set-up items: band-walk terminal table, tolerance errors blamed on the option, the Bluetooth
error's pointer, the simulator's truth speaking the analyzer's fault names, the README quick start."""
from __future__ import annotations

import json
import re

from analysis.results import Step
from sensors.rules import FAULTS
from sensors.ble import _unavailable
from tests.conftest import DEMO_DIR, REPO
from ui.cli import main
from ui.tables import step_summary


def test_band_walk_table_lists_every_step_and_the_sides(capsys):
    demo = str(DEMO_DIR / "lateral-band-walk.csv")
    assert main(["analyze", demo, "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert main(["analyze", demo]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if re.match(r"^\s+\d+\s+\d+\.\d\d\s+(left|right)\s+\d\.\d\d$", line)]
    assert len(rows) == len(d["steps"]) == 12
    for row, st in zip(rows, d["steps"]):
        assert row.split() == [str(st["index"]), f"{st['t_s']:.2f}", st["side"], f"{st['duration_s']:.2f}"]
    assert f"12 steps · cadence {d['summary']['cadence_steps_per_min']:.1f} steps/min" in out
    left = sum(st["side"] == "left" for st in d["steps"])
    assert any(line.split()[:2] == ["left", str(left)] for line in out)
    assert any(line.split()[:2] == ["right", str(12 - left)] for line in out)


def test_step_summary_per_side():
    steps = [Step(1, 0.0, "left", 0.3), Step(2, 1.0, "left", 0.5), Step(3, 2.0, "right", 0.4),
             Step(4, 4.0, "right", 0.4)]
    s = step_summary(steps)
    assert s.count == 4 and s.cadence_steps_per_min == 45.0
    left, right = s.sides
    assert (left.side, left.count, left.cadence_steps_per_min, left.mean_duration_s) == ("left", 2, 60.0, 0.4)
    assert (right.count, right.cadence_steps_per_min) == (2, 30.0)
    assert step_summary([]).sides[0].cadence_steps_per_min is None


def test_a_negative_tolerance_is_blamed_on_the_option_not_the_file(capsys):
    # the demo's tempo comes from its metadata: the error must still name --tol-s, not "metadata tempo"
    assert main(["analyze", str(DEMO_DIR / "hip-thrust.csv"), "--tol-s", "-1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "repscope: error: --tol-s -1: a tempo tolerance must be ≥ 0"
    assert main(["report", str(DEMO_DIR / "hip-thrust.csv"), "-o", "x.html", "--tol-frac", "-0.1"]) == 2
    assert "--tol-frac -0.1" in capsys.readouterr().err


def test_the_bluetooth_error_points_to_where_troubleshooting_lives():
    msg = _unavailable(RuntimeError("org.bluez not found"))
    assert "docs/devices.md → Troubleshooting" in msg and "README" not in msg
    assert "## Troubleshooting" in (REPO / "docs" / "devices.md").read_text()


def test_the_simulators_truth_uses_the_analyzers_fault_names():
    for truth in DEMO_DIR.glob("*.truth.json"):
        d = json.loads(truth.read_text())
        for one_set in d.get("sets", [d]):  # a workout's truth holds its sets
            for rep in one_set["reps"]:
                assert set(rep["faults"]) <= set(FAULTS), (truth.name, rep["faults"])


def test_readme_quick_start_makes_a_virtual_environment_first():
    readme = (REPO / "README.md").read_text()
    quick = readme[readme.index("## Quick start"):]
    quick = quick[:quick.index("\n## ", 4)]
    assert quick.index("python3 -m venv") < quick.index("pip install")
    assert "repscope doctor" in quick
    status = readme[readme.index("## Status"):]
    assert "the window is silent" not in status
