"""The committed ``make dev-world`` report (reports/dev_world.json, written by the live run in
test_dev_world.py) is a run of today's ``make dev`` world against today's model: the world's
settings are the ones make dev uses, the model and its review threshold are the committed card's,
and the alert rate its counts give lies within the band of the card's."""

import json
from pathlib import Path

from fraud_devstack.warm_start import DEV_HISTORY_DAYS, DEV_SPEED, World
from fraudcore.model_card import ModelCard

ROOT = Path(__file__).resolve().parents[3]
REPORT = ROOT / "reports" / "dev_world.json"


def test_the_committed_run_is_make_devs_world_on_the_committed_model() -> None:
    r = json.loads(REPORT.read_text())
    world = World()
    assert r["world"] == {"seed": world.seed, "customers": world.customers,
                          "history_days": world.history_days, "speed": world.speed}  # fmt: skip
    assert (r["world"]["speed"], r["world"]["history_days"]) == (DEV_SPEED, DEV_HISTORY_DAYS)
    card = ModelCard.load(ROOT / "training" / "artifacts")
    assert r["model_version"] == card.model_version
    assert r["review_threshold"] == card.thresholds.review
    assert r["card_alert_rate"] == card.metrics["test"]["xgboost"]["review"]["alert_rate"]
    assert r["world_from"] == "2026-03-02T00:00:00.000000Z"  # the card's test week begins
    assert r["warm_start"]["rows"] > 1_000_000
    assert r["warm_start"]["pending"] > 100_000
    assert r["measured_at"].endswith("Z")


def test_the_committed_run_alerted_at_the_cards_rate() -> None:
    r = json.loads(REPORT.read_text())
    assert r["band"] == 1.5  # the acceptance band of make live-eval
    assert 25 <= r["achieved_tps"] <= 60
    assert r["transactions"] >= 25 * r["seconds"]
    assert r["labels"] > 0
    assert 0 < r["alerts"] < r["transactions"]
    assert r["alert_rate"] == r["alerts"] / r["transactions"]
    assert 1 / r["band"] <= r["alert_rate"] / r["card_alert_rate"] <= r["band"]
