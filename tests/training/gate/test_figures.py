"""The gate's figures on hand-made windows: the review budget, paired differences, scenarios
named by a label only, and each gate's verdict from the figures."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraud_simulator.catalog import SCENARIOS
from fraud_training.gate import figures, gates
from fraud_training.gate.evaluate import clean, fitted_until
from fraud_training.gate.window import WindowError, parse_span
from fraudcore.model_registry import ModelVersion, Status

SCENARIO = SCENARIOS[0]


def window(n_cards: int = 200, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Cards of ten payments, one fraud in ten; a score that ranks frauds mostly first."""
    rng = np.random.default_rng(seed)
    n = n_cards * 10
    fraud = rng.random(n) < 0.1
    scenario = np.where(fraud, np.where(rng.random(n) < 0.8, SCENARIO, "analyst"), "genuine")
    rows = pd.DataFrame({
        "card_id": np.repeat([f"c{i}" for i in range(n_cards)], 10),
        "amount": rng.uniform(1, 100, n), "is_fraud": fraud, "scenario": scenario,
        "decision": np.where(rng.random(n) < 0.1, "review", "approve"),
    })  # fmt: skip
    score = np.where(fraud, rng.uniform(0.3, 1.0, n), rng.uniform(0.0, 0.6, n))
    return rows, score


def test_the_same_scores_differ_by_exactly_zero() -> None:
    rows, score = window()
    found = figures.compare(rows, {"champion": score, "candidate": score.copy()}, 150, 100)
    for key, diff in found["difference"].items():
        assert (diff["value"], diff["low"], diff["high"]) == (0.0, 0.0, 0.0), key
    assert found["review_budget"] == 150
    assert set(found["frauds_by_scenario"]) == {SCENARIO, "unknown"}
    # Recall per scenario only where the label names one; the analyst's frauds count overall.
    assert f"recall_at_budget:{SCENARIO}" in found["candidate"]
    assert not any(key.endswith(":unknown") for key in found["candidate"])


def test_a_better_ranking_shows_as_a_positive_paired_difference() -> None:
    rows, score = window()
    perfect = rows["is_fraud"].to_numpy(float)
    found = figures.compare(rows, {"champion": score, "candidate": perfect}, 150, 200)
    ap = found["difference"]["ap"]
    assert found["candidate"]["ap"]["value"] == pytest.approx(1.0)
    assert 0 < ap["low"] <= ap["value"] <= ap["high"]
    recall = found["candidate"]["recall_at_budget"]["value"]
    assert recall == pytest.approx(min(1.0, 150 / rows["is_fraud"].sum()))


def test_the_budget_reviews_the_highest_scores() -> None:
    reviewed = figures.top(np.array([0.1, 0.9, 0.5, 0.9, 0.2]), 3)
    assert reviewed.tolist() == [False, True, True, True, False]


def _measured(ap_low: float, recall_low: float, frauds: int, ratio: float) -> dict[str, bool]:
    difference = {"ap": {"low": ap_low}, "recall_at_budget": {"low": recall_low}}
    found = {"frauds": frauds, "difference": difference}
    latency = {"champion": {"single_row_median_ms": 0.1},
               "candidate": {"single_row_median_ms": 0.1 * ratio}}  # fmt: skip
    verdict = gates.verdicts(gates.GateSettings(), found, latency)
    return {name: check["passed"] for name, check in verdict.items()}


def test_each_gate_judges_its_own_figure() -> None:
    assert all(_measured(-0.04, -0.04, 30, 1.9).values())
    assert _measured(-0.06, 0.0, 100, 1.0) == {
        "enough_frauds": True,
        "ap": False,
        "recall_at_budget": True,
        "latency": True,
    }
    assert not _measured(0.0, -0.051, 100, 1.0)["recall_at_budget"]
    assert not _measured(0.0, 0.0, 29, 1.0)["enough_frauds"]
    assert not _measured(0.0, 0.0, 100, 2.1)["latency"]
    assert not _measured(float("nan"), 0.0, 100, 1.0)["ap"]  # no interval: no evidence


def test_gates_are_settings(monkeypatch) -> None:
    monkeypatch.setenv("GATE_AP_MARGIN", "0.01")
    monkeypatch.setenv("GATE_MIN_FRAUDS", "5")
    assert gates.GateSettings().as_json() == {
        "ap_margin": 0.01,
        "recall_margin": 0.05,
        "latency_ratio": 2.0,
        "min_frauds": 5,
    }


def test_windows_are_utc_days_both_included() -> None:
    span = parse_span("2026-03-02..2026-03-08")
    assert span.since == dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    assert span.until == dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
    assert span.describe() == "2026-03-02 .. 2026-03-08"
    for bad in ("2026-03-02", "2026-03-08..2026-03-02", "march..april"):
        with pytest.raises(WindowError, match="--window"):
            parse_span(bad)


def test_a_model_was_fitted_up_to_its_test_splits_training_end() -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def version(card: dict) -> ModelVersion:
        return ModelVersion("m", Status.CANDIDATE, {}, card, "0" * 64, now, now)

    card = {"protocol": {"test": {"train": "2026-02-08 .. 2026-02-21"}}}
    assert fitted_until(version(card)) == dt.datetime(2026, 2, 22, tzinfo=dt.UTC)
    assert fitted_until(version({})) is None


def test_clean_json_has_no_nan() -> None:
    assert clean({"a": np.float64("nan"), "b": [np.int64(3), float("inf")]}) == {
        "a": None,
        "b": [3, None],
    }
