"""What the consumer writes about each transaction: the scored record (Kafka, alert stream,
the batch's recovery copy), a compact marker (Redis, for deduplication and late labels) and a
map point (recent stream, ``fraudcore.live_streams.MapPoint``).

Records are encoded with orjson from plain values rather than through pydantic models: this is
the hot path, and tests check that every record validates as ``ScoredTransaction``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import compress
from operator import eq
from typing import Any, NamedTuple

import orjson
from pydantic import BaseModel, ConfigDict

from fraud_consumer.rule_hits import RuleHits
from fraudcore.features import FEATURE_NAMES
from fraudcore.live_streams import encode_map_point
from fraudcore.schemas import Decision, Transaction
from fraudcore.scoring import Verdict


class Marker(BaseModel):
    """The Redis record of a processed transaction: enough to recognise a redelivery, find the
    batch's full records while they are kept, and apply a late label. A payment of the warm
    start's history has no decision (it was not decided live) and no source message."""

    model_config = ConfigDict(frozen=True)

    card_id: str
    merchant_id: str
    decision: Decision | None
    # The payment's amount_vs_card_scale as served, for its label (None: undefined, or a marker
    # written before it was kept).
    card_excess: float | None = None
    score: float | None = None
    source_partition: int = -1
    source_offset: int = -1
    batch: str = ""
    # Whether the deciding consumer logs its decisions (None: a marker of an older consumer).
    logged: bool | None = None


def history_marker(card_id: str, merchant_id: str, card_excess: float) -> bytes:
    """The marker of a history payment whose label had not arrived by the warm start's cut-off
    (NaN excess is written as null)."""
    return orjson.dumps(
        {"card_id": card_id, "merchant_id": merchant_id, "decision": None,
         "card_excess": card_excess}
    )  # fmt: skip


def parse_marker(raw: bytes) -> Marker:
    return Marker.model_validate_json(raw)


class RecordParts(NamedTuple):
    """A scored record's JSON before and after the value of its ``timings``."""

    head: bytes
    tail: bytes

    def with_timings(self, timings: dict[str, float]) -> bytes:
        return b"".join((self.head, orjson.dumps(timings), self.tail))


@dataclass(slots=True)
class Scored:
    """One scored transaction, ready for the sinks (made per payment: a plain slotted class)."""

    tx: Transaction
    tx_json: bytes
    features_json: bytes  # undefined (NaN) features left out: JSON has no NaN
    verdict: Verdict
    model_version: str
    scored_at: str
    partition: int
    offset: int
    hits: RuleHits = field(default_factory=RuleHits)  # the fired rules' versions, the shadow's
    card_excess: float = math.nan  # amount_vs_card_scale as served, which its label reads

    def record_parts(self) -> RecordParts:
        """The record around its timings, encoded once for every copy (the recovery copy and
        alerts before the sinks ran, Kafka's after): only the timings differ between them."""
        v = self.verdict
        head = orjson.dumps(
            {
                "schema_version": 1,
                "transaction": orjson.Fragment(self.tx_json),
                "features": orjson.Fragment(self.features_json),
                "score": min(max(v.score, 0.0), 1.0),
                "decision": v.decision,
                "reasons": v.reasons,
                "rules": v.rules,
                "model_version": self.model_version,
                "scored_at": self.scored_at,
            }
        )
        tail = orjson.dumps({"source_partition": self.partition, "source_offset": self.offset})
        return RecordParts(head[:-1] + b',"timings":', b"," + tail[1:])

    def record(self, timings: dict[str, float]) -> bytes:
        return self.record_parts().with_timings(timings)

    def marker(self, batch_key: str, *, logged: bool) -> bytes:
        return orjson.dumps(
            {
                "card_id": self.tx.card_id,
                "merchant_id": self.tx.merchant_id,
                "decision": self.verdict.decision,
                "card_excess": self.card_excess,  # NaN: null
                "score": self.verdict.score,
                "source_partition": self.partition,
                "source_offset": self.offset,
                "batch": batch_key,
                "logged": logged,
            }
        )

    def map_point(self, e2e_ms: float) -> bytes:
        tx = self.tx
        return encode_map_point(
            {
                "id": tx.transaction_id,
                "t": tx.event_time.isoformat(),
                "lat": tx.lat,
                "lon": tx.lon,
                "amount": tx.amount,
                "currency": tx.currency,
                "merchant": tx.merchant_name,
                "category": tx.merchant_category,
                "channel": tx.channel,
                "country": tx.country,
                "city": tx.city,
                "decision": self.verdict.decision,
                "score": round(self.verdict.score, 4),
                "e2e_ms": round(e2e_ms, 3),
                "model": self.model_version,
            }
        )


def defined_features(row: list[float]) -> bytes:
    """The features as a JSON object, encoded once for every copy of the record."""
    # NaN is the one float unequal to itself: the selection runs as a C loop.
    defined = compress(zip(FEATURE_NAMES, row, strict=True), map(eq, row, row))
    return orjson.dumps(dict(defined))


def records_of_batch(raw: bytes, transaction_id: str) -> bytes | None:
    """One transaction's full record out of a batch's recovery copy."""
    records: list[dict[str, Any]] = orjson.loads(raw)
    for record in records:
        if record["transaction"]["transaction_id"] == transaction_id:
            return orjson.dumps(record)
    return None
