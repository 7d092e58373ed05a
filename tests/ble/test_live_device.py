"""`repscope live --device …` end to end over virtual BLE sensors: the command's own code (parser, BLE source,
session, headless window) against bumble GATT servers streaming a simulated set; the set is ended with space and
the window closed with q, and the table printed is `analyze`'s on the recording made alongside."""
from __future__ import annotations

import asyncio
import math

import pytest

pytest.importorskip("pytestqt")

from sensors.simulation import SimConfig, simulate_set  # noqa: E402
from tests.ble.backend import VirtualAir  # noqa: E402
from tests.ble.devices import NAMES, VirtualImu  # noqa: E402
from tests.conftest import run_while_polling  # noqa: E402
from ui.cli import build_parser, main  # noqa: E402
from ui.live_window import LiveWindow  # noqa: E402

DEADLINE_MS = 25_000
PACE = 8.0  # the virtual sensors stream 8× faster than real time


class BootingAir(VirtualAir):
    """A virtual radio whose sensors power on in the event loop of the first scan.

    The live session runs its BLE source in its own event loop on a worker thread, and bumble objects belong to
    the loop they were made in, so the peripherals are made there too (once, however many scans run at a time).
    """

    def __init__(self, make_imus) -> None:
        super().__init__()
        self._make_imus = make_imus
        self._boot: asyncio.Future | None = None
        self.imus: list[VirtualImu] = []
        air, base = self, self.scanner_backend

        class _Scanner(base):
            async def start(self) -> None:
                await air.boot()
                await super().start()

        self.scanner_backend = _Scanner

    async def boot(self) -> None:
        if self._boot is None:
            self.imus = self._make_imus(self)
            self._boot = asyncio.ensure_future(asyncio.gather(*(imu.start() for imu in self.imus)))
        await self._boot


def _all_delivered(win: LiveWindow, air: BootingAir) -> bool:
    """Every virtual sensor has sent its whole set and the analyzer has every sample that arrived."""
    a = win.session.analyzer
    if a is None or not air.imus or any(imu._index < len(imu.acc) for imu in air.imus):
        return False
    arrived = {st.sensor_id: st.samples for st in win.session.source.status()}
    return all(a.sensors[p].samples.total == n and n > 0 for p, n in arrived.items())


def _run_live(qtbot, argv: list[str], air: BootingAir) -> tuple[int, list[str], LiveWindow]:
    """Run `repscope live` in-process; a timer presses space once everything is in, then q (or closes at the
    deadline)."""
    from PySide6 import QtCore, QtWidgets

    from ui.commands import live

    steps: list[str] = []
    seen: list[LiveWindow] = []
    deadline = QtCore.QDeadlineTimer(DEADLINE_MS)

    def drive() -> None:
        wins = [w for w in QtWidgets.QApplication.topLevelWidgets() if isinstance(w, LiveWindow) and w.isVisible()]
        if not wins:
            return
        win = wins[0]
        seen[:] = [win]
        if deadline.hasExpired() or win.session.finished:
            win.close()
        elif not steps and _all_delivered(win, air):
            qtbot.keyClick(win, QtCore.Qt.Key.Key_Space)
            steps.append("space")
        elif steps == ["space"] and win.last_report is not None:
            qtbot.keyClick(win, QtCore.Qt.Key.Key_Q)
            steps.append("q")

    code = run_while_polling(drive, lambda: live.run(build_parser().parse_args(argv), backend=air))
    return code, steps, seen[0]


def _table_rows(text: str) -> list[str]:
    """The per-rep lines of a printed table (the heading names the source, which differs)."""
    lines = text.strip().splitlines()
    return [ln for ln in lines[1:] if not ln.startswith("recorded to")]


def _sensors(specs: list[tuple[str, str, object]]):
    """A maker of the virtual IMUs (model, address, simulated stream) for `BootingAir`."""
    def make(air):
        return [VirtualImu(air, model, NAMES[model], addr, s.acc_mps2, s.gyr_rads, pace=PACE)
                for model, addr, s in specs]
    return make


@pytest.mark.timeout(60)
@pytest.mark.parametrize("two", [False, True], ids=["one device", "two devices"])
def test_live_device_runs_the_window_on_virtual_sensors(qtbot, capsys, tmp_path, two):
    placements = ("pelvis", "thigh_left") if two else ("pelvis",)
    sim = simulate_set(SimConfig(reps=3, eccentric_s=2.0, bottom_pause_s=0.5, top_pause_s=0.5, fidget=False,
                                 placements=placements, rates_hz=(100.0,) * len(placements), tempo_jitter=0.05), 8)
    # DIY sensors (four samples a notification): the cheapest profile to run in-process next to the window
    specs = [("diy", f"F0:00:00:00:01:0{k + 1}", s) for k, s in enumerate(sim.streams)]
    air = BootingAir(_sensors(specs))
    out = tmp_path / "live.csv"
    argv = ["live", "--exercise", "hip_thrust", "--record", str(out)]
    for (_, addr, s) in specs:
        argv += ["--device", addr, "--placement", s.info.placement]
    code, steps, win = _run_live(qtbot, argv, air)
    printed = capsys.readouterr().out
    assert code == 0 and steps == ["space", "q"], (steps, printed)
    assert win.session.error is None and all(imu.error is None for imu in air.imus)
    # the window drew a curve per sensor; the sensors were disconnected at q
    assert set(win.curves) == set(placements)
    assert {st.sensor_id: st.state for st in win.session.source.status()} == {p: "stopped" for p in placements}
    assert [i.placement for i in win.session.infos] == list(placements)
    report = win.last_report
    assert len(report.reps) == 3
    # what the window printed is what `repscope analyze` says about the recording of the same samples
    assert main(["analyze", str(out)]) == 0
    analyzed = capsys.readouterr().out
    assert _table_rows(printed) == _table_rows(analyzed) and len(_table_rows(printed)) >= 5
    assert math.isfinite(win._snap.t_s)
