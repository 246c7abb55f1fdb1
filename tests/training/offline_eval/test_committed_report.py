"""The committed evaluation (reports/evaluation.{json,md}, the incident table and the cost
figure, written by make evaluate): made by today's evaluation code from the committed model
and its world, its point figures are the model card's (computed by training, independently),
the Markdown is rendered from the JSON, and the per-incident figures come again from the
committed incident table."""

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib import image

from fraud_training.offline_eval import command, figure, report
from fraud_training.offline_eval.incident_table import summary
from fraudcore.code_digest import code_digest, module_digests
from fraudcore.model_card import ModelCard

ROOT = Path(__file__).resolve().parents[3]
REPORTS, ARTIFACTS = ROOT / "reports", ROOT / "training" / "artifacts"
# The report's names for the card's (scorer, threshold) figures.
CARD_NAMES = {
    "model_review": ("xgboost", "review"),
    "model_block": ("xgboost", "block"),
    "model_cost": ("xgboost", "cost"),
    "policy_review": ("deployed_policy", "review"),
    "policy_block": ("deployed_policy", "block"),
    "rules": ("rules", "review"),
}


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPORTS / report.JSON_FILE).read_text())
    return loaded


@pytest.fixture(scope="module")
def card() -> dict[str, Any]:
    return ModelCard.load(ARTIFACTS).model_dump(mode="json")


def test_the_report_is_todays_code_on_the_committed_model_and_world(result, card) -> None:
    now, then = module_digests(command.EVALUATION), result["code"]["modules"]
    changed = sorted(m for m in now.keys() | then.keys() if now.get(m) != then.get(m))
    assert changed == [], f"code changed since the report was made: {changed}; make evaluate"
    assert result["code"]["sha256"] == code_digest(command.EVALUATION)
    assert result["model_version"] == card["model_version"]
    assert result["model_artifacts"] == card["artifacts"]
    assert result["data"]["sha256"] == card["data"]["sha256"]
    assert result["data"]["rows"] == card["data"]["rows"]
    week = {k: result["test_week"][k] for k in ("name", "train", "gap_days", "assess")}
    assert week == card["protocol"]["test"]
    assert result["bootstrap"]["replicates"] >= 1000


def test_the_markdown_is_rendered_from_the_json(result) -> None:
    assert (REPORTS / report.MARKDOWN_FILE).read_text() == report.markdown(result)
    assert result["figures"] == [figure.FILE]


def test_point_figures_are_the_model_cards(result, card) -> None:
    test = card["metrics"]["test"]
    assert result["test_week"]["payments"] == test["xgboost"]["rows"]
    assert result["test_week"]["frauds"] == test["xgboost"]["frauds"]
    assert result["payments"]["model"]["ap"]["value"] == test["xgboost"]["ap"]
    for name, (scorer, threshold) in CARD_NAMES.items():
        mine, theirs = result["payments"][name], test[scorer][threshold]
        for key in ("precision", "recall", "amount_weighted_recall", "alert_rate"):
            assert mine[key]["value"] == pytest.approx(theirs[key], abs=1e-12), (name, key)
        assert {s: v["value"] for s, v in mine["recall_by_scenario"].items()} == pytest.approx(
            theirs["recall_by_scenario"]
        )
    for name in command.INCIDENT_POLICIES:
        scorer, threshold = CARD_NAMES[name]
        theirs = test[scorer][threshold]["incidents"]
        assert set(result["incidents"][name]) == set(theirs)
        for scenario, figures in theirs.items():
            mine = result["incidents"][name][scenario]
            assert mine["incidents"] == figures["incidents"]
            assert mine["detection_rate"]["value"] == pytest.approx(figures["detection_rate"])
            assert mine["minutes_to_detect_median"] == pytest.approx(
                figures["minutes_to_detect_median"]
            )


def test_the_known_card_rule_splits_the_week_and_its_budget_is_the_validation_weeks(
    result, card
) -> None:
    rule, week = result["known_card_rule"], result["test_week"]
    assert rule["known"]["payments"] + rule["model_payments"]["payments"] == week["payments"]
    assert rule["known"]["frauds"] + rule["model_payments"]["frauds"] == week["frauds"]
    assert sum(rule["known"]["frauds_by_scenario"].values()) == rule["known"]["frauds"]
    budget = rule["budget"]
    assert budget["alert_rate"] == card["threshold_rules"]["review_alert_rate"]
    assert 0 < budget["validation_known"] < budget["validation_payments"]
    # The model's payments hold fewer frauds per payment: its 1% reaches lower scores.
    assert budget["threshold"] < card["thresholds"]["review"]
    figures = rule["payments"]
    assert (
        figures["model_review"]["alert_rate"]["value"]
        < figures["model_budget"]["alert_rate"]["value"]
    )
    for name in ("model_review", "model_budget"):
        for cell in [figures[name]["recall"], *figures[name]["recall_by_scenario"].values()]:
            assert cell["low"] - 1e-12 <= cell["value"] <= cell["high"] + 1e-12


def test_the_incident_figures_come_again_from_the_committed_incident_table(result) -> None:
    table = pd.read_csv(REPORTS / report.INCIDENT_FILE, index_col="incident")
    replicates = result["bootstrap"]["replicates"]
    for name in command.INCIDENT_POLICIES:
        again = summary(table, name, replicates, result["bootstrap"]["seed"])
        assert _flat(again) == pytest.approx(_flat(result["incidents"][name]), nan_ok=True)


def _flat(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat |= _flat(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_the_cost_figures_hold_together(result) -> None:
    costs = result["costs"]
    for key in report.SWEEPS:
        sweep = costs[key]
        curve = np.array([p["cost"] for p in sweep["curve"]])
        assert sweep["cheapest"]["cost"]["value"] == curve.min()
        assert sweep["saving"]["value"] == pytest.approx(
            sweep["configured"]["cost"]["value"] - curve.min()
        )
        assert curve.max() <= costs["alert_nothing"] * 1.5


def test_the_cost_figure_has_its_curves() -> None:
    """Not just a file: the two curves' colours fill a good share of it."""
    pixels = image.imread(REPORTS / figure.FILE)[:, :, :3]
    for colour in ("#c0392b", "#7f8c8d"):
        rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        assert (np.abs(pixels - rgb).max(axis=2) < 0.02).sum() > 300, colour
