"""Sessions that did not end (a killed `live` or `record`, a crash, a power cut) into the history.

While a session records, a marker file in `recordings/.unfinished/` of the user's data folder names its recording
and is held locked by the process (an advisory lock the system releases when the process dies, however it dies).
A session that ends adds its recordings to the history and removes its marker. At the start of the next `live`,
`record`, `history` or `import`, every marker no process holds is a session that did not end: its recording is
completed as the session would have completed it on quitting (the torn last line cut, the set in progress ended
at its last whole rep and marked, `ui.session.interrupted_end_s`), imported with the reps the lifter undid live
dropped as edits, and the marker removed, with one line saying so.
"""
from __future__ import annotations

import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ui.errors import UserError, one_line

if TYPE_CHECKING:
    from sensors.recording import Recording

UNFINISHED_DIR_NAME = ".unfinished"
UNDO_EVENT = "drop_rep"  # a rep the lifter undid live (`u`): its middle on the recording's clock


@dataclass(frozen=True)
class RecoveryParams:
    batch_s: float = 0.04  # the stream replayed in batches of a BLE connection's size
    rest_end_s: float = 30.0  # a set ends after this long without a rep (`live --rest-end`'s default)


def unfinished_dir() -> Path:
    """Where the markers of the sessions in progress are: `recordings/.unfinished/` in the user's data folder."""
    from ui.history.db import default_recordings_dir  # not ui.session: every history command asks this

    return default_recordings_dir() / UNFINISHED_DIR_NAME


# ------------------------------------------------------------------------------------------------ the marker


def _try_lock(fd: int) -> bool:
    """An exclusive lock on an open file, without waiting; True when taken. The system releases it when the
    process holding it dies, however it dies."""
    if sys.platform == "win32":  # pragma: no cover - a byte-range lock, released too when the process dies
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class Unfinished:
    """The marker of one recording in progress, locked while this process lives; `done()` removes it."""

    def __init__(self, directory: Path, recording: Path, history: bool = True) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / f"{Path(recording).name}.{os.getpid()}.json"
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        _try_lock(self._fd)
        text = json.dumps({"recording": str(Path(recording).resolve()), "history": history})
        os.write(self._fd, text.encode("utf-8"))
        os.fsync(self._fd)

    def done(self) -> None:
        """The session ended and its recording went where it should: no recovery needed."""
        if self._fd is None:
            return
        self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None


def _unclaimed(directory: Path) -> list[tuple[Path, int]]:
    """The markers no running process holds, each opened and locked (path, fd), oldest name first."""
    if not directory.is_dir():
        return []
    out = []
    for marker in sorted(directory.glob("*.json")):
        try:
            fd = os.open(marker, os.O_RDWR)
        except OSError:
            continue  # removed meanwhile by its session or another recovery
        if _try_lock(fd):
            out.append((marker, fd))
        else:
            os.close(fd)
    return out


# ------------------------------------------------------------------------------------------------ completing


def _cut_torn_line(path: Path) -> None:
    """A process killed mid-write can leave half a line at the end: cut it (the reader would skip it anyway)."""
    with open(path, "rb+") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size == 0:
            return
        f.seek(max(0, size - (1 << 16)))
        tail = f.read()
        if tail.endswith(b"\n"):
            return
        cut = tail.rfind(b"\n")
        f.truncate(size - len(tail) + cut + 1 if cut >= 0 else size - len(tail))


def unmarked_set_spans(rec: Recording, params: RecoveryParams = RecoveryParams()) -> list[tuple[float, float]]:
    """The sets after the recording's last `set_end` mark, as the live session would have marked them had it
    ended by quitting: the stream replayed through the streaming analyzer, sets ending at rests, and the one in
    progress at the end cut before its interrupted rep (s, recording clock)."""
    import numpy as np

    from analysis.pipeline import ImuSeries
    from analysis.streaming import PhaseChanged, SetEnded, StreamingAnalyzer, batches_in_time_order
    from analysis.tempo import parse_tempo
    from ui.session import interrupted_end_s

    after = max((e.t_s for e in rec.events if e.kind == "set_end"), default=-math.inf)
    series = [ImuSeries(s.info.placement, s.t_s[s.t_s > after], s.acc_mps2[s.t_s > after],
                        s.gyr_rads[s.t_s > after]) for s in rec.streams]
    series = [s for s in series if len(s.t_s) > 2]
    if not series:
        return []
    rates = {s.placement: 1.0 / float(np.median(np.diff(s.t_s))) for s in series}
    tempo = parse_tempo(rec.meta.tempo) if rec.meta.tempo else None
    sa = StreamingAnalyzer(rec.meta.exercise, rates, tempo, rec.meta.side, auto_end_rest_s=params.rest_end_s)
    phases: list[tuple[str, float]] = []
    ended: list = []
    for placement, t, a, g in batches_in_time_order(series, params.batch_s):
        for e in sa.push(placement, t, a, g):
            if isinstance(e, PhaseChanged):
                phases.append((e.phase, e.start_s))
            elif isinstance(e, SetEnded):
                ended.append(e)
                phases = []
    last = max(sa.reps, key=lambda r: r.index) if sa.reps else None
    end = interrupted_end_s(phases[-1] if phases else None, phases, last, sa.now_s)
    ended += [e for e in sa.end_set("quit", end) if isinstance(e, SetEnded)]
    return [(e.start_s, e.end_s if math.isfinite(e.end_s) else e.t_s) for e in ended
            if e.report.reps + e.report.steps and math.isfinite(e.start_s)]


