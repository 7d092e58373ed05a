"""A one-line text progress bar on stderr: redrawn in place on a terminal, a line per tenth when piped to a log."""
from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30
LOG_STEPS = 10  # lines printed over the run when the stream is not a terminal


class ProgressBar:
    def __init__(self, total: int, label: str = "files", stream: TextIO | None = None, min_interval_s: float = 0.1,
                 start: int = 0):
        """`start`: items already done before the clock starts (they do not count toward the rate)."""
        self.total = max(int(total), 0)
        self.start = start
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.min_interval_s = min_interval_s
        self.t0 = time.monotonic()
        self._last_draw = 0.0
        self._last_step = -1
        self._bar_shown = False

    def text(self, done: int, failed: int = 0) -> str:
        frac = 1.0 if self.total == 0 else min(done / self.total, 1.0)
        filled = round(frac * BAR_WIDTH)
        elapsed = time.monotonic() - self.t0
        rate = (done - self.start) / elapsed if elapsed > 0 else 0.0
        eta_text = "–"
        if rate > 0:
            eta = int((self.total - done) / rate)
            eta_text = f"{eta // 60}:{eta % 60:02d}"
        return (f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{self.total} {self.label}"
                f" · {failed} failed · {rate:.1f}/s · ETA {eta_text}")

    def update(self, done: int, failed: int = 0) -> None:
        now = time.monotonic()
        if self.tty:
            if now - self._last_draw >= self.min_interval_s or done >= self.total:
                self._last_draw = now
                print("\r" + self.text(done, failed), end="", file=self.stream, flush=True)
                self._bar_shown = True
            return
        step = LOG_STEPS if self.total == 0 else (done * LOG_STEPS) // self.total
        if step != self._last_step:
            self._last_step = step
            print(self.text(done, failed), file=self.stream, flush=True)

    def write(self, text: str) -> int:
        """File-like: lines printed "above" the bar (the bar is cleared first and redrawn on the next update)."""
        if self.tty and self._bar_shown and text:
            text = "\r\x1b[K" + text
            self._bar_shown = False
            self._last_draw = 0.0
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self._bar_shown:
            print(file=self.stream, flush=True)
