"""`repscope report`: one self-contained HTML file (no network), the same reps and cues as analyze, CSV export."""
from __future__ import annotations

import csv
import json
import re

from tests.conftest import DEMO_DIR
from ui.cli import main


def test_report_is_self_contained_and_matches_analyze(tmp_path, capsys):
    demo = DEMO_DIR / "hip-thrust.csv"
    out, rows = tmp_path / "r.html", tmp_path / "reps.csv"
    assert main(["report", str(demo), "-o", str(out), "--csv", str(rows)]) == 0
    page = out.read_text()
    assert page.startswith("<!doctype html>")
    assert not re.search(r"(src|href)=[\"']https?://", page), "no network resources"
    assert len(re.findall(r"src=\"data:image/png;base64,", page)) == 3  # trace, tempo, pelvis charts
    capsys.readouterr()
    assert main(["analyze", str(demo), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert page.count("<tr class=") == len(d["reps"])
    for rep in d["reps"]:
        for cue in rep["cues"]:
            assert cue.replace("'", "&#x27;") in page
    table = list(csv.DictReader(rows.open()))
    assert [int(r["index"]) for r in table] == [r["index"] for r in d["reps"]]


def test_report_bad_input(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "r.html")]) == 2
    assert "no such file" in capsys.readouterr().err
