"""PSI over a sliding window: nothing until it holds enough payments, the reference itself gives
zero, a window filled with a shifted world gives that world's known PSI, and it slides back."""

import math

import numpy as np
import pytest

from fraudcore.drift import DriftReference, DriftWindow
from fraudcore.drift.psi import bin_counts

NAMES = ("flag", "amount")
SCORES = np.linspace(0.0, 1.0, 1_000)
FLAG = np.array([0.0, 1.0] * 500)  # half and half
SHIFTED_FLAG = np.array([0.0, 1.0, 1.0, 1.0] * 250)  # a quarter and three quarters
AMOUNT = np.linspace(1.0, 500.0, 1_000)
KNOWN = 0.25 * math.log(0.5 / 0.25) + 0.25 * math.log(0.75 / 0.5)


@pytest.fixture
def reference() -> DriftReference:
    return DriftReference.of(
        np.column_stack([FLAG, AMOUNT]), SCORES, NAMES, model_version="m",
        window="test", data_sha256="d" * 64, code_sha256="c" * 64,
    )  # fmt: skip


def _feed(window: DriftWindow, flag: np.ndarray, batch: int = 10, first: int = 0):
    """flag[first:] with the amounts and scores of the same payments, in batches."""
    drift = None
    for start in range(first, len(flag), batch):
        end = min(start + batch, len(flag))
        rows = np.column_stack([flag[start:end], AMOUNT[start:end]])
        drift = window.observe(rows, SCORES[start:end]) or drift
    return drift


def test_nothing_is_reported_before_the_window_holds_enough(reference) -> None:
    window = DriftWindow(reference, NAMES, window=1_000, min_payments=500, block=10)
    assert window.observe(np.column_stack([FLAG[:9], AMOUNT[:9]]), SCORES[:9]) is None
    assert _feed(window, FLAG[:480]) is None
    assert window.drift() is None


def test_the_reference_gives_zero_and_a_shifted_window_its_known_psi(reference) -> None:
    window = DriftWindow(reference, NAMES, window=1_000, min_payments=500, block=10)
    steady = _feed(window, FLAG)
    assert steady is not None
    assert steady.payments == 1_000
    assert (steady.score, steady.features) == (0.0, {"flag": 0.0, "amount": 0.0})
    half = _feed(window, SHIFTED_FLAG[:500])
    shifted = _feed(window, SHIFTED_FLAG, first=500)
    assert 0 < half.features["flag"] < shifted.features["flag"]
    assert shifted.payments == 1_000
    assert shifted.features["flag"] == pytest.approx(KNOWN, abs=1e-9)
    assert (shifted.score, shifted.features["amount"]) == (0.0, 0.0)
    back = _feed(window, FLAG)
    assert back.features["flag"] == 0.0


def test_a_reference_must_cover_the_features_served(reference) -> None:
    with pytest.raises(ValueError, match="no histogram for other"):
        DriftWindow(reference, ("flag", "other"))


def test_the_window_bins_each_value_as_the_reference_histogram_does() -> None:
    rng = np.random.default_rng(5)
    flags = rng.integers(0, 3, 2_000).astype(np.float64)  # values sitting on the edges
    amounts = rng.lognormal(3.0, 1.0, 2_000)
    amounts[rng.uniform(size=2_000) < 0.1] = np.nan
    scores = rng.uniform(size=2_000)
    reference = DriftReference.of(
        np.column_stack([flags, amounts]), scores, NAMES, model_version="m",
        window="test", data_sha256="d" * 64, code_sha256="c" * 64,
    )  # fmt: skip
    window = DriftWindow(reference, NAMES, window=2_000, min_payments=10, block=2_000)
    drift = window.observe(np.column_stack([flags, amounts]), scores)
    assert drift is not None
    assert (drift.score, drift.features) == (0.0, {"flag": 0.0, "amount": 0.0})
    for row, histogram in enumerate(window.histograms):
        counts = bin_counts(np.asarray(histogram.edges), [scores, flags, amounts][row])
        assert window.total[row, : histogram.bins].tolist() == counts.tolist()
