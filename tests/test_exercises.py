"""The registry owns exercise behaviour: no module outside it names an exercise, and what recognition tells apart
(a rep shape, a stance, one leg) names exactly one recognisable entry; every entry simulates, counts, streams and
(recognisable ones) is recognised in a workout, so that the next exercise cannot be half-added."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from sensors.exercises import BUILT_IN, BY_NAME, SHAPES, STANCES, recognised, stepped
from ui.commands.exercises import lines

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = {"sensors/exercises.py"}
# Every module outside the registry reads exercise traits from it; the test fails when one names an exercise.
PENDING: set[str] = set()


def _naming_files() -> set[str]:
    """Source files under analysis/, sensors/ and ui/ that quote an exercise's name."""
    pattern = re.compile("|".join(rf"[\"']{re.escape(n)}[\"']" for n in BY_NAME))
    found = set()
    for layer in ("analysis", "sensors", "ui"):
        for path in (ROOT / layer).rglob("*.py"):
            if pattern.search(path.read_text(encoding="utf-8")):
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_no_module_outside_the_registry_names_an_exercise():
    naming = _naming_files() - REGISTRY
    assert naming - PENDING == set(), f"exercise names outside the registry: {sorted(naming - PENDING)}"
    assert PENDING - naming == set(), f"no longer naming an exercise, drop from PENDING: {sorted(PENDING - naming)}"


@pytest.mark.parametrize("entry", list(BY_NAME.values()), ids=list(BY_NAME))
def test_entry_traits_are_from_the_vocabularies(entry):
    assert entry.shape in SHAPES and entry.stance in STANCES and entry.primary in ("pelvis", "thigh")
    assert len(entry.default_tempo_s) == 4 and all(d > 0 for d in entry.default_tempo_s)
    assert entry.steps == (entry.shape == "steps") and entry.hip_extension == (entry.shape == "hip_extension")
    assert stepped(entry.name) == entry.steps


@pytest.mark.parametrize("entry", [e for e in BY_NAME.values() if e.recognisable], ids=lambda e: e.name)
def test_recognisable_entries_are_told_apart_by_their_traits(entry):
    assert recognised(entry.shape, entry.stance, entry.single_leg) == entry.name


def test_recognition_of_an_unknown_combination_is_an_error():
    with pytest.raises(ValueError, match="0 recognisable"):
        recognised("steps", "seated")


def test_exercises_command_lists_every_entry_once():
    listed = lines()
    assert [line.split()[0] for line in listed] == list(BY_NAME)
    assert "steps" in listed[list(BY_NAME).index(recognised("steps", "upright"))]


def test_user_entry_is_like_its_model_on_its_sensor_never_recognised():
    from sensors.exercises import BUILT_IN, TIMING_FAULTS, user_entry
    like = recognised("thigh_out_hold_back", "side_lying")
    entry, errors = user_entry("band_kickback", {"like": like, "sensor": "thigh"}, BUILT_IN)
    assert errors == [] and entry.title == "Band kickback" and entry.primary == "thigh"
    assert (entry.shape, entry.stance, entry.faults, entry.recognisable) == \
        (BUILT_IN[like].shape, BUILT_IN[like].stance, TIMING_FAULTS, False)


def test_user_entry_mistakes_one_line_each():
    from sensors.exercises import BUILT_IN, user_entry
    entry, errors = user_entry("Bad Name", {"like": "nope", "sensor": "knee", "tempo": 3}, BUILT_IN)
    assert entry is None and len(errors) == 4 and all("\n" not in e and e.startswith("Bad Name:") for e in errors)


def test_user_file_read_and_broken_file_reported(tmp_path):
    from sensors.exercises import BUILT_IN, user_exercises
    path = tmp_path / "exercises.toml"
    like = recognised("hip_extension", "supine_floor")
    path.write_text(f'[frog_pump]\nlike = "{like}"\nsensor = "pelvis"\n\n[x]\nlike = "{like}"\n', encoding="utf-8")
    entries, errors = user_exercises(path, BUILT_IN)
    assert [e.name for e in entries] == ["frog_pump"] and entries[0].hip_extension
    assert len(errors) == 1 and "sensor" in errors[0]
    path.write_text("[broken\n", encoding="utf-8")
    assert user_exercises(path, BUILT_IN)[0] == () and len(user_exercises(path, BUILT_IN)[1]) == 1


