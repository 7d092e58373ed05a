"""Analysed files into the database with one line each: the loop `import`, `batch`, `record` and `live` share."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ui.errors import UserError, one_line
from ui.history.db import HistoryDB, open_history
from ui.history.importer import AnalysedRecording, FailedFile, analyse_for_import
from ui.history.store import save


@dataclass
class Tally:
    """Counts of one run, and the failed files' lines."""

    imported: int = 0
    already: int = 0
    reanalysed: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.imported + self.already + self.reanalysed + len(self.failed)

    def line(self, db: HistoryDB) -> str:
        parts = [f"{self.imported} imported", f"{self.already} already in history"]
        if self.reanalysed:
            parts.append(f"{self.reanalysed} reanalysed")
        parts.append(f"{len(self.failed)} failed")
        return ", ".join(parts) + f" → {db.path}"


def _sets_text(rec: AnalysedRecording) -> str:
    sets = [f"{s.report.exercise} {len(s.report.reps) or len(s.report.steps)} "
            f"{'steps' if s.report.counts_steps else 'reps'}" for s in rec.sets]
    return f"{len(sets)} set{'s' if len(sets) != 1 else ''}: {'; '.join(sets)}"


def ingest(db: HistoryDB, result: AnalysedRecording | FailedFile, tally: Tally, *, athlete: str | None = None,
           load_kg: float | None = None, reanalyse: bool = False, out: TextIO | None = None,
           err: TextIO | None = None, quiet: bool = False) -> None:
    """Store one result (or count its failure), printing one line: the file, what happened, the session."""
    out = out or sys.stdout
    err = err or sys.stderr
    if isinstance(result, FailedFile):
        tally.failed.append(result.problem)
        print(f"repscope: error: {result.problem} (skipped)", file=err)
        return
    for w in result.warnings:
        print(f"repscope: warning: {one_line(w)}", file=err)
    outcome = save(db, result, athlete=athlete, load_kg=load_kg, reanalyse=reanalyse)
    for w in outcome.warnings:
        print(f"repscope: warning: {one_line(w)}", file=err)
    if outcome.status == "already":
        tally.already += 1
        line = f"already in history: {result.path} (session {outcome.session_id})"
    else:
        setattr(tally, outcome.status, getattr(tally, outcome.status) + 1)
        line = f"{outcome.status} {result.path} → session {outcome.session_id} ({_sets_text(result)})"
    if not quiet:
        print(line, file=out)


def add_workout(paths: list[Path], db_option: str | None, *, athlete: str | None = None,
                load_kg: float | None = None, out: TextIO | None = None, err: TextIO | None = None) -> bool:
    """`record` and `live` at the end of a workout: add its recordings to the history, one line each on `err`
    (stdout carries the analysis table). A failure is a warning (the recording is kept and can be imported
    later), never an exception; True when all were added."""
    err = err or sys.stderr
    out = out or err
    try:
        with open_history(db_option) as db:
            tally = Tally()
            for path in paths:
                ingest(db, analyse_for_import(path), tally, athlete=athlete, load_kg=load_kg, out=out, err=err)
    except UserError as exc:
        print(f"repscope: warning: not added to the history: {one_line(str(exc))} "
              f"(the recording is kept: `repscope import` it later)", file=err)
        return False
    return not tally.failed
