"""A migrated, empty decision log per test, and decision rows to write into it."""

import datetime as dt
import math
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest

from fraudcore.decision_log import DecisionRow, connect, migrate
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Timings

T0 = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def decision_log(database_factory) -> Iterator[psycopg.Connection]:
    conn = connect(database_factory())
    migrate(conn)
    yield conn
    conn.close()


RowFactory = Callable[..., DecisionRow]


@pytest.fixture
def make_row() -> RowFactory:
    """make(**fields) -> a DecisionRow with a fresh id at T0 unless told otherwise."""

    def make(**fields: object) -> DecisionRow:
        features = [float(i) / 7 for i in range(len(FEATURE_NAMES))]
        features[3] = math.nan
        values: dict[str, object] = {
            "transaction_id": f"tx-{uuid.uuid4().hex[:12]}",
            "event_time": T0,
            "card_id": "card-1",
            "merchant_id": "merch-1",
            "amount": 12.5,
            "currency": "EUR",
            "features": features,
            "score": 0.125,
            "model_version": "m-1",
            "thresholds": Thresholds(review=0.2, block=0.8),
            "rules": [],
            "reasons": [],
            "decision": Decision.APPROVE,
            "timings": Timings(kafka_ms=1.0, scoring_ms=0.5),
            "source_partition": 0,
            "source_offset": 0,
            "decided_at": T0 + dt.timedelta(seconds=1),
        }
        values.update(fields)
        return DecisionRow(**values)  # type: ignore[arg-type]

    return make
