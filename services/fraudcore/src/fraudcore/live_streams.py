"""The consumer's two capped Redis streams and what their entries hold: the recent stream
(``RedisKeys.recent``) one map point per scored payment, the alert stream (``RedisKeys.alerts``)
the full scored record (``fraudcore.schemas.ScoredTransaction`` JSON) of every review or block.
Each entry carries one JSON document under ``STREAM_FIELD``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from typing_extensions import TypedDict

STREAM_FIELD = "d"


class MapPoint(TypedDict):
    """The few fields the live map and the recent-payments list need: the recent stream holds
    thousands, so not the whole record."""

    id: str
    t: str  # event time, ISO 8601
    lat: float
    lon: float
    amount: float
    currency: str
    merchant: str
    category: str
    channel: str
    country: str
    city: str
    decision: str
    score: float
    e2e_ms: float
    model: str


class AlertSummary(TypedDict):
    """One line of the alert feed, read from a scored record."""

    id: str
    time: str
    amount: float
    currency: str
    merchant: str
    country: str
    city: str
    decision: str
    score: float
    reasons: list[str]
    rules: list[str]


def entry_data(fields: Mapping[bytes, bytes]) -> bytes:
    """The JSON document of one stream entry (as XREAD/XRANGE return its fields)."""
    return fields[STREAM_FIELD.encode()]


def encode_map_point(point: MapPoint) -> bytes:
    return orjson.dumps(point)


def map_point(fields: Mapping[bytes, bytes]) -> MapPoint:
    point: MapPoint = orjson.loads(entry_data(fields))
    return point


def alert_record(fields: Mapping[bytes, bytes]) -> dict[str, Any]:
    """An alert entry's scored record."""
    record: dict[str, Any] = orjson.loads(entry_data(fields))
    return record


def alert_id(record: Mapping[str, Any]) -> str:
    transaction_id: str = record["transaction"]["transaction_id"]
    return transaction_id


def alert_summary(record: Mapping[str, Any]) -> AlertSummary:
    tx = record["transaction"]
    return {
        "id": tx["transaction_id"],
        "time": tx["event_time"],
        "amount": tx["amount"],
        "currency": tx["currency"],
        "merchant": tx["merchant_name"],
        "country": tx["country"],
        "city": tx["city"],
        "decision": record["decision"],
        "score": record["score"],
        "reasons": record["reasons"],
        "rules": record["rules"],
    }
