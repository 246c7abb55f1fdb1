"""The hot-path record encoding stays the contract: every record validates as ScoredTransaction."""

import datetime as dt
import math

import orjson

from fraud_consumer.records import Scored, defined_features, parse_marker, records_of_batch
from fraudcore.features import FEATURE_NAMES
from fraudcore.schemas import Decision, ScoredTransaction, Transaction, format_time
from fraudcore.scoring import Verdict

TX = Transaction.model_validate(Transaction.model_json_schema()["examples"][0])


def scored(decision: Decision = Decision.REVIEW) -> Scored:
    row = [float(i) for i in range(len(FEATURE_NAMES))]
    row[3] = math.nan
    verdict = Verdict(0.73, decision, ["amount", "speed_from_last_kmh"], ["R01-IMPOSSIBLE-TRAVEL"])
    now = format_time(dt.datetime(2026, 11, 28, tzinfo=dt.UTC))
    return Scored(TX, TX.to_json(), defined_features(row), verdict, "m-1", now, 2, 42)


def test_record_is_a_valid_scored_transaction() -> None:
    timings = {"kafka_ms": 1.0, "decode_ms": 0.1, "features_ms": 0.2, "scoring_ms": 0.3,
               "sinks_ms": 0.4, "end_to_end_ms": 2.0}  # fmt: skip
    record = ScoredTransaction.from_json(scored().record(timings))
    assert isinstance(defined_features([0.0] * len(FEATURE_NAMES)), bytes)
    assert record.transaction == TX
    assert record.decision is Decision.REVIEW
    assert record.rules == ["R01-IMPOSSIBLE-TRAVEL"]
    assert FEATURE_NAMES[3] not in record.features  # NaN (undefined) is left out
    assert len(record.features) == len(FEATURE_NAMES) - 1
    assert (record.source_partition, record.source_offset) == (2, 42)
    assert record.timings.end_to_end_ms == 2.0


def test_marker_round_trip_and_recovery_copy_lookup() -> None:
    item = scored(Decision.BLOCK)
    marker = parse_marker(item.marker("fraud:batch:2-42", logged=True))
    assert (marker.merchant_id, marker.decision, marker.batch, marker.logged) == (
        TX.merchant_id,
        Decision.BLOCK,
        "fraud:batch:2-42",
        True,
    )
    assert parse_marker(item.marker("fraud:batch:2-42", logged=False)).logged is False
    older = orjson.loads(item.marker("fraud:batch:2-42", logged=True))
    del older["logged"]  # written by a consumer from before the flag: nothing known
    assert parse_marker(orjson.dumps(older)).logged is None
    timings = dict.fromkeys(
        ("kafka_ms", "decode_ms", "features_ms", "scoring_ms", "sinks_ms", "end_to_end_ms"), 1.0
    )
    copy = b"[" + item.record(timings) + b"]"
    found = records_of_batch(copy, TX.transaction_id)
    assert found is not None
    assert ScoredTransaction.from_json(found).transaction.transaction_id == TX.transaction_id
    assert records_of_batch(copy, "someone-else") is None
