"""Scenario statistics over a month of the default world (generated once for the module)."""

import numpy as np
import pandas as pd
import pytest

from fraud_simulator.catalog import GENUINE, SCENARIOS
from fraud_simulator.dataset import DatasetSpec, generate
from fraud_simulator.scenarios import ScenarioRates

NUMERIC = ["amount", "hour", "lat", "lon", "has_device"]
CATEGORICAL = ["merchant_category", "channel", "country", "city", "currency"]


@pytest.fixture(scope="module")
def month() -> pd.DataFrame:
    table = generate(DatasetSpec(days=30, customers=6_000))
    table["hour"] = table["event_time"].dt.hour + table["event_time"].dt.minute / 60
    table["has_device"] = table["device_id"].notna().astype(float)
    return table


def average_precision(score: np.ndarray, positive: np.ndarray) -> float:
    """AP with tied scores ranked together (a threshold cannot split a tie)."""
    order = np.argsort(-score, kind="stable")
    ranked, hits = score[order], positive[order].astype(float)
    tp, seen = np.cumsum(hits), np.arange(1, len(hits) + 1)
    group_end = np.r_[ranked[1:] != ranked[:-1], True]
    tp, seen = tp[group_end], seen[group_end]
    return float(((tp / seen) * np.diff(np.r_[0.0, tp])).sum() / max(hits.sum(), 1.0))


def best_single_field(table: pd.DataFrame, positive: np.ndarray) -> tuple[str, float]:
    """The best AP any one raw column reaches alone: a threshold either way on numbers, the
    in-sample fraud rate of each value on categories (optimistic on purpose)."""
    scores = {}
    for column in NUMERIC:
        values = table[column].to_numpy(float)
        scores[column] = max(
            average_precision(values, positive), average_precision(-values, positive)
        )
    frame = pd.DataFrame({"positive": positive})
    for column in CATEGORICAL:
        rate = frame.groupby(table[column].to_numpy())["positive"].transform("mean").to_numpy()
        scores[column] = average_precision(rate, positive)
    best = max(scores, key=scores.__getitem__)
    return best, scores[best]


def test_average_precision_is_right_on_known_cases() -> None:
    assert average_precision(np.array([0.9, 0.8, 0.1]), np.array([1, 0, 0])) == 1.0
    assert average_precision(np.array([0.1, 0.8, 0.9]), np.array([1, 0, 0])) == pytest.approx(1 / 3)
    assert average_precision(np.ones(4), np.array([1, 0, 0, 0])) == pytest.approx(0.25)


def test_overall_fraud_rate_is_about_one_percent(month: pd.DataFrame) -> None:
    assert 0.007 <= month["is_fraud"].mean() <= 0.013


def test_every_scenario_is_present_with_a_fair_share(month: pd.DataFrame) -> None:
    fraud = month.loc[month["is_fraud"], "scenario"].value_counts(normalize=True)
    assert set(fraud.index) == set(SCENARIOS)
    assert fraud.min() > 0.08, fraud.to_dict()
    assert (month.loc[~month["is_fraud"], "scenario"] == GENUINE).all()


@pytest.mark.parametrize("scenario", [*SCENARIOS, "any"])
def test_no_single_raw_field_gives_fraud_away(month: pd.DataFrame, scenario: str) -> None:
    if scenario == "any":
        table = month
        positive = month["is_fraud"].to_numpy()
    else:
        table = month[month["scenario"].isin([scenario, GENUINE])]
        positive = (table["scenario"] == scenario).to_numpy()
    column, ap = best_single_field(table, positive)
    assert ap < 0.5, f"{scenario} is caught by {column} alone (AP {ap:.2f})"


def test_rates_scale_and_switch_off() -> None:
    none = ScenarioRates().scaled(0.0)
    table = generate(DatasetSpec(days=5, customers=1_000, rates=none))
    assert not table["is_fraud"].any()


def test_fraud_labels_arrive_later_than_genuine_ones_on_average(month: pd.DataFrame) -> None:
    delay = (month["label_time"] - month["event_time"]).dt.total_seconds() / 86_400
    assert delay[month["is_fraud"]].min() >= 1 / 24
    assert 2 <= delay[month["is_fraud"]].median() <= 6
    assert delay[~month["is_fraud"]].between(7, 8).all()
