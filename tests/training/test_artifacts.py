"""The committed artifacts: the card obeys the serving contract, lists the feature module's
features in order, carries the committed model's importance for every feature and the deployed
policy's figures, and the ONNX model equals the XGBoost model on real feature rows."""

from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from fraud_simulator.dataset import DatasetSpec, generate
from fraud_training import plots
from fraud_training.export import parity
from fraud_training.importance import gain_by_name
from fraud_training.model_card import markdown
from fraudcore.decisions import RULES
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.model import ModelBundle
from fraudcore.model_card import XGBOOST_FILE, ModelCard

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


def test_the_card_has_importance_for_every_feature_by_name_and_plots_them_all(
    card: ModelCard,
) -> None:
    table = (card.model_extra or {})["feature_importance"]["by_feature"]
    assert list(table) == list(FEATURE_NAMES)
    assert sum(row["gain_share"] for row in table.values()) == pytest.approx(1.0)
    assert sum(row["gain_share"] > 0 for row in table.values()) > len(FEATURE_NAMES) // 2
    figure = plots.importance_figure(table)
    figure.canvas.draw()
    assert {label.get_text() for label in figure.axes[0].get_yticklabels()} == set(FEATURE_NAMES)


def test_the_cards_gain_shares_are_the_committed_models(card: ModelCard) -> None:
    table = (card.model_extra or {})["feature_importance"]["by_feature"]
    gain = gain_by_name(xgb.Booster(model_file=str(ARTIFACTS / XGBOOST_FILE)), FEATURE_NAMES)
    total = sum(gain.values())
    assert {name: value / total for name, value in gain.items()} == pytest.approx(
        {name: row["gain_share"] for name, row in table.items()}
    )


def test_the_deployed_policy_is_the_model_plus_the_production_rules(card: ModelCard) -> None:
    test, extra = card.metrics["test"], card.model_extra or {}
    policy, model = test["deployed_policy"], test["xgboost"]
    assert extra["parameters"]["rules"] == {rule.id: rule.description for rule in RULES}
    assert list(policy["rules_added"]) == [rule.id for rule in RULES]
    # Rules only add reviews: every model alert stays, blocks are the model's alone.
    review, alone = policy["review"], model["review"]
    added = sum(rule["added_alerts"] for rule in policy["rules_added"].values())
    assert (
        alone["tp"] + alone["fp"]
        <= review["tp"] + review["fp"]
        <= alone["tp"] + alone["fp"] + added
    )
    assert review["tp"] >= alone["tp"]
    assert (policy["block"]["tp"], policy["block"]["fp"]) == (
        model["block"]["tp"],
        model["block"]["fp"],
    )


def test_the_card_renders_without_the_raw_field_baseline(card: ModelCard) -> None:
    """Training from the decision log has no raw fields, so no such baseline."""
    raw = card.model_dump(mode="json")
    for section in (raw["metrics"]["test"], raw["metrics"]["cost"], raw["parameters"]):
        section.pop("raw_fields_xgboost")
    text = markdown(raw)
    assert "raw_fields_xgboost" not in text
    assert "| deployed_policy |" in text
