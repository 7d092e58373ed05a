"""`repscope doctor`: is this machine ready? Checks the Python packages, the Qt platform plugin the live window
needs (naming missing system libraries and the command that installs them), audio output and Bluetooth (adapter,
switched on, service, permissions), and prints what to do. Exit code 0 when nothing blocks, 1 otherwise."""
from __future__ import annotations

import importlib
import importlib.metadata as md
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

OK, WARN, FAIL = "ok", "warn", "FAIL"

# (distribution, module to import, what it is for); extras are optional: a missing one only warns
PACKAGES = (
    ("numpy", "numpy", "analysis"), ("scipy", "scipy", "analysis"), ("pandas", "pandas", "analysis"),
    ("vqf", "vqf", "orientation"), ("bleak", "bleak", "Bluetooth sensors"), ("pyqtgraph", "pyqtgraph", "live window"),
    ("PySide6-Essentials", "PySide6.QtWidgets", "live window"), ("matplotlib", "matplotlib", "HTML report"),
)
OPTIONAL_PACKAGES = (
    ("PySide6-Addons", "PySide6.QtMultimedia", "sound (voice, metronome, fault tone)", "repscope[audio]"),
    ("pyttsx3", "pyttsx3", "spoken coaching (espeak-ng's binding)", "repscope[speech]"),
)

