"""The committed artifacts: the card obeys the serving contract, lists the feature module's
features in order, and the ONNX model equals the XGBoost model on real feature rows."""

from pathlib import Path

import numpy as np
import pytest

from fraud_simulator.dataset import DatasetSpec, generate
from fraud_training.export import parity
from fraud_training.model_card import markdown
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.model import ModelBundle
from fraudcore.model_card import ModelCard

ARTIFACTS = Path(__file__).resolve().parents[2] / "training" / "artifacts"


@pytest.fixture(scope="module")
def card() -> ModelCard:
    return ModelCard.load(ARTIFACTS)


def test_card_lists_the_feature_modules_features_in_order(card: ModelCard) -> None:
    assert tuple(card.feature_names) == FEATURE_NAMES
    assert card.onnx_input_name == "features"
    assert 0 < card.thresholds.review <= card.thresholds.block <= 1
    assert card.model_version.startswith("xgb-")


def test_markdown_card_is_rendered_from_the_json_card(card: ModelCard) -> None:
    assert (ARTIFACTS / "model_card.md").read_text() == markdown(card.model_dump(mode="json"))


def test_onnx_equals_xgboost_on_a_sample_of_real_feature_rows() -> None:
    table = generate(DatasetSpec(days=4, seed=5, customers=400))
    features = replay(table)
    assert np.isnan(features).any()  # missing history is part of the sample
    check = parity(ARTIFACTS, features)
    assert check["ok"], check


def test_serving_loads_the_committed_artifacts_and_explains_alerts() -> None:
    bundle = ModelBundle.load(ARTIFACTS)
    rows = replay(generate(DatasetSpec(days=2, seed=6, customers=200)))[:500].astype(np.float32)
    assert np.abs(bundle.predict(rows) - bundle.predict_xgboost(rows)).max() <= 1e-5
    reasons = bundle.reasons(rows[:20])
    assert all(set(row) <= set(FEATURE_NAMES) for row in reasons)
