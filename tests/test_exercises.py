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
# Not yet read from the registry (other helpers' files at the time of writing): the simulator's kinematics table and
# posture branches, the live window's mode. The test fails when one of them no longer names an
# exercise, so that the list only shrinks.
PENDING = {"sensors/simulate.py", "ui/live_window.py"}


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