def test_cli_adds_a_users_exercise_and_analyses_with_it(tmp_path):
    import json
    import os
    import subprocess
    import sys
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path)}
    like = recognised("thigh_out_hold_back", "side_lying")

    def run(*args):
        cmd = [sys.executable, "-m", "ui.cli", *args]
        return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)

    assert run("exercises", "add", "my_lift", "--sensor", "thigh", "--like", like).returncode == 0
    bad = run("exercises", "add", "my_lift", "--sensor", "knee", "--like", like)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 2
    assert "my_lift" in run("exercises").stdout
    demo = ROOT / "recordings" / "demo" / f"{like.replace('_', '-')}.csv"
    out = run("analyze", str(demo), "--exercise", "my_lift", "--json")
    given = json.loads(run("analyze", str(demo), "--exercise", like, "--json").stdout)
    assert out.returncode == 0 and len(json.loads(out.stdout)["reps"]) == len(given["reps"]) > 0


# ------------------------------------------------------------------ every registry entry, end to end (issue 24 item 5)

def _placements(entry) -> tuple[str, ...]:
    """The entry's primary sensor: the pelvis, or the left thigh (the working leg of a one-leg lift)."""
    return ("thigh_left",) if entry.thigh_led else ("pelvis",)


def _short_set(entry, **changes):
    """A short clean set of `entry` on its primary sensor, its default tempo, the left leg working."""
    from sensors.simulation import SimConfig
    ecc, bot, con, top = entry.default_tempo_s
    reps = 6 if entry.steps else 4
    return SimConfig(exercise=entry.name, reps=reps, eccentric_s=ecc, bottom_pause_s=bot, concentric_s=con,
                     top_pause_s=top, placements=_placements(entry), rates_hz=(100.0,),
                     side="left" if entry.single_leg else None, **changes)


def _series(streams):
    from analysis.pipeline import ImuSeries
    return [ImuSeries(s.info.placement, s.t_s, s.acc_mps2, s.gyr_rads) for s in streams]


def _count(report) -> int:
    return len(report.steps) or len(report.reps)


BUILT_INS = list(BUILT_IN.values())


@pytest.mark.parametrize("entry", BUILT_INS, ids=lambda e: e.name)
def test_every_entry_simulates_and_counts_exactly_and_streams_as_analyze(entry):
    """simulate → analyze counts the set exactly; streamed, the set begins and ends equal to `analyze`."""
    from analysis.pipeline import analyze_set
    from analysis.streaming import SetEnded, SetStarted, stream_series
    from sensors.simulation import simulate_set

    sim = simulate_set(_short_set(entry), 7)
    truth = len(sim.truth["steps"]) or len(sim.truth["reps"])
    series = _series(sim.streams)
    offline = analyze_set(series, entry.name, None, sim.config.side)
    assert _count(offline) == truth == sim.config.reps
    _, events = stream_series(series, entry.name, None, sim.config.side, batch_s=0.1)
    ended = [e for e in events if isinstance(e, SetEnded)]
    assert len(ended) == 1 and ended[0].report.reps == offline.reps and ended[0].report.steps == offline.steps
    assert entry.steps or any(isinstance(e, SetStarted) for e in events)


@pytest.mark.parametrize("entry", [e for e in BUILT_INS if e.recognisable], ids=lambda e: e.name)
def test_every_recognisable_entry_is_recognised_in_a_workout(entry):
    """A workout of one set (walking in first, as a lifter does): found and named without `--exercise`, counted
    exactly."""
    from analysis.session import analyze_session
    from sensors.simulation import SessionConfig, simulate_session

    cfg = _short_set(entry)
    sim = simulate_session(SessionConfig((cfg,), cfg.placements, cfg.rates_hz, rest_s=(20.0, 25.0)), 11)
    found = analyze_session(_series(sim.streams)).sets
    truth = sim.truth["sets"][0]
    assert [(f.exercise, _count(f.report)) for f in found] == \
        [(entry.name, truth["step_count"] or truth["rep_count"])]


@pytest.mark.parametrize("entry", BUILT_INS, ids=lambda e: e.name)
def test_every_built_in_has_coaching_cues_and_show_prints_them(entry):
    from ui.commands.exercises import details

    shown = details(entry.name)
    assert entry.cues and all(f"  - {cue}" in shown for cue in entry.cues)
    assert shown[0] == f"{entry.title} ({entry.name})" and ("no (name it" in shown[3]) != entry.recognisable
