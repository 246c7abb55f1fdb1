"""The drift reference: built from rows and scores, kept in and read back from a model card."""

import numpy as np
import pytest

from fraudcore.drift import CARD_KEY, DriftReference

ABOUT = {"model_version": "m", "window": "w", "data_sha256": "d" * 64, "code_sha256": "c" * 64}


def test_a_reference_round_trips_through_the_cards_extra_fields() -> None:
    rng = np.random.default_rng(1)
    features = rng.normal(size=(1_000, 3))
    features[::7, 1] = np.nan
    reference = DriftReference.of(features, rng.uniform(size=1_000), ["a", "b", "c"], **ABOUT)
    assert list(reference.features) == ["a", "b", "c"]
    assert reference.features["b"].shares[-1] == pytest.approx(143 / 1_000)
    card_extra = {CARD_KEY: reference.model_dump(mode="json")}
    assert DriftReference.from_card(card_extra) == reference


def test_a_card_without_a_readable_reference_has_none() -> None:
    assert DriftReference.from_card(None) is None
    assert DriftReference.from_card({}) is None
    assert DriftReference.from_card({CARD_KEY: {"rows": 3}}) is None


def test_rows_scores_and_names_must_fit() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        DriftReference.of(np.zeros((10, 2)), np.zeros(10), ["only-one"], **ABOUT)
