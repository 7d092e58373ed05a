"""The registry owns exercise behaviour: no module outside it names an exercise, and what recognition tells apart
(a rep shape, a stance, one leg) names exactly one recognisable entry."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from sensors.exercises import BY_NAME, SHAPES, STANCES, recognised, stepped
from ui.commands.exercises import lines

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = {"sensors/exercises.py"}
# Not yet read from the registry (another helper's file at the time of writing): the live window's mode. The test
# fails when one of them no longer names an exercise, so that the list only shrinks.
PENDING = {"ui/live_window.py"}


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
