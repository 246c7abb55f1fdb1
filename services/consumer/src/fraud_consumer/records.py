"""What the consumer writes about each transaction: the scored record (Kafka, alert stream),
a compact marker (Redis, for deduplication and late labels) and a map point (recent stream)."""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from fraudcore.schemas import Decision, ScoredTransaction


class Marker(BaseModel):
    """The Redis record of a processed transaction once its Kafka copies are acknowledged."""

    model_config = ConfigDict(frozen=True)

    card_id: str
    merchant_id: str
    decision: Decision
    score: float
    source_partition: int | None
    source_offset: int | None

    @classmethod
    def of(cls, record: ScoredTransaction) -> Marker:
        return cls(
            card_id=record.transaction.card_id,
            merchant_id=record.transaction.merchant_id,
            decision=record.decision,
            score=record.score,
            source_partition=record.source_partition,
            source_offset=record.source_offset,
        )


def parse_stored(raw: bytes) -> tuple[Marker, ScoredTransaction | None]:
    """A stored record is either the full scored transaction or, later, its marker."""
    data: dict[str, Any] = orjson.loads(raw)
    if "transaction" in data:
        full = ScoredTransaction.model_validate(data)
        return Marker.of(full), full
    return Marker.model_validate(data), None


def map_point(record: ScoredTransaction) -> bytes:
    """The few fields the live map needs, kept small: the recent stream holds thousands."""
    tx = record.transaction
    return orjson.dumps(
        {
            "id": tx.transaction_id,
            "t": tx.event_time.isoformat(),
            "lat": tx.lat,
            "lon": tx.lon,
            "amount": tx.amount,
            "currency": tx.currency,
            "merchant": tx.merchant_name,
            "category": tx.merchant_category,
            "channel": tx.channel.value,
            "country": tx.country,
            "city": tx.city,
            "decision": record.decision.value,
            "score": round(record.score, 4),
            "e2e_ms": round(record.timings.end_to_end_ms, 3),
            "model": record.model_version,
        }
    )
