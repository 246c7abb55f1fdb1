"""The committed live evaluation (reports/live_eval.{json,md}, written by make live-eval): the
Markdown is what the code renders from the JSON, the run is the full one against the model in
training/artifacts, and its figures meet the acceptance bands when judged again here."""

import json
from pathlib import Path
from typing import Any

import pytest

from fraud_training.live_eval import evaluate, report
from fraudcore.model_card import ModelCard

ROOT = Path(__file__).resolve().parents[3]
REPORTS, ARTIFACTS = ROOT / "reports", ROOT / "training" / "artifacts"


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPORTS / report.JSON_FILE).read_text())
    return loaded


def test_the_markdown_is_rendered_from_the_json(result: dict[str, Any]) -> None:
    assert (REPORTS / report.MARKDOWN_FILE).read_text() == report.markdown(result)


def test_the_run_is_the_full_one_against_the_model_in_use(result: dict[str, Any]) -> None:
    card = ModelCard.load(ARTIFACTS)
    test = card.metrics["test"]["xgboost"]
    assert result["card"]["model_version"] == card.model_version
    assert result["card"]["ap"] == test["ap"]
    assert result["card"]["review"]["alert_rate"] == test["review"]["alert_rate"]
    plan = result["plan"]
    assert plan["days"] >= 14
    assert plan["history_days"] == 56
    assert plan["seed"] == 42
    # Week 1 is the card's test week, payment for payment; week 2 follows it.
    assert result["live"]["week 1"]["rows"] == test["rows"]
    assert result["live"]["week 1"]["frauds"] == test["frauds"]
    assert result["live"]["week 2"]["rows"] > 100_000


def test_the_old_live_traffic_flagged_far_more_than_the_card_promises(
    result: dict[str, Any],
) -> None:
    before = result["before"]
    flagged = before["review_rate"] + before["block_rate"]
    assert flagged > 10 * result["card"]["review"]["alert_rate"]
    assert before["precision"] < result["card"]["review"]["precision"] / 10


def test_produced_equals_scored(result: dict[str, Any]) -> None:
    counts = result["counts"]
    assert counts["produced"] == counts["scored"] == counts["consumer_transactions"]
    assert counts["produced"] == result["live"]["all"]["rows"]
    assert counts["copies_read"] >= counts["scored"]


def test_the_acceptance_figures_meet_their_bands_when_judged_again(
    result: dict[str, Any],
) -> None:
    again = evaluate.acceptance(result["live"]["all"], result["card"], result["counts"])
    assert again == result["acceptance"]
    assert {name: check["ok"] for name, check in again.items()} == dict.fromkeys(again, True)
    ratio = result["live"]["all"]["review"]["alert_rate"] / result["card"]["review"]["alert_rate"]
    assert 1 / evaluate.ALERT_RATE_FACTOR <= ratio <= evaluate.ALERT_RATE_FACTOR
    scenarios = set(result["card"]["review"]["recall_by_scenario"])
    assert set(result["live"]["all"]["review"]["recall_by_scenario"]) == scenarios
