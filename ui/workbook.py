"""A coach's copy as an Excel workbook (openpyxl): one sheet per table, a header row, numbers as numbers.

Written to a temporary file beside the target and moved into place, so a failed write leaves no half workbook.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ui.errors import UserError


@dataclass(frozen=True)
class Sheet:
    title: str  # ≤ 31 characters (Excel's limit)
    columns: Sequence[str]
    rows: Sequence[Sequence]


def write_workbook(path: str | os.PathLike, sheets: Sequence[Sheet]) -> None:
    """Write the sheets as one .xlsx file (None cells left empty; the header row frozen)."""
    from openpyxl import Workbook

    target = Path(path)
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        ws.freeze_panes = "A2"
        ws.append(list(sheet.columns))
        for row in sheet.rows:
            ws.append([None if v == "" else v for v in row])
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        book.save(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{target}: cannot write the workbook ({exc.strerror or exc}); nothing was written") from None


def session_sheets(session, source: str = "") -> list[Sheet]:
    """`analyze`'s workbook: one row per set (what, where, how known, the summary) and one per rep or step."""
    from analysis.serialize import CSV_COLUMNS, rep_csv_rows, set_to_dict

    set_cols = ["set", "exercise", "exercise_source", "exercise_confidence", "placement", "start_s", "end_s",
                "tempo", "tilt_reference"]
    summary_keys: list[str] = []
    rows = []
    for s in session.sets:
        d = set_to_dict(s)
        summary_keys += [k for k, v in d["summary"].items() if k not in summary_keys and not isinstance(v, dict)]
        rows.append((d, s))
    set_rows = [[d["index"], d["exercise"], d["exercise_source"], d["exercise_confidence"], d["placement"],
                 d["start_s"], d["end_s"], (d["tempo_target"] or {}).get("notation"), d["tilt_reference"]]
                + [d["summary"].get(k) for k in summary_keys] for d, _ in rows]
    rep_rows = [row for _, s in rows for row in rep_csv_rows(s.report, s.index)]
    return [Sheet("sets", set_cols + summary_keys, set_rows), Sheet("reps", CSV_COLUMNS, rep_rows)]


def history_sheets(sessions, trends, pounds: bool = False) -> list[Sheet]:
    """`history`'s workbook: one row per stored set (as corrected; load in kg or lb) and one per rep or step."""
    from analysis.serialize import CSV_COLUMNS, rep_csv_rows
    from ui.history.serialize import set_to_dict
    from ui.history.trends import figures_by_set
    from ui.units import LB_PER_KG

    figures = figures_by_set(sessions, trends)
    load = "load_lb" if pounds else "load_kg"
    head = ["session", "start_utc", "athlete", "set", "exercise", "placement", load, "rpe", "notes", "warmup",
            "edits", "tempo"]
    sets, reps, keys = [], [], []
    for session in sessions:
        for s in session.sets:
            d = set_to_dict(s, figures[(session.id, s.index)])
            keys += [k for k, v in d.items() if k not in keys and k not in head and not isinstance(v, (dict, list))
                     and k not in ("index", "load_kg", "start_s")]
            kg = d["load_kg"]
            sets.append((session, d, None if kg is None else (kg * LB_PER_KG if pounds else kg)))
            reps += [[session.id, *row] for row in rep_csv_rows(s.report, s.index)]
    rows = [[se.id, se.start_utc, se.athlete, d["index"], d["exercise"], d["placement"], w, d["rpe"], d["notes"],
             d["warmup"], "; ".join(d["edits"]), (d["tempo_target"] or {}).get("notation")] + [d.get(k) for k in keys]
            for se, d, w in sets]
    return [Sheet("sets", head + keys, rows), Sheet("reps", ["session", *CSV_COLUMNS], reps)]
