"""`repscope live --device …` and `repscope record` without `--exercise`, over virtual BLE sensors: the set's
exercise is recognised, and what the command prints is `repscope analyze` of the recording it made."""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from sensors.recording import read_recording
from sensors.simulation import SimConfig, simulate_set
from tests.ble.test_live_device import BootingAir, _run_live, _sensors
from ui.cli import build_parser, main


def _set_lines(text: str) -> list[str]:
    """A session table's set lines (the first line names the source; notes and the file line differ)."""
    return [ln for ln in text.strip().splitlines()[1:] if not ln.startswith(("note:", "recorded"))]


def _hip_thrusts(seed: int):
    return simulate_set(SimConfig(reps=4, eccentric_s=2.0, bottom_pause_s=0.5, top_pause_s=0.5, fidget=False,
                                  rates_hz=(100.0,), tempo_jitter=0.05), seed)


@pytest.mark.timeout(90)
def test_live_device_without_exercise_recognises_the_set(qtbot, capsys, tmp_path):
    sim = _hip_thrusts(8)
    air = BootingAir(_sensors([("diy", "F0:00:00:00:02:01", sim.streams[0])]))
    out = tmp_path / "live.csv"
    argv = ["live", "--record", str(out), "--device", "F0:00:00:00:02:01", "--placement", "pelvis", "--no-history"]
    code, steps, win = _run_live(qtbot, argv, air)
    printed = capsys.readouterr().out
    assert code == 0 and steps == ["space", "q"], (steps, printed)
    ended = win.session.ended[-1]
    assert (ended.report.exercise, ended.exercise_source) == ("hip_thrust", "recognised")
    assert "hip_thrust (recognised" in printed and len(win.last_report.reps) == 4
    assert read_recording(out).meta.exercise is None
    assert main(["analyze", str(out)]) == 0
    assert _set_lines(printed) == _set_lines(capsys.readouterr().out)


@pytest.mark.timeout(90)
def test_record_without_exercise_prints_the_recognised_sets(capsys, tmp_path):
    from ui.commands import record

    sim = _hip_thrusts(21)
    air = BootingAir(_sensors([("diy", "F0:00:00:00:02:02", sim.streams[0])]))
    out = tmp_path / "rec.csv"
    duration = len(sim.streams[0].t_s) / 100.0 - 2.0
    args = build_parser().parse_args(["record", "--device", "F0:00:00:00:02:02", "--placement", "pelvis", "-o",
                                      str(out), "--duration", f"{duration:.1f}", "--no-history"])
    assert record.run(args, backend=air) == 0
    printed = capsys.readouterr().out.split("\n", 1)[1]  # after the "recorded FILE (n samples)" line
    assert "hip_thrust (recognised" in printed
    assert main(["analyze", str(out)]) == 0
    assert _set_lines(printed) == _set_lines(capsys.readouterr().out)
