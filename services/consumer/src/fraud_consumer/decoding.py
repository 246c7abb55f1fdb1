"""Kafka messages to validated events, or to a dead letter saying precisely what was wrong."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Generic, TypeVar

from confluent_kafka import Message
from pydantic import ValidationError

from fraudcore.kafka_client import PRODUCED_AT_HEADER
from fraudcore.schemas import DLQ_REASONS, DeadLetter, Event, Label, Transaction, utcnow

E = TypeVar("E", bound=Event)


@dataclass(frozen=True)
class Decoded(Generic[E]):
    message: Message
    event: E
    produced_at_ns: int


@dataclass(frozen=True)
class Rejected:
    message: Message
    letter: DeadLetter
    reason: str  # one of DLQ_REASONS: a low-cardinality class for metrics


def _reason(error: ValidationError) -> tuple[str, str]:
    details = "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or '(message)'}: {e['msg']}"
        for e in error.errors()
    )
    kinds = {e["type"] for e in error.errors()}
    return ("json" if "json_invalid" in kinds else "schema"), details


def produced_at_ns(message: Message) -> int:
    """The producer's send time from our header, else the broker's (millisecond) timestamp."""
    headers = message.headers() or []
    pairs = headers.items() if isinstance(headers, dict) else headers
    for name, value in pairs:
        if name == PRODUCED_AT_HEADER and isinstance(value, bytes) and value.isdigit():
            return int(value)
    return int(message.timestamp()[1]) * 1_000_000


def reject(message: Message, reason: str, detail: str) -> Rejected:
    if reason not in DLQ_REASONS:  # the metric's label set is fixed: dashboards select on it
        raise ValueError(f"unknown dead-letter reason {reason!r}")
    key = message.key()
    letter = DeadLetter(
        original_value_b64=base64.b64encode(message.value() or b"").decode(),
        original_key_b64=base64.b64encode(key).decode() if key is not None else None,
        error=f"{reason}: {detail}"[:2_000],
        source_topic=message.topic() or "",
        source_partition=message.partition() or 0,
        source_offset=message.offset() or 0,
        failed_at=utcnow(),
    )
    return Rejected(message, letter, reason)


def decode_as(model: type[E], message: Message) -> Decoded[E] | Rejected:
    raw = message.value() or b""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return reject(message, "encoding", f"not UTF-8 ({error.reason} at byte {error.start})")
    try:
        event = model.model_validate_json(text)
    except ValidationError as error:
        return reject(message, *_reason(error))
    return Decoded(message, event, produced_at_ns(message))


def decode_transaction(message: Message) -> Decoded[Transaction] | Rejected:
    decoded = decode_as(Transaction, message)
    if isinstance(decoded, Decoded) and message.key() != decoded.event.card_id.encode():
        # The key decides the partition, and the partition decides who owns the card's state.
        return reject(
            message,
            "key",
            f"message key {message.key()!r} is not card_id {decoded.event.card_id!r}",
        )
    return decoded


def decode_label(message: Message) -> Decoded[Label] | Rejected:
    return decode_as(Label, message)
