"""PSI on distributions whose PSI is known: by hand, and for normal shifts from the normal
distribution's own quantiles (values computed with statistics.NormalDist, bins at the deciles
and the 99th percentile)."""

import math

import numpy as np
import pytest

from fraudcore.drift import Histogram, psi
from fraudcore.drift.psi import FLOOR, bin_counts

RNG_SEED = 7
SAMPLE = 400_000
# PSI of N(mu, sigma) against N(0, 1) over the standard normal's decile and 99% bins.
KNOWN_NORMAL_PSI = {(0.1, 1.0): 0.00969, (0.25, 1.0): 0.06063, (0.5, 1.0): 0.24238,
                    (1.0, 1.0): 0.96309, (0.0, 1.5): 0.23820}  # fmt: skip


def test_psi_by_hand() -> None:
    by_hand = 0.25 * math.log(0.5 / 0.25) + 0.25 * math.log(0.75 / 0.5)
    assert psi([0.5, 0.5], [0.25, 0.75]) == pytest.approx(by_hand, abs=1e-12)
    assert psi([1, 1], [1, 3]) == pytest.approx(by_hand, abs=1e-12)  # counts normalised
    assert psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0


def test_an_empty_bin_counts_as_rare_not_impossible() -> None:
    value = psi([0.5, 0.5, 0.0], [0.5, 0.4, 0.1])
    floor = (0.4 - 0.5) * math.log(0.4 / 0.5) + (0.1 - FLOOR) * math.log(0.1 / FLOOR)
    assert value == pytest.approx(floor)
    with pytest.raises(ValueError, match="same bins"):
        psi([0.5, 0.5], [1.0])
    with pytest.raises(ValueError, match="non-empty"):
        psi([0, 0], [1, 1])


@pytest.mark.parametrize(("mu", "sigma"), list(KNOWN_NORMAL_PSI))
def test_normal_shifts_give_their_known_psi(mu: float, sigma: float) -> None:
    rng = np.random.default_rng(RNG_SEED)
    reference = Histogram.of(rng.normal(0.0, 1.0, SAMPLE))
    live = bin_counts(np.asarray(reference.edges), rng.normal(mu, sigma, SAMPLE))
    assert psi(reference.shares, live) == pytest.approx(KNOWN_NORMAL_PSI[mu, sigma], abs=0.006)


def test_the_same_distribution_gives_almost_nothing() -> None:
    rng = np.random.default_rng(RNG_SEED)
    reference = Histogram.of(rng.exponential(1.0, SAMPLE))
    live = bin_counts(np.asarray(reference.edges), rng.exponential(1.0, 10_000))
    assert psi(reference.shares, live) < 0.01


def test_missing_values_have_a_bin_of_their_own() -> None:
    rng = np.random.default_rng(RNG_SEED)
    sample = rng.normal(size=SAMPLE)
    sample[: SAMPLE // 10] = np.nan  # 10% undefined in the reference
    reference = Histogram.of(sample)
    assert reference.shares[-1] == pytest.approx(0.1)
    live = rng.normal(size=SAMPLE)
    live[: SAMPLE * 4 // 10] = np.nan  # 40% live: defined bins scale by 0.6 / 0.9
    known = 0.3 * math.log(0.4 / 0.1) + 0.3 * math.log(0.9 / 0.6)
    counts = bin_counts(np.asarray(reference.edges), live)
    assert psi(reference.shares, counts) == pytest.approx(known, abs=0.005)


def test_a_discrete_feature_keeps_its_values_apart() -> None:
    reference = Histogram.of(np.array([0.0] * 70 + [1.0] * 30))
    counts = bin_counts(np.asarray(reference.edges), np.array([0.0, 1.0, 1.0, np.nan]))
    assert counts.sum() == 4
    assert counts[-1] == 1
    assert sorted(counts[:-1][counts[:-1] > 0].tolist()) == [1, 2]


def test_a_histogram_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(ValueError, match="3 shares"):
        Histogram(edges=[0.5], shares=[0.5, 0.5])
    with pytest.raises(ValueError, match="increase"):
        Histogram(edges=[1.0, 0.5], shares=[0.25, 0.25, 0.25, 0.25])
    with pytest.raises(ValueError, match="sum to 1"):
        Histogram(edges=[0.5], shares=[0.5, 0.5, 0.5])
