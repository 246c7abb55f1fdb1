"""``fraud-train misses`` on hand-made weeks: an incident's later payments are told from its
first, the freed budget spends the same number of alerts on the other payments, and the report
is rendered from its JSON."""

import numpy as np
import pandas as pd
import pytest

from fraud_training.ablation import misses
from fraud_training.ablation.command import BASE, MODEL
from fraudcore.features import FEATURE_NAMES

HOUR = 3_600.0


def test_a_later_payment_of_an_incident_is_one_within_the_burst_window_on_the_same_card() -> None:
    cards = np.array(["a", "b", "a", "a", "b"], dtype=object)
    seconds = np.array([0.0, 10.0, HOUR, 5 * HOUR, 4 * HOUR])
    assert misses.later_in_burst(cards, seconds).tolist() == [False, False, True, False, False]


def test_the_freed_budget_spends_as_many_alerts_without_the_weak_scenarios() -> None:
    scenario = np.array(["genuine"] * 95 + ["category_anomaly", "inflated_amounts"]
                        + ["compromised_terminal"] * 3, dtype=str)  # fmt: skip
    score = np.linspace(0.0, 1.0, 100)
    score[95:97] = [0.999, 0.998]  # the weak frauds rank first
    score[97:] = [0.97, 0.96, 0.95]
    alert, freed = misses.recall_freed(score, scenario, rate=0.03)
    assert alert.sum() == freed.sum() == 3
    assert alert[95:97].all()
    assert not freed[95:97].any()
    assert alert[97:].tolist() == [True, False, False]
    assert freed[97:].all()


def _week(n: int = 400, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    scenario = np.array(["genuine"] * n, dtype=object)
    scenario[:12] = "category_anomaly"
    scenario[12:24] = "compromised_terminal"
    scenario[24:28] = "inflated_amounts"
    test = pd.DataFrame({
        "event_time": pd.date_range("2026-02-01", periods=n, freq="10min", tz="UTC"),
        "card_id": [f"c{i % 6}" if i < 12 else f"c{i}" for i in range(n)],
        "merchant_id": [f"m{i % 4}" for i in range(n)],
        "channel": ["online" if i % 3 == 0 else "pos" for i in range(n)],
        "amount": rng.uniform(10, 300, n),
        "scenario": scenario,
    })  # fmt: skip
    features = pd.DataFrame(rng.random((n, len(FEATURE_NAMES))), columns=list(FEATURE_NAMES))
    return test, features


def test_the_report_is_rendered_from_its_json() -> None:
    test, features = _week()
    rng = np.random.default_rng(0)
    scores = {BASE: rng.random(len(test)), MODEL: rng.random(len(test))}
    alert = scores[MODEL] >= 0.5
    category = misses.category_misses(test, features, alert)
    assert category["payments"] == 12
    assert sum(c["payments"] for c in category["by_burst_and_place"]) == 12
    assert category["recall"] == pytest.approx(alert[:12].mean(), abs=1e-3)
    terminal = misses.terminal_budget(test, scores)
    assert terminal["shops"] == 4
    for name in (BASE, MODEL):
        figures = terminal[name]
        gain = figures["gain"]
        assert gain["value"] == pytest.approx(figures["recall_freed"] - figures["recall"], abs=2e-3)
        assert gain["low"] <= gain["high"]
    result = {"worlds": [{"file": "w.parquet", "test_week": {"assess": "a .. b"},
                          "category": category, "terminal": terminal}]}  # fmt: skip
    text = misses.markdown(result)
    assert "Category anomalies: 12" in text
    assert f"{BASE}: recall" in text
