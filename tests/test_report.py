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
    # trace, tempo, pelvis and speed charts, each under its own heading
    assert len(re.findall(r"src=\"data:image/png;base64,", page)) == 4
    for heading in ("Movement", "Tempo", "Pelvis", "Speed"):
        assert f"<h2>{heading}</h2>" in page
    assert "velocity loss" in page
    capsys.readouterr()
    assert main(["analyze", str(demo), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert page.count("<tr class=") == len(d["reps"])
    assert "0.9&nbsp;left" in page or "&nbsp;right" in page  # a drop and its side never wrap apart
    for rep in d["reps"]:
        for cue in rep["cues"]:
            assert cue.replace("'", "&#x27;") in page
    table = list(csv.DictReader(rows.open()))
    assert [int(r["index"]) for r in table] == [r["index"] for r in d["reps"]]


def test_report_bad_input(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "r.html")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_report_of_a_band_walk_shows_steps_per_side_and_a_timeline(tmp_path, capsys):
    demo = DEMO_DIR / "lateral-band-walk.csv"
    out = tmp_path / "bw.html"
    assert main(["report", str(demo), "-o", str(out)]) == 0
    assert "(12 steps)" in capsys.readouterr().out
    assert main(["analyze", str(demo), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    page = out.read_text()
    assert "<h2>Reps</h2>" not in page  # no empty rep table
    assert page.count("<tr class='step'>") == len(d["steps"]) == 12
    for st in d["steps"]:
        assert f"<td>{st['t_s']:.2f}</td><td class='l'>{st['side']}</td>" in page
    left = sum(st["side"] == "left" for st in d["steps"])
    assert f"</span> left</td><td>{left}</td>" in page
    assert f"</span> right</td><td>{12 - left}</td>" in page
    assert "<h2>Step timeline</h2>" in page and len(re.findall(r"src=\"data:image/png;base64,", page)) == 1
    assert f"<b>{d['summary']['cadence_steps_per_min']:.1f}</b>" in page


def test_report_with_a_bad_csv_path_writes_nothing(tmp_path, capsys):
    out = tmp_path / "r.html"
    rc = main(["report", str(DEMO_DIR / "hip-thrust.csv"), "-o", str(out), "--csv", str(tmp_path / "no" / "r.csv")])
    assert rc == 2
    err = capsys.readouterr().err
    assert "r.csv" in err and "nothing was written" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_report_names_the_failing_tempo_phase_and_cues_it(tmp_path):
    out = tmp_path / "r.html"
    assert main(["report", str(DEMO_DIR / "hip-thrust.csv"), "-o", str(out), "--tempo", "2-0-X-0"]) == 0
    page = out.read_text()
    assert "top&nbsp;long" in page and "No pause at the top prescribed" in page
