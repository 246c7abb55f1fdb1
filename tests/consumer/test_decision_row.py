"""The row the consumer logs per payment is built straight from what decided it, without a
DecisionRow; it must encode to exactly the bytes the DecisionRow of the same decision does."""

import datetime as dt
import math
from operator import attrgetter

import numpy as np
import pytest

from fraud_consumer.decision_sink import decision_row
from fraud_consumer.records import Scored
from fraud_consumer.rule_hits import RuleHits
from fraudcore.decision_log import ChallengerVerdict, DecisionRow
from fraudcore.decision_log.contract import transaction_fields
from fraudcore.decision_log.copy_rows import RowEncoder
from fraudcore.decision_log.float4_array import encode_rows
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Timings, Transaction
from fraudcore.scoring import Verdict

EXAMPLE = Transaction.model_json_schema()["examples"][0]
DECIDED_AT = dt.datetime(2026, 12, 4, 23, 59, 59, 999_999, tzinfo=dt.UTC)
TIMINGS = {"kafka_ms": 1.25, "decode_ms": 0.1, "features_ms": 0.3, "scoring_ms": 0.7,
           "sinks_ms": 0.0, "end_to_end_ms": 2.5}  # fmt: skip
CASES = {
    "approved, no device, no challenger": (
        {"device_id": None}, Verdict(0.01, Decision.APPROVE, [], []), RuleHits(), None
    ),
    "blocked by rules, shadow rules, a challenger": (
        {"merchant_name": "Café Zürich ☕", "device_id": "dev-1"},
        Verdict(0.93, Decision.BLOCK, ["amount", "R02 in words"], ["R02", "R05"]),
        RuleHits([3, 1], ["S01"], [7]),
        ChallengerVerdict("m-2", 0.4, Decision.REVIEW, ["amount"]),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_the_logged_row_encodes_as_its_decision_row(case: str) -> None:
    fields, verdict, hits, challenger = CASES[case]
    tx = Transaction.model_validate({**EXAMPLE, **fields})
    features = np.linspace(-3, 3, len(FEATURE_NAMES), dtype=np.float32)
    features[2] = math.nan
    thresholds = Thresholds(review=0.2, block=0.8)
    scored = Scored(tx, tx.to_json(), b"{}", verdict, "m-1", "x", 5, 123_456, hits)
    (blob,) = encode_rows(features[None, :])

    logged = decision_row(scored, blob, thresholds, TIMINGS, DECIDED_AT, challenger=challenger)

    expected = DecisionRow(
        **transaction_fields(tx),
        features=features,
        score=verdict.score,
        model_version="m-1",
        thresholds=thresholds,
        rules=verdict.rules,
        reasons=verdict.reasons,
        decision=verdict.decision,
        timings=Timings(**TIMINGS),
        source_partition=5,
        source_offset=123_456,
        decided_at=DECIDED_AT,
        rule_versions=hits.versions,
        shadow_rules=hits.shadow,
        shadow_rule_versions=hits.shadow_versions,
        challenger=challenger,
    )
    encoder = RowEncoder()
    assert encoder.encode(logged).data == encoder.encode(expected).data
    beside = attrgetter("transaction_id", "event_time", "day", "feature_set", "feature_names")
    assert beside(logged) == beside(expected.log_row())
