"""Recognition's rules on the features each exercise's biomechanics gives (no simulation: the features as the
movement makes them), including the newer entries: the prone kickback, the fire hydrant and the hinge."""
from __future__ import annotations

import pytest

from analysis.recognition import RECOGNITION, Recognition, SetFeatures, combine, recognise
from sensors.exercises import BY_NAME, recognised

P = RECOGNITION


def _thigh(lockout, start, gravity=0.05, long=0.1, swing=0.95) -> SetFeatures:
    return SetFeatures(lockout, start, gravity, long, swing)


def _pelvis(lockout, start, roll=0.2) -> SetFeatures:
    return SetFeatures(lockout, start, 0.05, 0.05, None, roll)


CASES = [  # (features, shape, stance, one leg): angles from upright (deg), |cos| of the movement axis
    (_thigh(90.0, 146.0), "hip_extension", "supine_bench", False),  # a thrust brings the thigh to level
    (_thigh(140.0, 171.0), "hip_extension", "supine_floor", False),  # a bridge: knees above the hips
    (_thigh(110.0, 90.0), "thigh_out_hold_back", "prone", True),  # face down the thigh lifts away from level
    (_thigh(50.0, 90.0, long=0.7, swing=0.2), "thigh_out_hold_back", "side_lying", False),  # clamshell: level
    (_thigh(60.0, 5.0, long=0.3, swing=0.1), "thigh_out_hold_back", "all_fours", True),  # hydrant: hanging
    (_thigh(95.0, 90.0, gravity=0.9), "thigh_out_hold_back", "seated", False),  # about the vertical
    (_pelvis(64.0, 4.0), "hip_extension", "upright", False),  # a hinge read either way up: one end standing
    (_pelvis(4.0, 64.0), "hip_extension", "upright", False),
    (_pelvis(96.0, 46.0), "hip_extension", "supine_bench", False),  # a thrust: both ends lying
    (_pelvis(96.0, 46.0, roll=1.2), "hip_extension", "supine_bench", True),
    (_pelvis(118.0, 91.0), "hip_extension", "supine_floor", False),
]


@pytest.mark.parametrize("features, shape, stance, one_leg", CASES)
def test_each_movement_is_read_as_its_exercise(features, shape, stance, one_leg):
    verdict = recognise(features)
    assert verdict.exercise == recognised(shape, stance, one_leg) and 0.5 <= verdict.confidence <= 1.0


def test_a_standing_set_is_read_for_steps():
    assert recognise(_thigh(20.0, 15.0)).upright and recognise(_pelvis(10.0, 8.0)).upright


def test_two_sensors_a_hinge_is_the_pelvis_over_a_thigh_that_stays_upright():
    hinge = recognise(_pelvis(64.0, 4.0))
    standing = recognise(_thigh(20.0, 2.0))
    assert combine(hinge, standing).exercise == hinge.exercise


def test_a_lying_pelvis_turns_only_seated_and_side_lying_verdicts_into_each_other():
    prone = Recognition(recognised("thigh_out_hold_back", "prone", True), 0.8, False)
    hydrant = Recognition(recognised("thigh_out_hold_back", "all_fours", True), 0.8, False)
    seated = Recognition(recognised("thigh_out_hold_back", "seated"), 0.8, False)
    assert combine(None, prone).exercise == prone.exercise
    assert combine(Recognition(hydrant.exercise, 0.6, False), prone, 90.0).exercise == prone.exercise
    assert combine(None, hydrant, 90.0) is hydrant
    assert BY_NAME[combine(None, seated, 90.0).exercise].stance == "side_lying"


def test_the_rules_sit_in_the_gaps_between_the_lifts():
    """The thresholds sit between what the movements give: prone kickback vs the supine lifts (the sign of the
    lift from level), the hinge's standing top vs a thrust's bottom (~40° and more)."""
    thrust_bottom_deg = 90.0 - BY_NAME[recognised("hip_extension", "supine_bench")].default_rom_deg
    assert P.prone_lift_deg == 0.0 and 15.0 < P.hinge_top_max_deg < thrust_bottom_deg


def test_two_sensors_a_lifting_pelvis_names_the_lift_over_a_thigh_rising_beyond_level():
    """A single-leg thrust's free thigh, held up, rises beyond level as a prone kickback's does; a prone
    kickback's pelvis lies still, so a pelvis lifting in reps names the lift."""
    thrust = recognise(_pelvis(96.0, 46.0, roll=1.2))
    free_leg = recognise(_thigh(180.0, 138.0))
    assert BY_NAME[free_leg.exercise].stance == "prone"
    assert combine(thrust, free_leg).exercise == thrust.exercise
