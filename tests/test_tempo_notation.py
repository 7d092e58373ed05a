"""Tempo notations coaches write, errors that name the bad figure, and the words for every way to miss."""
from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analysis.results import Phase, PhaseCheck, Rep
from analysis.tempo import (
    TempoError,
    check_rep,
    format_tempo,
    parse_tempo,
    tempo_misses,
    tempo_verdict,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3-1-1-2", (3.0, 1.0, 1.0, 2.0)),
        ("3/1/X/0", (3.0, 1.0, None, 0.0)),
        ("31X0", (3.0, 1.0, None, 0.0)),
        ("31x0", (3.0, 1.0, None, 0.0)),
        ("(10)0X0", (10.0, 0.0, None, 0.0)),
        ("4(12)1(10)", (4.0, 12.0, 1.0, 10.0)),
        ("2.5-0-1-1", (2.5, 0.0, 1.0, 1.0)),
        (" 3 / 0 / 1 / 2 ", (3.0, 0.0, 1.0, 2.0)),
    ],
)
def test_every_notation_reads_the_same_four_phases(text, expected):
    t = parse_tempo(text)
    assert (t.eccentric_s, t.bottom_pause_s, t.concentric_s, t.top_pause_s) == expected


@pytest.mark.parametrize(
    "text, names",
    [
        ("3-1-Y-2", ["concentric (3rd figure)", "'Y'"]),
        ("31X", ["3 figures", "four figures"]),
        ("31X02", ["5 figures"]),
        ("3-X-1-1", ["X in the bottom pause (2nd figure)"]),
        ("X1X0", ["X in the eccentric (1st figure)"]),
        ("(10 0X0", ["parentheses", "(10)"]),
        ("()310", ["parentheses"]),
        ("3-1/1-2", ["mixes '-' and '/'"]),
        ("25-0-1-1", ["eccentric (1st figure) of 25 s", "beyond 20 s"]),
        ("0-1-1-1", ["eccentric (1st figure) of 0 s"]),
        ("3--1-1", ["bottom pause (2nd figure) ''"]),
    ],
)
def test_a_bad_tempo_names_its_bad_part(text, names):
    with pytest.raises(TempoError) as err:
        parse_tempo(text)
    for name in names:
        assert name in str(err.value)


def test_a_negative_tolerance_is_named_as_the_tolerance():
    with pytest.raises(TempoError, match="tolerance"):
        parse_tempo("3-1-1-2", tol_s=-1)


figure = st.one_of(st.integers(0, 20).map(str), st.decimals(0, 20, places=1).map(lambda d: f"{d:g}"))


@given(st.integers(1, 20), figure, st.one_of(st.just("X"), figure), figure)
def test_dash_and_slash_and_compact_agree(e, b, c, t):
    dash = parse_tempo(f"{e}-{b}-{c}-{t}")
    assert parse_tempo(f"{e}/{b}/{c}/{t}") == dash
    compact = "".join(f if len(f) == 1 else f"({f})" for f in (str(e), b, c, t))
    assert parse_tempo(compact) == dash
    assert parse_tempo(format_tempo(dash)) == dash


def _rep(con, top, ecc, bot) -> Rep:
    t, phases = 0.0, []
    for name, d in (("concentric", con), ("top_pause", top), ("eccentric", ecc), ("bottom_pause", bot)):
        phases.append(Phase(name, t, t + d))
        t += d
    return Rep(1, 0.0, t, tuple(phases), 45.0, 60.0)


def test_the_verdict_names_the_failing_phase_and_how():
    target = parse_tempo("3-1-1-2")
    assert tempo_verdict(check_rep(_rep(1.0, 0.4, 5.1, 1.0), target)) == "top short, lower long"
    assert tempo_verdict(check_rep(_rep(1.0, 2.0, 3.0, 1.0), target)) == "ok"
    assert tempo_verdict(None) == "–"


@pytest.mark.parametrize(
    "durations, faults, cue",
    [
        ((1.0, 0.4, 3.0, 1.0), (), "Pause longer at the top: 0.4 s, target 2 s."),
        ((1.0, 2.0, 5.1, 1.0), (), "Lowering slower than prescribed: 5.1 s, target 3 s."),
        ((1.0, 2.0, 1.2, 1.0), (), "Lowering faster than prescribed: 1.2 s, target 3 s"),
        ((1.0, 4.0, 3.0, 1.0), (), "Shorter pause at the top: 4.0 s, target 2 s"),
        ((0.3, 2.0, 3.0, 1.0), (), "Lift slower: 0.3 s, target 1 s"),
        ((2.5, 2.0, 3.0, 1.0), (), "Lift faster: 2.5 s, target 1 s."),
        ((1.0, 2.0, 3.0, 0.1), (), "Pause longer at the bottom: 0.1 s, target 1 s."),
        ((1.0, 2.0, 3.0, 3.0), (), "Start the next lift sooner: bottom pause 3.0 s, target 1 s."),
    ],
)
def test_every_way_to_miss_has_a_cue(durations, faults, cue):
    misses = tempo_misses(check_rep(_rep(*durations), parse_tempo("3-1-1-2")), faults)
    assert len(misses) == 1 and misses[0].cue.startswith(cue)


def test_a_miss_its_fault_already_cues_is_not_cued_twice():
    checks = check_rep(_rep(1.0, 0.1, 0.5, 1.0), parse_tempo("3-1-1-2"))
    assert [m.phase for m in tempo_misses(checks)] == ["top_pause", "eccentric"]
    assert tempo_misses(checks, ("rushed_eccentric", "no_top_pause")) == ()


def test_a_pause_where_none_is_prescribed_says_so():
    checks = (PhaseCheck("top_pause", 2.0, 0.0, False, 2.0),)
    assert tempo_misses(checks)[0].cue.startswith("No pause at the top prescribed: held 2.0 s")


def test_analyze_names_the_phase_and_cues_the_miss(capsys):
    from tests.conftest import DEMO_DIR
    from ui.cli import main

    assert main(["analyze", str(DEMO_DIR / "hip-thrust.csv"), "--tempo", "2-0-X-0"]) == 0
    out = capsys.readouterr().out
    assert "top long, lower long, bottom long" in out and " off " not in out
    assert "No pause at the top prescribed: held" in out and "Lowering slower than prescribed:" in out
    assert main(["analyze", str(DEMO_DIR / "hip-thrust.csv"), "--tempo", "(10)0X0", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tempo_target"]["notation"] == "10-0-X-0"  # compact, end to end
