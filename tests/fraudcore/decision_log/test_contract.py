"""The logged row: its values line up with the contract's columns and types."""

import datetime as dt
import math

import pytest

from fraudcore.decision_log.contract import (
    CURRENT_FEATURE_SET,
    DECISION_COLUMNS,
    DECISION_TYPES,
    ChallengerVerdict,
    DecisionRow,
    feature_set_id,
)
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, ScoredTransaction, Timings, Transaction


def test_values_follow_the_columns_and_types(make_row) -> None:
    row = make_row(rules=["R01"], reasons=["amount"], decision=Decision.REVIEW)
    values = row.values()
    assert len(values) == len(DECISION_COLUMNS) == len(DECISION_TYPES)
    named = dict(zip(DECISION_COLUMNS, values, strict=True))
    assert named["decision"] == "review"
    assert named["review_threshold"] == 0.2
    assert named["kafka_ms"] == 1.0
    assert named["feature_set"] == CURRENT_FEATURE_SET
    assert math.isnan(named["features"][3])
    assert (named["challenger_version"], named["challenger_score"]) == (None, None)


def test_a_challenger_verdict_fills_its_columns(make_row) -> None:
    shadow = ChallengerVerdict("m-2", 0.91, Decision.BLOCK, ("amount", "mcc_risk"))
    named = dict(zip(DECISION_COLUMNS, make_row(challenger=shadow).values(), strict=True))
    challenger = {k: v for k, v in named.items() if k.startswith("challenger_")}
    assert challenger == {
        "challenger_version": "m-2",
        "challenger_score": 0.91,
        "challenger_decision": "block",
        "challenger_reasons": ["amount", "mcc_risk"],
    }


def test_feature_sets_are_named_by_their_ordered_names() -> None:
    assert feature_set_id(FEATURE_NAMES) == CURRENT_FEATURE_SET
    assert feature_set_id(tuple(reversed(FEATURE_NAMES))) != CURRENT_FEATURE_SET
    assert len(CURRENT_FEATURE_SET) == 16


def test_a_row_refuses_features_that_do_not_fit_and_naive_times(make_row) -> None:
    short = len(FEATURE_NAMES) - 1
    with pytest.raises(ValueError, match=f"{short} feature values for {short + 1}"):
        make_row(features=[0.0] * short)
    with pytest.raises(ValueError, match="time zone"):
        make_row(event_time=dt.datetime(2026, 11, 2, 9, 30))


def test_a_scored_record_becomes_a_row_with_its_undefined_features_as_nan() -> None:
    tx = Transaction.model_validate(Transaction.model_json_schema()["examples"][0])
    record = ScoredTransaction(
        transaction=tx, features={"amount": 12.5}, score=0.3, decision=Decision.REVIEW,
        reasons=["amount"], rules=[], model_version="m-2",
        scored_at=dt.datetime(2026, 11, 28, 13, 45, 13, tzinfo=dt.UTC),
        timings=Timings(scoring_ms=2.0), source_partition=2, source_offset=41,
    )  # fmt: skip
    row = DecisionRow.from_scored(record, Thresholds(review=0.25, block=0.9))
    assert row.features[0] == 12.5
    assert sum(math.isnan(value) for value in row.features) == len(FEATURE_NAMES) - 1
    assert (row.source_partition, row.source_offset, row.day) == (2, 41, dt.date(2026, 11, 28))
    assert row.thresholds.review == 0.25
    assert row.country == tx.country
    named = dict(zip(DECISION_COLUMNS, row.values(), strict=True))
    assert named["country"] == tx.country
    assert (named["merchant_name"], named["channel"], named["lat"], named["lon"]) == (
        tx.merchant_name,
        "contactless",
        tx.lat,
        tx.lon,
    )  # the whole payment, so a decision page can show and map it
