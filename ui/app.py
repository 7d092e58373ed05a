"""Running the live window: Qt application set-up, headless options (screenshot, exit at the end) and the
terminal summary printed when the window closes."""
from __future__ import annotations

import math
import os
import signal
import time
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ui.errors import UserError
from ui.session import Session


def qt_app():
    """The QApplication (created once). Without a display, Qt's offscreen platform is used."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        from PySide6 import QtWidgets
    except ImportError as exc:  # pragma: no cover - depends on the machine's Qt libraries
        raise UserError(f"the live window needs Qt (PySide6): {exc}") from None
    from PySide6 import QtCore

    QtCore.qInstallMessageHandler(_qt_messages)
    app = QtWidgets.QApplication.instance()
    return app if app is not None else QtWidgets.QApplication([sys.argv[0]])


def _qt_messages(mode, context, message: str) -> None:
    # the offscreen platform's "does not support propagateSizeHints()" is noise; everything else is shown
    if "propagateSizeHints" in message:
        return
    print(f"qt: {message}", file=sys.stderr)


def run_window(
    session: Session,
    title: str,
    *,
    replay: bool = False,
    rep_starts=(),
    screenshot: Path | None = None,
    screenshot_at_s: float | None = None,
    exit_at_end: bool = False,
    sound: bool = False,
    size: tuple[int, int] | None = None,
    linger_s: float = 0.0,
):
    """Open the window on `session`, run until it is closed (or the stream ends with `exit_at_end`).

    `screenshot`: save the window to this PNG when stream time reaches `screenshot_at_s` (or at the end).
    `size`: the window's (width, height) in pixels (default 1280×800). `linger_s`: with `exit_at_end`, keep the
    window this long after the stream ends before the final screenshot and closing (the rest timer runs on).
    Returns the window (its `last_report` is the final analysis shown).
    """
    app = qt_app()
    from PySide6 import QtCore

    from ui.live_window import LiveWindow

    win = LiveWindow(session, title, replay=replay, sound=sound)
    win.rep_starts = list(rep_starts)  # type: ignore[attr-defined]  # LiveWindow reads it by getattr (not declared)
    if size is not None:
        win.resize(*size)
    win.show()
    if screenshot is not None and screenshot_at_s is not None:
        session.hold_at(screenshot_at_s)  # the feed waits at S for the grab, however fast it plays
    session.start()
    check = _Watcher(app, win, session, screenshot, exit_at_end, linger_s).check
    watcher = QtCore.QTimer()
    watcher.timeout.connect(check)  # also lets Python run its signal handlers while Qt's loop runs
    watcher.start(50)
    with _close_on_signals(win):
        app.exec()
    watcher.stop()
    # Tear the Qt objects down while the interpreter is fully alive: left to the final garbage collection,
    # PySide6 can deallocate them in an order that aborts the process.
    report = win.last_report
    win.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    import gc

    gc.collect()
    return WindowResult(report, win.frames, win.screenshot_t_s)


class _Watcher:
    """Run by a Qt timer: takes the screenshot once the feed holds at its time (or at the end), and closes the
    window at the stream's end with `exit_at_end` (after `linger_s`)."""

    def __init__(self, app, win, session: Session, screenshot: Path | None, exit_at_end: bool,
                 linger_s: float) -> None:
        self.app, self.win, self.session = app, win, session
        self.screenshot, self.exit_at_end, self.linger_s = screenshot, exit_at_end, linger_s
        self.shot_taken = False
        self.ended_at: float | None = None

    def grab(self) -> None:
        self.win.grab().save(str(self.screenshot))
        self.win.screenshot_t_s, self.shot_taken = self.win.drawn_t_s, True

    def check(self) -> None:
        win = self.win
        if self.screenshot is not None and not self.shot_taken and self.session.holding.is_set():
            win.tick()  # the events and the snapshot up to S
            self.app.processEvents()  # the texts' new sizes laid out before the grab
            self.grab()
            self.session.resume()
        if self.exit_at_end and (win.finished or self.session.finished):
            if self.ended_at is None:
                self.ended_at = time.monotonic()
            if time.monotonic() - self.ended_at < self.linger_s:
                return
            win.tick()
            if self.screenshot is not None and not self.shot_taken:
                self.grab()
            win.close()


@contextmanager
def _close_on_signals(win):
    """Ctrl-C in the terminal (SIGINT) and SIGTERM close the window as q does: the session ends cleanly (the set
    at its last whole rep, the recording closed) instead of a traceback with the window left open."""
    caught = (signal.SIGINT, signal.SIGTERM)
    try:
        before = {sig: signal.signal(sig, lambda *_: win.close()) for sig in caught}
    except ValueError:  # not the main thread: signals stay as they are
        yield
        return
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


@dataclass(frozen=True)
class WindowResult:
    last_report: object
    frames: int
    screenshot_t_s: float = math.nan  # the stream time the screenshot shows (NaN: none taken)
