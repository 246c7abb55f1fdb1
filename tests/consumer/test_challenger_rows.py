"""The challenger's verdicts on a batch's rows: one per row, or none at all without one."""

import datetime as dt

import numpy as np
import pytest

from fraud_consumer.decision_sink import challengers, with_challenger
from fraud_consumer.scorers import Rows, Shadow
from fraudcore.decision_log import ChallengerVerdict, DecisionRow
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Timings
from fraudcore.scoring import Verdict

T0 = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)


def _row(i: int) -> DecisionRow:
    return DecisionRow(
        transaction_id=f"tx-{i}", event_time=T0, card_id="c", merchant_id="m", amount=1.0,
        currency="EUR", features=[float(i)] * len(FEATURE_NAMES), score=0.1, model_version="a",
        thresholds=Thresholds(review=0.2, block=0.8), rules=[], reasons=[],
        decision=Decision.APPROVE, timings=Timings(), source_partition=0, source_offset=i,
        decided_at=T0,
    )  # fmt: skip


def _by_first_feature(rows: Rows) -> Shadow:
    """A challenger whose score is the row's first feature / 10."""
    return Shadow("b", [Verdict(float(r[0]) / 10, Decision.REVIEW, ["amount"], []) for r in rows])


def test_without_a_challenger_every_row_has_none() -> None:
    assert challengers(None, 3) == [None, None, None]


def test_each_row_gets_its_own_verdict() -> None:
    shadow = _by_first_feature(np.array([[1.0], [2.0]], dtype=np.float32))
    assert challengers(shadow, 2) == [
        ChallengerVerdict("b", 0.1, Decision.REVIEW, ["amount"]),
        ChallengerVerdict("b", 0.2, Decision.REVIEW, ["amount"]),
    ]


def test_rows_rebuilt_from_records_are_scored_again_from_their_features() -> None:
    rows = with_challenger([_row(3), _row(7)], _by_first_feature)
    assert [(r.transaction_id, r.challenger) for r in rows] == [
        ("tx-3", ChallengerVerdict("b", pytest.approx(0.3), Decision.REVIEW, ["amount"])),
        ("tx-7", ChallengerVerdict("b", pytest.approx(0.7), Decision.REVIEW, ["amount"])),
    ]
    assert with_challenger([_row(1)], lambda rows: None)[0].challenger is None
    assert with_challenger([], _by_first_feature) == []
