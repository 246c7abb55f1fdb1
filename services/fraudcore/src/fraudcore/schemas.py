"""Event schemas: the one definition of every message that crosses a process boundary.

Pydantic v2 was chosen over msgspec on measurement (README, "Event encoding"): a transaction
decodes and validates in ~3.7 us and encodes in ~2.4 us against msgspec's ~0.6 / ~0.4 us. That
is under 3% of one core at 5,000 tx/s, and in exchange the same classes drive FastAPI request
validation, per-field 422 messages and the OpenAPI docs: one schema, not two kept in sync.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

SCHEMA_VERSION: Literal[1] = 1


def format_time(value: dt.datetime) -> str:
    """ISO 8601 in UTC with a 'Z' suffix and microseconds: one spelling everywhere."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=128)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
MerchantCategoryCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
Amount = Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)]
# Normalised to UTC on the way in; pydantic's own (Rust) serializer then writes ISO 8601 with 'Z'.
UtcTime = Annotated[AwareDatetime, AfterValidator(lambda value: value.astimezone(dt.UTC))]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class Channel(StrEnum):
    POS = "pos"
    ONLINE = "online"
    ATM = "atm"
    CONTACTLESS = "contactless"


class Decision(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    BLOCK = "block"


class Event(BaseModel):
    """Base of all events: immutable, strict about unknown fields, compact JSON."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Any:
        return cls.model_validate_json(data)


class Transaction(Event):
    """A card payment as the issuer sees it at authorisation time. It never carries a label."""

    schema_version: Literal[1] = SCHEMA_VERSION
    transaction_id: Identifier
    event_time: UtcTime = Field(description="UTC, ISO 8601")
    card_id: Identifier
    customer_id: Identifier
    merchant_id: Identifier
    merchant_name: Text
    merchant_category: MerchantCategoryCode = Field(description="ISO 18245 merchant category code")
    amount: Amount
    currency: CurrencyCode
    channel: Channel
    country: CountryCode = Field(description="ISO 3166-1 alpha-2")
    city: Text
    lat: Latitude
    lon: Longitude
    device_id: Identifier | None = None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "schema_version": 1,
                    "transaction_id": "tx-000000000001",
                    "event_time": "2026-11-28T13:45:12.345678Z",
                    "card_id": "card-0000042",
                    "customer_id": "cust-0000042",
                    "merchant_id": "merch-000017",
                    "merchant_name": "Boulangerie Martin",
                    "merchant_category": "5812",
                    "amount": 12.5,
                    "currency": "EUR",
                    "channel": "contactless",
                    "country": "FR",
                    "city": "Paris",
                    "lat": 48.8566,
                    "lon": 2.3522,
                    "device_id": None,
                }
            ]
        }
    )


class LabelSource(StrEnum):
    CHARGEBACK = "chargeback"  # the issuer's ground truth (the simulator's labels)
    ANALYST = "analyst"  # a verdict given in the dashboard


class Label(Event):
    """Delayed ground truth: a chargeback (or a confirmed genuine transaction), or an analyst's
    verdict. Labels without ``source`` are chargebacks, as every label was before verdicts."""

    schema_version: Literal[1] = SCHEMA_VERSION
    transaction_id: Identifier
    is_fraud: bool
    scenario: Annotated[str, StringConstraints(max_length=64)] = Field(
        description="fraud scenario name, or 'genuine'"
    )
    labelled_at: UtcTime
    # Left out of a chargeback's JSON, which stays byte for byte what it was before verdicts:
    # consumers of that time still read it (they refuse unknown fields).
    source: LabelSource = Field(
        default=LabelSource.CHARGEBACK, exclude_if=lambda value: value is LabelSource.CHARGEBACK
    )
    analyst: Identifier | None = Field(
        default=None,
        description="who gave an analyst's verdict",
        exclude_if=lambda value: value is None,
    )

    @model_validator(mode="after")
    def _analyst_names_who(self) -> Label:
        if (self.source is LabelSource.ANALYST) != (self.analyst is not None):
            raise ValueError("an analyst's label names its analyst, and only an analyst's does")
        return self


class Timings(BaseModel):
    """Milliseconds spent per stage, from the produce timestamp to the sinks."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kafka_ms: float = 0.0
    decode_ms: float = 0.0
    features_ms: float = 0.0
    scoring_ms: float = 0.0
    sinks_ms: float = 0.0
    end_to_end_ms: float = 0.0


class ScoredTransaction(Event):
    """A transaction with its features, score, decision and why."""

    schema_version: Literal[1] = SCHEMA_VERSION
    transaction: Transaction
    features: dict[str, float]
    score: Annotated[float, Field(ge=0, le=1)]
    decision: Decision
    reasons: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)
    model_version: str
    scored_at: UtcTime
    timings: Timings = Field(default_factory=Timings)
    source_partition: int | None = Field(default=None, description="where the input was read")
    source_offset: int | None = None


# Why a message was dead-lettered: a DeadLetter's error starts with one of these and a colon.
# "unmatched": a label whose transaction (or its decision's log row) never came.
DLQ_REASONS: tuple[str, ...] = ("encoding", "json", "schema", "key", "unmatched")


class DeadLetter(Event):
    """An input message that could not be processed, kept byte for byte with the reason."""

    schema_version: Literal[1] = SCHEMA_VERSION
    original_value_b64: str
    original_key_b64: str | None = None
    error: str
    source_topic: str
    source_partition: int
    source_offset: int
    failed_at: UtcTime
