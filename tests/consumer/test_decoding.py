"""Decoding never crashes and never lets anything invalid through (property-based)."""

import json

from confluent_kafka import Message
from hypothesis import given, settings
from hypothesis import strategies as st

from fraud_consumer.decoding import Decoded, Rejected, decode_label, decode_transaction
from fraudcore.kafka_client import PRODUCED_AT_HEADER
from fraudcore.schemas import DLQ_REASONS, DeadLetter, Transaction

EXAMPLE = Transaction.model_json_schema()["examples"][0]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)


def message(value: bytes, key: bytes | None = b"card-0000042", headers=None) -> Message:
    return Message(topic="transactions", partition=2, offset=77, key=key, value=value,
                   headers=headers or [(PRODUCED_AT_HEADER, b"1700000000000000000")])  # fmt: skip


def assert_rejected_well(result: Decoded | Rejected, value: bytes) -> None:
    assert isinstance(result, Rejected)
    assert result.reason in DLQ_REASONS
    letter = DeadLetter.from_json(result.letter.to_json())
    assert (letter.source_topic, letter.source_partition, letter.source_offset) == (
        "transactions",
        2,
        77,
    )
    assert letter.error.split(":")[0] == result.reason


@given(st.binary(max_size=600))
@settings(max_examples=400, deadline=None)
def test_arbitrary_bytes_never_crash_and_never_pass(value: bytes) -> None:
    result = decode_transaction(message(value))
    if isinstance(result, Decoded):  # only a genuinely valid transaction may get through
        assert Transaction.model_validate_json(value) == result.event
    else:
        assert_rejected_well(result, value)


@given(st.dictionaries(st.sampled_from(list(EXAMPLE)), JSON_VALUES))
@settings(max_examples=400, deadline=None)
def test_transactions_with_fields_replaced_by_anything(changes: dict) -> None:
    document = {**EXAMPLE, **changes}
    value = json.dumps(document, allow_nan=True).encode()
    result = decode_transaction(message(value))
    if isinstance(result, Decoded):
        assert result.event.card_id == "card-0000042"
        assert result.event.amount > 0
        assert result.produced_at_ns == 1_700_000_000_000_000_000
    else:
        assert_rejected_well(result, value)


@given(st.sampled_from(list(EXAMPLE)), st.sampled_from(["is_fraud", "label", "scenario", "x"]))
def test_missing_or_extra_fields_are_named_in_the_reason(dropped: str, extra: str) -> None:
    document = {key: value for key, value in EXAMPLE.items() if key != dropped} | {extra: True}
    result = decode_transaction(message(json.dumps(document).encode()))
    assert isinstance(result, Rejected)
    assert extra in result.letter.error
    if dropped not in ("schema_version", "device_id"):  # those two have defaults
        assert dropped in result.letter.error


def test_a_key_that_is_not_the_card_is_rejected() -> None:
    result = decode_transaction(message(json.dumps(EXAMPLE).encode(), key=b"someone-else"))
    assert isinstance(result, Rejected)
    assert result.reason == "key"


def test_without_the_header_the_broker_timestamp_is_used() -> None:
    result = decode_transaction(message(json.dumps(EXAMPLE).encode(), headers=[("other", b"x")]))
    assert isinstance(result, Decoded)
    assert result.produced_at_ns == 0  # the test message carries broker timestamp 0


@given(st.binary(max_size=300))
@settings(max_examples=200, deadline=None)
def test_labels_decode_or_are_rejected(value: bytes) -> None:
    result = decode_label(message(value))
    assert isinstance(result, Decoded | Rejected)