# Debian/Ubuntu packages of the libraries Qt's xcb plugin loads that a minimal system often lacks (the rest follow
# the Debian rule: libfoo-bar.so.N is in package libfoo-barN, libfoo1.so.N in libfoo1-N)
APT_PACKAGES = {
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1",
    "libOpenGL.so.0": "libopengl0", "libfontconfig.so.1": "libfontconfig1", "libdbus-1.so.3": "libdbus-1-3",
    "libX11-xcb.so.1": "libx11-xcb1", "libxcb.so.1": "libxcb1",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$")
_SONAME = re.compile(r"^(lib[\w+.-]*?)\.so\.(\d+)")


@dataclass(frozen=True)
class Finding:
    """One check's result: area, status (ok / warn / FAIL), what was found, and what to do (empty when ok)."""

    area: str
    status: str
    detail: str
    fix: str = ""


def register(sub) -> None:
    p = sub.add_parser("doctor", help="check this machine: packages, Qt window libraries, audio, Bluetooth",
                       description=__doc__)
    p.set_defaults(func=run)


# ------------------------------------------------------------------------------------------------ packages


def check_packages() -> list[Finding]:
    out = []
    for dist, module, use in PACKAGES:
        out.append(_package(dist, module, use, FAIL, f'pip install -e ".[dev]" (or pip install {dist})'))
    for dist, module, use, extra in OPTIONAL_PACKAGES:
        out.append(_package(dist, module, use, WARN, f'pip install "{extra}"'))
    return out


def _package(dist: str, module: str, use: str, missing: str, fix: str) -> Finding:
    try:
        version = md.version(dist)
    except md.PackageNotFoundError:
        return Finding(f"package {dist}", missing, f"not installed (needed for the {use})", fix)
    try:
        importlib.import_module(module)
    except ImportError as exc:  # installed but does not load: usually a missing system library
        return Finding(f"package {dist}", missing, f"{version} installed but `import {module}` fails: {exc}",
                       _library_fix(str(exc)) or fix)
    return Finding(f"package {dist}", OK, version)


def _library_fix(message: str) -> str:
    m = re.search(r"(lib[\w+.-]+\.so\.\d+)", message)
    return f"sudo apt-get install {apt_package(m.group(1))}" if m else ""


# ------------------------------------------------------------------------------------------------ Qt


def missing_libraries(ldd_output: str) -> list[str]:
    """The sonames `ldd` reports as `not found`, each once, in order."""
    seen: list[str] = []
    for line in ldd_output.splitlines():
        m = _NOT_FOUND.match(line)
        if m and m.group(1) not in seen:
            seen.append(m.group(1))
    return seen


def apt_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships a shared library: `libxcb-cursor.so.0` → `libxcb-cursor0`."""
    if soname in APT_PACKAGES:
        return APT_PACKAGES[soname]
    m = _SONAME.match(soname)
    if not m:
        return soname
    name, major = m.group(1), m.group(2)
    return (f"{name}-{major}" if name[-1].isdigit() else f"{name}{major}").lower()


def qt_plugin_dir() -> Path | None:
    try:
        from PySide6 import QtCore
    except ImportError:
        return None
    return Path(QtCore.QLibraryInfo.path(QtCore.QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"


def check_qt(plugin_dir: Path | None = None, platform: str = sys.platform) -> list[Finding]:
    """The platform plugin the window uses (xcb on Linux/X11, wayland under Wayland) loads: every library it
    needs is present (`ldd`), and there is a display to show it on."""
    plugin_dir = plugin_dir if plugin_dir is not None else qt_plugin_dir()
    if plugin_dir is None:
        return [Finding("Qt platform plugin", FAIL, "PySide6 is not importable", 'pip install -e ".[dev]"')]
    if not platform.startswith("linux"):
        return [Finding("Qt platform plugin", OK, f"{platform}: Qt ships the libraries its plugins need")]
    out = []
    wayland = bool(os.environ.get("WAYLAND_DISPLAY"))
    for name in (("wayland", "xcb") if wayland else ("xcb",)):
        plugin = plugin_dir / f"libq{name}.so"
        if not plugin.exists():
            out.append(Finding(f"Qt plugin {name}", FAIL, f"{plugin} is missing", "reinstall PySide6-Essentials"))
            continue
        out.append(_plugin_libraries(name, plugin))
    if not (os.environ.get("DISPLAY") or wayland):
        out.append(Finding("display", WARN, "no DISPLAY or WAYLAND_DISPLAY: the window can only run offscreen "
                           "(screenshots); `live` and `replay` need a desktop session",
                           "run from a desktop terminal, or ssh -X"))
    else:
        out.append(Finding("display", OK, os.environ.get("WAYLAND_DISPLAY") or os.environ["DISPLAY"]))
    return out


def _plugin_libraries(name: str, plugin: Path) -> Finding:
    ldd = shutil.which("ldd")
    if ldd is None:
        return Finding(f"Qt plugin {name}", WARN, "cannot check its libraries: no `ldd` on this system")
    result = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30)
    missing = missing_libraries(result.stdout + result.stderr)
    if not missing:
        return Finding(f"Qt plugin {name}", OK, f"{plugin.name}: all libraries found")
    packages = " ".join(dict.fromkeys(apt_package(s) for s in missing))
    return Finding(f"Qt plugin {name}", FAIL, f"the window would abort: missing {', '.join(missing)}",
                   f"sudo apt-get install {packages}   (Fedora: dnf install xcb-util-cursor xcb-util-wm "
                   "xcb-util-keysyms)")


# ------------------------------------------------------------------------------------------------ audio


def check_audio() -> list[Finding]:
    """QtMultimedia loads and lists an audio output device."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError as exc:
        return [Finding("audio output", WARN, f"no sound: QtMultimedia unavailable ({exc})",
                        'pip install "repscope[audio]"; on Linux also sudo apt-get install libpulse0')]
    from PySide6 import QtCore

    _app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([sys.argv[0]])  # noqa: F841
    outputs = QMediaDevices.audioOutputs()
    if not outputs:
        return [Finding("audio output", WARN, "QtMultimedia loads but sees no audio output device",
                        "plug in speakers or headphones; on Linux check PulseAudio/PipeWire (`pactl info`)")]
    return [Finding("audio output", OK, QMediaDevices.defaultAudioOutput().description() or outputs[0].description())]


def check_voice() -> list[Finding]:
    """espeak-ng synthesises the coach's words (to a buffer: no device needed), with its measured latency; whether
    they can be heard is the audio output's finding."""
    import numpy as np

    from ui.speech import EspeakVoice, audio_output

    voice = EspeakVoice()
    if not voice.available:
        return [Finding("spoken coaching", WARN, voice.reason,
                        'pip install "repscope[speech]"; sudo apt-get install espeak-ng (macOS: brew install '
                        "espeak-ng; Windows: the espeak-ng installer)")]
    words = [voice.say(w) for w in ("one", "two", "three", "down", "hold", "up", "slow the lowering")]
    synth_ms = 1e3 * max(u.synth_s for u in words[1:])  # the first one also loads the voice
    onset_ms = 1e3 * float(np.median([u.onset_s for u in words]))
    heard = "" if not isinstance(audio_output(), str) else " — but nothing can be heard: no audio output (above)"
    return [Finding("spoken coaching", OK if not heard else WARN,
                    f"espeak-ng at {voice.rate_hz} Hz: first sample {synth_ms:.1f} ms after the request (first word "
                    f"{1e3 * words[0].synth_s:.0f} ms), speech starts {onset_ms:.0f} ms into it; counts are "
                    f"started that much early{heard}")]


# ------------------------------------------------------------------------------------------------ Bluetooth


def check_bluetooth(sys_root: Path = Path("/sys"), dbus_socket: Path = Path("/run/dbus/system_bus_socket"),
                    platform: str = sys.platform, groups: tuple[str, ...] | None = None) -> list[Finding]:
    """Linux: an adapter in sysfs, not blocked by rfkill, the system D-Bus BlueZ listens on, and the user's
    permission to reach it. Elsewhere the OS's Bluetooth settings decide (`repscope scan` tries it)."""
    if not platform.startswith("linux"):
        where = ("System Settings → Privacy & Security → Bluetooth for your terminal app" if platform == "darwin"
                 else "Bluetooth on in Settings")
        return [Finding("Bluetooth", OK, f"{platform}: checked by the OS when scanning", f"if `repscope scan` "
                        f"fails: {where}")]
    out = []
    adapters = sorted(p.name for p in (sys_root / "class" / "bluetooth").glob("hci*"))
    if not adapters:
        return [Finding("Bluetooth adapter", FAIL, "none found (no /sys/class/bluetooth/hci*)",
                        "plug in a USB Bluetooth 4.0+ dongle or enable the built-in one in the BIOS; in a container "
                        "or VM, pass the adapter through. See docs/devices.md → Troubleshooting")]
    out.append(Finding("Bluetooth adapter", OK, ", ".join(adapters)))
    blocked = _rfkill_blocked(sys_root)
    if blocked:
        out.append(Finding("Bluetooth switched on", FAIL, f"blocked by rfkill: {', '.join(blocked)}",
                           "rfkill unblock bluetooth (a 'hard' block is a hardware switch or the BIOS)"))
    else:
        out.append(Finding("Bluetooth switched on", OK, "not blocked"))
    if not dbus_socket.exists():
        out.append(Finding("Bluetooth service", FAIL, f"no system D-Bus ({dbus_socket}): BlueZ cannot be reached",
                           "sudo systemctl start dbus bluetooth; in a container mount the host's "
                           "/run/dbus/system_bus_socket"))
    elif not os.access(dbus_socket, os.R_OK | os.W_OK):
        out.append(Finding("Bluetooth permissions", FAIL, f"{dbus_socket} is not readable and writable by you",
                           "add yourself to the group that owns it, or run from a desktop session"))
    else:
        out.append(Finding("Bluetooth service", OK, f"system D-Bus at {dbus_socket}"))
    mine = groups if groups is not None else _my_groups()
    if "bluetooth" in _group_names() and "bluetooth" not in mine:
        out.append(Finding("Bluetooth permissions", WARN, "you are not in the 'bluetooth' group (some distributions "
                           "require it for BlueZ)", "sudo usermod -aG bluetooth $USER, then log in again"))
    return out


def _rfkill_blocked(sys_root: Path) -> list[str]:
    blocked = []
    for dev in sorted((sys_root / "class" / "rfkill").glob("rfkill*")):
        if _read(dev / "type") != "bluetooth":
            continue
        kinds = [k for k in ("soft", "hard") if _read(dev / k) == "1"]
        if kinds:
            blocked.append(f"{_read(dev / 'name') or dev.name} ({'/'.join(kinds)})")
    return blocked


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _my_groups() -> tuple[str, ...]:
    import grp  # POSIX only: the Bluetooth checks run on Linux

    names = []
    for gid in os.getgroups():
        try:
            names.append(grp.getgrgid(gid).gr_name)
        except KeyError:
            continue
    return tuple(names)


def _group_names() -> set[str]:
    import grp

    return {g.gr_name for g in grp.getgrall()}


# ------------------------------------------------------------------------------------------------ report


def format_findings(findings: list[Finding]) -> str:
    width = max(len(f.area) for f in findings)
    lines = [f"{f.status:<4}  {f.area:<{width}}  {f.detail}" for f in findings]
    todo = [f for f in findings if f.status != OK and f.fix]
    if todo:
        lines += ["", "What to do:"] + [f"- {f.area}: {f.fix}" for f in todo]
    else:
        lines += ["", "Everything needed is in place."]
    return "\n".join(lines)


def run(args) -> int:
    findings = check_packages() + check_qt() + check_audio() + check_voice() + check_bluetooth()
    print(format_findings(findings))
    return 1 if any(f.status == FAIL for f in findings) else 0
