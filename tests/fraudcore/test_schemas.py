import datetime as dt
import json
import math

import pytest
from pydantic import ValidationError

from fraudcore.schemas import (
    Channel,
    DeadLetter,
    Decision,
    Label,
    LabelSource,
    ScoredTransaction,
    Transaction,
    format_time,
)

EXAMPLE = Transaction.model_json_schema()["examples"][0]


def make(**changes: object) -> dict[str, object]:
    return {**EXAMPLE, **changes}


def test_transaction_round_trip_is_lossless() -> None:
    tx = Transaction.model_validate(make())
    again = Transaction.from_json(tx.to_json())
    assert again == tx
    assert again.channel is Channel.CONTACTLESS


def test_event_time_is_utc_with_z_suffix_whatever_the_input_offset() -> None:
    tx = Transaction.model_validate(make(event_time="2026-11-28T15:45:12.5+02:00"))
    assert tx.event_time == dt.datetime(2026, 11, 28, 13, 45, 12, 500000, tzinfo=dt.UTC)
    assert json.loads(tx.to_json())["event_time"] == "2026-11-28T13:45:12.500000Z"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", -5.0, "greater than 0"),
        ("amount", 0, "greater than 0"),
        ("amount", math.inf, "finite number"),
        ("amount", "twelve", "valid number"),
        ("event_time", "2026-11-28T13:45:12", "timezone"),
        ("channel", "telepathy", "'pos', 'online', 'atm' or 'contactless'"),
        ("country", "France", "pattern"),
        ("merchant_category", "58", "pattern"),
        ("lat", 91.0, "less than or equal to 90"),
    ],
)
def test_invalid_fields_are_rejected_with_a_precise_message(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Transaction.model_validate(make(**{field: value}))
    errors = caught.value.errors()
    assert [error["loc"] for error in errors] == [(field,)]
    assert message in errors[0]["msg"]


def test_nan_amount_in_raw_json_is_rejected() -> None:
    raw = json.dumps(make(amount=float("nan")))
    assert "NaN" in raw
    with pytest.raises(ValidationError, match="amount"):
        Transaction.from_json(raw)


def test_label_fields_never_ride_inside_a_transaction() -> None:
    with pytest.raises(ValidationError, match="is_fraud"):
        Transaction.model_validate(make(is_fraud=True))
    assert not {"is_fraud", "scenario", "label", "label_time"} & set(Transaction.model_fields)


def test_missing_required_field_is_named() -> None:
    data = make()
    del data["card_id"]
    with pytest.raises(ValidationError) as caught:
        Transaction.model_validate(data)
    assert caught.value.errors()[0]["loc"] == ("card_id",)


def test_transaction_fields_match_the_contract() -> None:
    assert list(Transaction.model_fields) == [
        "schema_version", "transaction_id", "event_time", "card_id", "customer_id",
        "merchant_id", "merchant_name", "merchant_category", "amount", "currency", "channel",
        "country", "city", "lat", "lon", "device_id",
    ]  # fmt: skip


def test_label_scored_and_dead_letter_round_trip() -> None:
    now = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    tx = Transaction.model_validate(make())
    events = [
        Label(transaction_id="tx-1", is_fraud=True, scenario="card_testing", labelled_at=now),
        ScoredTransaction(
            transaction=tx,
            features={"amount": 12.5},
            score=0.93,
            decision=Decision.BLOCK,
            reasons=["amount_ratio"],
            rules=["R1"],
            model_version="v1",
            scored_at=now,
        ),
        DeadLetter(
            original_value_b64="e30=",
            error="invalid JSON",
            source_topic="transactions",
            source_partition=1,
            source_offset=42,
            failed_at=now,
        ),
    ]
    for event in events:
        assert type(event).from_json(event.to_json()) == event
        assert json.loads(event.to_json())["schema_version"] == 1


def test_format_time_normalises_offsets() -> None:
    moment = dt.datetime(2026, 1, 1, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert format_time(moment) == "2026-01-01T00:00:00.000000Z"


def test_a_label_says_where_it_came_from_and_an_analysts_names_them() -> None:
    at = "2026-03-02T10:00:00Z"
    fields = {"transaction_id": "tx-1", "is_fraud": True, "scenario": "x", "labelled_at": at}
    old = Label.from_json(json.dumps(fields))
    assert (old.source, old.analyst) == (LabelSource.CHARGEBACK, None)  # labels before verdicts
    # A chargeback is written as before verdicts existed: consumers of then still read it.
    assert json.loads(old.to_json()) == {"schema_version": 1} | fields
    assert json.loads(old.model_dump_json()) == {"schema_version": 1} | fields
    verdict = Label(transaction_id="tx-1", is_fraud=False, scenario="genuine", labelled_at=at,
                    source=LabelSource.ANALYST, analyst="ana")  # fmt: skip
    assert Label.from_json(verdict.to_json()) == verdict
    assert json.loads(verdict.to_json())["analyst"] == "ana"
    for extra in ({"source": "analyst"}, {"analyst": "ana"}, {"source": "oracle"}):
        with pytest.raises(ValidationError):
            Label.model_validate(fields | extra)
