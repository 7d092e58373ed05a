"""`repscope doctor`: the checks, each on a machine state written out for the test, and the command end to end."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from ui.cli import main
from ui.commands.doctor import (
    FAIL,
    OK,
    WARN,
    apt_package,
    check_bluetooth,
    check_qt,
    missing_libraries,
    qt_plugin_dir,
)

# `ldd` output on a fresh Ubuntu 24.04 for Qt 6's libqxcb.so (format: "\tsoname => path (address)")
LDD = """\tlinux-vdso.so.1 (0x00007ffd5a1f2000)
\tlibQt6XcbQpa.so.6 => /venv/lib/python3.12/site-packages/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x000079b0a9a00000)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x000079b0a99d0000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x000079b0a9600000)
"""


def test_missing_libraries_are_read_from_ldd_once_each():
    assert missing_libraries(LDD) == ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert missing_libraries("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


@pytest.mark.parametrize("soname, package", [
    ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"), ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"), ("libEGL.so.1", "libegl1"), ("libdbus-1.so.3", "libdbus-1-3"),
])
def test_each_library_maps_to_the_apt_package_that_ships_it(soname, package):
    assert apt_package(soname) == package


def test_a_missing_platform_plugin_fails(tmp_path):
    findings = check_qt(tmp_path, platform="linux")
    assert findings[0].status == FAIL and "libqxcb.so is missing" in findings[0].detail


def test_the_real_xcb_plugin_is_judged_by_its_ldd_output():
    plugin_dir = qt_plugin_dir()
    ldd = shutil.which("ldd")
    if plugin_dir is None or ldd is None or not (plugin_dir / "libqxcb.so").exists():
        pytest.skip("no PySide6 xcb plugin or ldd here")
    missing = missing_libraries(subprocess.run([ldd, str(plugin_dir / "libqxcb.so")], capture_output=True,
                                               text=True).stdout)
    xcb = next(f for f in check_qt(plugin_dir, platform="linux") if f.area == "Qt plugin xcb")
    if missing:
        assert xcb.status == FAIL and all(s in xcb.detail for s in missing)
        assert xcb.fix.startswith("sudo apt-get install " + " ".join(apt_package(s) for s in missing))
    else:
        assert xcb.status == OK


def _sysfs(root, adapters=("hci0",), rfkill=None):
    for a in adapters:
        (root / "class" / "bluetooth" / a).mkdir(parents=True)
    if rfkill is not None:
        dev = root / "class" / "rfkill" / "rfkill0"
        dev.mkdir(parents=True)
        for name, value in {"type": "bluetooth", "name": "hci0", **rfkill}.items():
            (dev / name).write_text(value + "\n")
    return root


def test_bluetooth_without_an_adapter_says_what_to_plug_in(tmp_path):
    findings = check_bluetooth(_sysfs(tmp_path, adapters=()), tmp_path / "bus", platform="linux", groups=())
    assert [f.status for f in findings] == [FAIL]
    assert "no /sys/class/bluetooth/hci*" in findings[0].detail and "docs/devices.md" in findings[0].fix


def test_bluetooth_blocked_by_rfkill_and_without_dbus_fails_with_the_commands(tmp_path):
    root = _sysfs(tmp_path / "sys", rfkill={"soft": "1", "hard": "0"})
    findings = {f.area: f for f in check_bluetooth(root, tmp_path / "bus", platform="linux", groups=())}
    assert findings["Bluetooth adapter"].status == OK and findings["Bluetooth adapter"].detail == "hci0"
    switched = findings["Bluetooth switched on"]
    assert switched.status == FAIL and "hci0 (soft)" in switched.detail
    assert switched.fix.startswith("rfkill unblock bluetooth")
    assert findings["Bluetooth service"].status == FAIL and "systemctl start" in findings["Bluetooth service"].fix


def test_bluetooth_ready(tmp_path):
    root = _sysfs(tmp_path / "sys", rfkill={"soft": "0", "hard": "0"})
    bus = tmp_path / "bus"
    bus.write_text("")
    findings = check_bluetooth(root, bus, platform="linux", groups=("bluetooth",))
    assert [f.status for f in findings] == [OK, OK, OK]


def test_bluetooth_on_macos_points_to_the_privacy_setting(tmp_path):
    (f,) = check_bluetooth(tmp_path, tmp_path, platform="darwin")
    assert f.status == OK and "Privacy & Security" in f.fix


def test_doctor_end_to_end_prints_every_area_and_what_to_do(capsys):
    rc = main(["doctor"])
    out = capsys.readouterr().out
    for area in ("package numpy", "package PySide6-Essentials", "Qt plugin xcb", "audio output", "spoken coaching",
                 "Bluetooth"):
        assert area in out
    statuses = [line.split()[0] for line in out.splitlines() if line[:4].strip() in (OK, WARN, FAIL)]
    assert rc == (1 if FAIL in statuses else 0)
    assert ("What to do:" in out) == any(s != OK for s in statuses)


def test_voice_is_checked_with_its_latency_and_honest_about_hearing_it():
    from ui.commands.doctor import check_voice
    from ui.speech import EspeakVoice, audio_output

    (f,) = check_voice()
    if not EspeakVoice().available:
        assert f.status == WARN and "espeak-ng" in f.fix
    elif isinstance(audio_output(), str):  # synthesises, but no device: not "ok"
        assert f.status == WARN and "nothing can be heard" in f.detail and "ms after the request" in f.detail
    else:
        assert f.status == OK and "ms after the request" in f.detail
