"""The committed live evaluation (reports/live_eval.{json,md}, written by make live-eval): the
Markdown is what the code renders from the JSON, the run is the full one against the model in
training/artifacts, its figures meet the acceptance bands when judged again here, and the
decision log's figures agree with the ground truth's by the section's own numbers."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from fraud_training.live_eval import evaluate, log_agreement, report
from fraudcore.decision_log.quality import DayQuality
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
    # Several times the card's rate (8.8x with xgb-20260302-f83f9268, 11.8x with the one before).
    assert flagged > 5 * result["card"]["review"]["alert_rate"]
    assert before["precision"] < result["card"]["review"]["precision"] / 10


def test_produced_equals_scored(result: dict[str, Any]) -> None:
    counts = result["counts"]
    assert counts["produced"] == counts["scored"] == counts["consumer_transactions"]
    assert counts["produced"] == result["live"]["all"]["rows"]
    assert counts["copies_read"] >= counts["scored"]


def test_the_acceptance_figures_meet_their_bands_when_judged_again(
    result: dict[str, Any],
) -> None:
    again = {
        **evaluate.acceptance(result["live"]["all"], result["card"], result["counts"]),
        **log_agreement.acceptance(result["decision_log"]),
    }
    assert again == result["acceptance"]
    assert {name: check["ok"] for name, check in again.items()} == dict.fromkeys(again, True)
    ratio = result["live"]["all"]["review"]["alert_rate"] / result["card"]["review"]["alert_rate"]
    assert 1 / evaluate.ALERT_RATE_FACTOR <= ratio <= evaluate.ALERT_RATE_FACTOR
    scenarios = set(result["card"]["review"]["recall_by_scenario"])
    assert set(result["live"]["all"]["review"]["recall_by_scenario"]) == scenarios


def test_the_decision_log_holds_every_produced_payment_once_under_the_cards_threshold(
    result: dict[str, Any],
) -> None:
    section, produced = result["decision_log"], result["counts"]["produced"]
    logged = section["logged"]
    assert logged["rows"] == logged["distinct_ids"] == logged["produced"] == produced
    assert logged["missing"] == logged["unexpected"] == 0
    card = ModelCard.load(ARTIFACTS)
    assert section["review_threshold"] == card.thresholds.review
    assert section["thresholds_in_force"] == [{
        "model_version": card.model_version, "review": card.thresholds.review,
        "block": card.thresholds.block, "rows": produced,
    }]  # fmt: skip
    # Every label owed was sent (the producer's label tail) and joined: the log knows them all.
    assert result["producer"]["labels_dropped"] == 0
    assert logged["labels"] == produced
    assert section["windows"]["all"]["log"]["label_coverage"] == 1.0


def test_the_log_agrees_with_the_ground_truth_by_the_sections_own_numbers(
    result: dict[str, Any],
) -> None:
    section = result["decision_log"]
    assert section["tolerance"] == log_agreement.TOLERANCE == 0.02
    assert set(section["windows"]) == set(result["live"])
    for name, window in section["windows"].items():
        log, truth, difference = window["log"], window["truth"], window["difference"]
        # The log's figures are the production quality code's, from the counts shown.
        counts = [log[count] for count in log_agreement.COUNTS]
        again = DayQuality(dt.date.min, ",".join(log["model_versions"]), *counts)
        assert log["precision"] == again.precision
        assert log["recall"] == again.recall
        assert log["alert_rate"] == again.alert_rate
        assert log["label_coverage"] == again.label_coverage
        # The truth is make live-eval's own figure for the same decisions at the review threshold.
        live = result["live"][name]
        assert log["decisions"] == truth["decisions"] == live["rows"]
        assert truth["frauds"] == live["frauds"]
        for figure in log_agreement.COMPARED:
            assert truth[figure] == live["review"][figure]
            assert difference[figure] == pytest.approx(log[figure] - truth[figure], abs=1e-15)
        assert abs(difference["precision"]) <= 0.02
        assert abs(difference["recall"]) <= 0.02
    # The days add up to the whole window.
    everything = section["windows"]["all"]["log"]
    for count in log_agreement.COUNTS:
        assert sum(day["log"][count] for day in section["days"]) == everything[count]
    assert len(section["days"]) == result["plan"]["days"]
