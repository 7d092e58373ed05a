"""analysis/zerophase.py against scipy.signal (which it replaces on the analysis path, not as a dependency)."""
import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import zerophase as zp

RATES_HZ = st.sampled_from([25.0, 50.0, 60.0, 100.0, 104.0, 200.0, 400.0])
SEEDS = st.integers(0, 2**32 - 1)


def _signal(seed: int, n: int, columns: int | None) -> np.ndarray:
    """A random walk plus white noise plus an offset: drift, steps and noise, as a body-worn sensor gives."""
    rng = np.random.default_rng(seed)
    shape = (n,) if columns is None else (n, columns)
    return rng.normal(0, 1, shape).cumsum(axis=0) * rng.uniform(0.01, 3) + rng.normal(0, 1, shape) \
        + rng.uniform(-20, 20)


def _close(ours: np.ndarray, theirs: np.ndarray, rel: float = 1e-9) -> None:
    scale = max(float(np.max(np.abs(theirs))), 1e-300)
    assert ours.shape == theirs.shape
    assert float(np.max(np.abs(ours - theirs))) <= rel * scale


@settings(max_examples=60, deadline=None)
@given(rate=RATES_HZ, frac=st.floats(0.002, 0.9), btype=st.sampled_from(["lowpass", "highpass"]))
def test_design_equals_butter(rate, frac, btype):
    cutoff = frac * rate / 2
    f = zp.butter2(cutoff, rate, btype)
    sos = ss.butter(2, cutoff, btype, fs=rate, output="sos")
    np.testing.assert_allclose(np.array(f.b + f.a), sos[0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(zp.steady_state(f), ss.sosfilt_zi(sos)[0], rtol=1e-11, atol=1e-13)


@settings(max_examples=80, deadline=None)
@given(rate=RATES_HZ, frac=st.floats(0.005, 0.9), btype=st.sampled_from(["lowpass", "highpass"]), seed=SEEDS,
       n=st.integers(10, 3000), columns=st.sampled_from([None, 1, 2, 3]))
def test_filtfilt_equals_sosfiltfilt(rate, frac, btype, seed, n, columns):
    cutoff = frac * rate / 2
    x = _signal(seed, n, columns)
    ours = zp.filtfilt(zp.butter2(cutoff, rate, btype), x)
    _close(ours, ss.sosfiltfilt(ss.butter(2, cutoff, btype, fs=rate, output="sos"), x, axis=0))


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, n=st.integers(1, 2000), start=st.floats(-5, 5), frac=st.floats(0.005, 0.9),
       btype=st.sampled_from(["lowpass", "highpass"]))
def test_one_pass_from_a_state_equals_sosfilt(seed, n, start, frac, btype):
    x = _signal(seed, n, 2)
    f = zp.butter2(frac * 50, 100.0, btype)
    sos = ss.butter(2, frac * 50, btype, fs=100.0, output="sos")
    zi = ss.sosfilt_zi(sos)[0][:, None] * np.array([start, -2 * start])
    theirs, _ = ss.sosfilt(sos, x, axis=0, zi=zi[None])
    _close(zp.filter_biquad(f, x, zi), theirs)


@pytest.mark.parametrize("cutoff_hz, btype", [(10.0, "lowpass"), (6.0, "lowpass"), (0.3, "highpass")])
def test_hour_long_signal_equals_sosfiltfilt(cutoff_hz, btype):
    """The analysis's own filters over an hour at 100 Hz: many blocks and chunks chained by their states."""
    x = _signal(7, 360_000, 3)
    sos = ss.butter(2, cutoff_hz, btype, fs=100.0, output="sos")
    _close(zp.filtfilt(zp.butter2(cutoff_hz, 100.0, btype), x), ss.sosfiltfilt(sos, x, axis=0))


def test_too_short_and_bad_cutoff_are_refused_as_scipy_does():
    f = zp.butter2(10.0, 100.0)
    with pytest.raises(ValueError, match="padlen, which is 9"):
        zp.filtfilt(f, np.zeros(9))
    with pytest.raises(ValueError, match="padlen, which is 9"):
        ss.sosfiltfilt(ss.butter(2, 10.0, fs=100.0, output="sos"), np.zeros(9))
    assert zp.filtfilt(f, np.ones(10)) == pytest.approx(np.ones(10), rel=1e-12)
    with pytest.raises(ValueError, match="cutoff"):
        zp.butter2(50.0, 100.0)


def _bumpy(seed: int, n: int, plateaus: bool) -> np.ndarray:
    """A smoothed non-negative signal (a speed) with many peaks; `plateaus` rounds it so flat tops and ties occur."""
    rng = np.random.default_rng(seed)
    x = np.abs(np.convolve(rng.normal(0, 1, n + 20), np.ones(8) / 8, mode="same"))[10:-10]
    return np.round(x, 1) if plateaus else x


@settings(max_examples=120, deadline=None)
@given(seed=SEEDS, n=st.integers(0, 3000), plateaus=st.booleans(), height=st.floats(0, 1),
       prominence=st.floats(0, 1), distance=st.integers(1, 60))
def test_find_peaks_equals_scipy(seed, n, plateaus, height, prominence, distance):
    x = _bumpy(seed, n, plateaus)
    theirs, _ = ss.find_peaks(x, height=height, prominence=prominence, distance=distance)
    np.testing.assert_array_equal(zp.find_peaks(x, height, prominence, distance), theirs)


def test_find_peaks_plateau_middle_and_edges():
    x = np.array([3.0, 1, 2, 2, 2, 2, 0, 1, 5, 5])  # an edge never peaks; a flat top at its middle, rounded down
    np.testing.assert_array_equal(zp.find_peaks(x, 0.0, 0.0, 1), [3])
    np.testing.assert_array_equal(ss.find_peaks(x, height=0.0, prominence=0.0, distance=1)[0], [3])