def _event_line(kind: str, t_s: float) -> str:
    payload = {"kind": kind, "sensor": None, "t_s": float(t_s)}
    return "# event: " + json.dumps(payload, separators=(", ", ": ")) + "\n"


def complete_recording(path: Path, params: RecoveryParams = RecoveryParams()) -> int:
    """Finish a recording its session left open: the torn line cut and the unmarked sets' marks appended (what
    the session writes when a set ends). Returns the number of sets marked."""
    from sensors.recording import read_recording

    _cut_torn_line(path)
    spans = unmarked_set_spans(read_recording(path), params)
    with open(path, "a", encoding="utf-8", newline="\n") as f:
        for a, b in spans:
            f.write(_event_line("set_start", a) + _event_line("set_end", b))
        f.flush()
        os.fsync(f.fileno())
    return len(spans)


# ------------------------------------------------------------------------------------------------ the history


def recorded_undos(path: Path) -> list[float]:
    """The middles (s) of the reps undone live, from the recording's `drop_rep` events."""
    from sensors.recording import read_recording

    return [e.t_s for e in read_recording(path).events if e.kind == UNDO_EVENT]


def add_undos(db, path: Path, undone_s: list[float]) -> int:
    """Each rep undone live as a `drop_rep` edit of the recording's session (the analysis stays as it is);
    returns how many were added (none when the recording is not in the history)."""
    from ui.history.edits import Edit
    from ui.history.importer import content_sha256
    from ui.history.store import add_edit, session_id_for_hash

    session_id = session_id_for_hash(db, content_sha256(path)) if undone_s else None
    if session_id is None:
        return 0
    for t in undone_s:
        add_edit(db, session_id, Edit(0, "drop_rep", t, t))
    return len(undone_s)


def add_recordings(paths: list[Path], db_option: str | None, undone_s: list[float], *, athlete: str | None = None,
                   load_kg: float | None = None, err: TextIO | None = None) -> bool:
    """A finished `live`/`record` session into the history (`ingest.add_workout`), with the reps undone live
    dropped as edits of the session they fall in."""
    from ui.history.db import open_history
    from ui.history.ingest import add_workout

    ok = add_workout(paths, db_option, athlete=athlete, load_kg=load_kg, err=err)
    if ok and undone_s:
        with open_history(db_option) as db:
            for p in paths:
                add_undos(db, Path(p), [t for t in undone_s if _within(Path(p), t)])
    return ok


def _within(path: Path, t_s: float) -> bool:
    from sensors.recording import read_recording

    rec = read_recording(path)
    return any(len(s.t_s) and s.t_s[0] <= t_s <= s.t_s[-1] for s in rec.streams)


def _recover_one(db, marker: Path, params: RecoveryParams, err: TextIO) -> bool:
    """One unfinished session: completed, imported (unless it was kept out of the history) with its undos."""
    from ui.history.importer import FailedFile, analyse_for_import, content_sha256
    from ui.history.ingest import Tally, ingest
    from ui.history.store import session_id_for_hash

    info = json.loads(marker.read_text(encoding="utf-8") or "{}")
    path = Path(info.get("recording", ""))
    if not path.is_file() or session_id_for_hash(db, content_sha256(path)) is not None:
        return False  # gone, or its session ended and imported it just before the end (never change it then)
    complete_recording(path, params)
    if not info.get("history", True):
        return False
    tally = Tally()
    result = analyse_for_import(path)
    ingest(db, result, tally, err=err, quiet=True)
    if tally.imported and not isinstance(result, FailedFile):
        add_undos(db, path, recorded_undos(path))
    return bool(tally.imported)


def recover_unfinished(db_option: str | None, *, directory: Path | None = None, err: TextIO | None = None,
                       params: RecoveryParams = RecoveryParams()) -> int:
    """Import the recordings of the sessions that did not end (see the module); returns how many were recovered.
    Nothing is opened when there is none. A recording that cannot be recovered is named in a warning, never an
    exception: the command the lifter asked for goes on."""
    from ui.history.db import open_history

    err = err or sys.stderr
    found = _unclaimed(directory or unfinished_dir())
    if not found:
        return 0
    recovered = 0
    try:
        with open_history(db_option) as db:
            for marker, _ in found:
                try:
                    if _recover_one(db, marker, params, err):
                        recovered += 1
                        path = json.loads(marker.read_text(encoding="utf-8"))["recording"]
                        print(f"recovered 1 session from a session that did not end: {path}", file=err)
                except (UserError, OSError, ValueError) as exc:
                    print(f"repscope: warning: a session that did not end could not be recovered ({marker.name}): "
                          f"{one_line(str(exc))}", file=err)
                marker.unlink(missing_ok=True)
    except UserError as exc:
        print(f"repscope: warning: sessions that did not end were not recovered: {one_line(str(exc))}", file=err)
    finally:
        for _, fd in found:
            os.close(fd)
    return recovered
