"""The decision log's contract: table and column names, and the row the consumer writes.

Every module that reads or writes the log takes its names from here; a test checks that the
migrated schema has exactly these columns in this order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt

from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, ScoredTransaction, Timings, Transaction

if TYPE_CHECKING:
    from fraudcore.scoring import Verdict

DECISIONS = "decisions"
LABELS = "decision_labels"
FEATURE_SETS = "feature_sets"
MIGRATIONS = "schema_migrations"
DISAGREEMENTS = "label_disagreements"
VERDICTS = "case_verdicts"
AUDIT = "audit_events"
RULES = "rules"  # every version of every rule (migration 0007)
RULES_REVISION = "rules_revision"  # bumped by every change to RULES (lists_revision: LISTS)
LISTS = "list_entries"  # what the lists rules read hold (migration 0008)
LIST_CHANGES = "list_changes"  # every list change, by the lists' revision it made (0009)

TIMING_COLUMNS = tuple(Timings.model_fields)
# The rest of the payment, so a decision page shows it whole (migration 0004; NULL before).
PAYMENT_COLUMNS = (
    "customer_id",
    "merchant_name",
    "merchant_category",
    "channel",
    "city",
    "lat",
    "lon",
    "device_id",
)  # kafka_ms ... end_to_end_ms, as the record has them
# The challenger's verdict on the same payment, scored in shadow (migration 0006; NULL when no
# challenger was set, and on older rows).
CHALLENGER_COLUMNS = (
    "challenger_version",
    "challenger_score",
    "challenger_decision",
    "challenger_reasons",
)
# Which rule versions fired, and which shadow rules would have (migration 0007; NULL before).
RULE_COLUMNS = ("rule_versions", "shadow_rules", "shadow_rule_versions")
DECISION_COLUMNS = (
    "transaction_id",
    "event_time",
    "card_id",
    "merchant_id",
    "amount",
    "currency",
    "feature_set",
    "features",
    "score",
    "model_version",
    "review_threshold",
    "block_threshold",
    "rules",
    "reasons",
    "decision",
    *TIMING_COLUMNS,
    "source_partition",
    "source_offset",
    "decided_at",
    "country",  # added by migration 0002: columns only ever join at the end
    *PAYMENT_COLUMNS,  # added by migration 0004
    *CHALLENGER_COLUMNS,  # added by migration 0006 (after 0005's queue_closed_at)
    *RULE_COLUMNS,  # added by migration 0007
)
# PostgreSQL types of DECISION_COLUMNS, for binary COPY.
DECISION_TYPES = (
    "text", "timestamptz", "text", "text", "float8", "text", "text", "float4[]", "float8",
    "text", "float8", "float8", "text[]", "text[]", "text",
    *("float4",) * len(TIMING_COLUMNS),
    "int4", "int8", "timestamptz", "text",
    "text", "text", "text", "text", "text", "float8", "float8", "text",
    "text", "float8", "text", "text[]",
    "int4[]", "text[]", "int4[]",
)  # fmt: skip
LABEL_COLUMNS = (
    "transaction_id",
    "event_time",
    "is_fraud",
    "scenario",
    "labelled_at",
    "applied_at",
    "source",  # added by migration 0003, as is analyst
    "analyst",
)
FEATURE_SET_COLUMNS = ("feature_set", "names", "first_logged")


def feature_set_id(names: Sequence[str]) -> str:
    """A short stable name for an ordered feature list (16 hex digits of its SHA-256)."""
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]


CURRENT_FEATURE_SET = feature_set_id(FEATURE_NAMES)


def transaction_fields(tx: Transaction) -> dict[str, Any]:
    """A row's fields that come from the transaction itself."""
    return {
        "transaction_id": tx.transaction_id,
        "event_time": tx.event_time,
        "card_id": tx.card_id,
        "merchant_id": tx.merchant_id,
        "amount": tx.amount,
        "currency": tx.currency,
        "country": tx.country,
        "customer_id": tx.customer_id,
        "merchant_name": tx.merchant_name,
        "merchant_category": tx.merchant_category,
        "channel": tx.channel.value,
        "city": tx.city,
        "lat": tx.lat,
        "lon": tx.lon,
        "device_id": tx.device_id,
    }


@dataclass(frozen=True)
class ChallengerVerdict:
    """What the challenger said about a payment, in shadow: logged, never acted on."""

    model_version: str
    score: float
    decision: Decision
    reasons: Sequence[str]

    NONE = (None, None, None, None)  # the columns of a row decided without a challenger

    def values(self) -> tuple[object, ...]:
        """In CHALLENGER_COLUMNS order."""
        return (self.model_version, self.score, self.decision.value, list(self.reasons))


@dataclass(frozen=True, slots=True)  # slots: a third cheaper to build, once per payment
class DecisionRow:
    """One decision as logged. ``features`` are in ``feature_names`` order, NaN where undefined:
    exactly the float32 values the model was given."""

    transaction_id: str
    event_time: dt.datetime
    card_id: str
    merchant_id: str
    amount: float
    currency: str
    features: Sequence[float] | npt.NDArray[np.float32]
    score: float
    model_version: str
    thresholds: Thresholds
    rules: Sequence[str]
    reasons: Sequence[str]
    decision: Decision
    timings: Timings
    source_partition: int
    source_offset: int
    decided_at: dt.datetime
    feature_names: tuple[str, ...] = field(default=FEATURE_NAMES)
    country: str | None = None  # ISO 3166-1 alpha-2 of the payment; unknown on older rows
    # The rest of the payment (PAYMENT_COLUMNS); unknown on rows logged before migration 0004.
    customer_id: str | None = None
    merchant_name: str | None = None
    merchant_category: str | None = None
    channel: str | None = None
    city: str | None = None
    lat: float | None = None
    lon: float | None = None
    device_id: str | None = None
    challenger: ChallengerVerdict | None = None  # the challenger's, in shadow; None: none set
    # Versions of ``rules`` in the same order, and the shadow rules that would have fired, with
    # theirs (RULE_COLUMNS); None where unknown (a row rebuilt from a scored record).
    rule_versions: Sequence[int] | None = None
    shadow_rules: Sequence[str] | None = None
    shadow_rule_versions: Sequence[int] | None = None

    def __post_init__(self) -> None:
        if len(self.features) != len(self.feature_names):
            raise ValueError(
                f"{self.transaction_id}: {len(self.features)} feature values for "
                f"{len(self.feature_names)} feature names"
            )
        if self.event_time.tzinfo is None or self.decided_at.tzinfo is None:
            raise ValueError(f"{self.transaction_id}: times must carry a time zone")

    @property
    def feature_set(self) -> str:
        if self.feature_names is FEATURE_NAMES:
            return CURRENT_FEATURE_SET
        return feature_set_id(self.feature_names)

    @property
    def day(self) -> dt.date:
        return utc_day(self.event_time)

    def values(self) -> tuple[object, ...]:
        """The row in DECISION_COLUMNS order."""
        return decision_values(
            self,
            channel=self.channel,
            feature_set=self.feature_set,
            features=self.features,
            decided=self,
            model_version=self.model_version,
            thresholds=self.thresholds,
            timings=_timing_values(self.timings),
            source=(self.source_partition, self.source_offset),
            decided_at=self.decided_at,
            challenger=self.challenger,
            rules=(
                _listed(self.rule_versions),
                _listed(self.shadow_rules),
                _listed(self.shadow_rule_versions),
            ),
        )

    def log_row(self) -> LogRow:
        return LogRow(self.transaction_id, self.event_time, self.feature_names, self.values())

    @classmethod
    def from_scored(cls, record: ScoredTransaction, thresholds: Thresholds) -> DecisionRow:
        """The row of a scored record (features it leaves out were undefined: NaN)."""
        return cls(
            **transaction_fields(record.transaction),
            features=[record.features.get(name, math.nan) for name in FEATURE_NAMES],
            score=record.score,
            model_version=record.model_version,
            thresholds=thresholds,
            rules=record.rules,
            reasons=record.reasons,
            decision=record.decision,
            timings=record.timings,
            source_partition=-1 if record.source_partition is None else record.source_partition,
            source_offset=-1 if record.source_offset is None else record.source_offset,
            decided_at=record.scored_at,
        )


class LogRow(NamedTuple):
    """A decision ready to encode: its values in DECISION_COLUMNS order (the features as
    numbers, or as ``real[]`` already, ``float4_array.encode_rows``), and what the writer reads
    of it unencoded."""

    transaction_id: str
    event_time: dt.datetime
    feature_names: tuple[str, ...]
    values: tuple[object, ...]

    @property
    def feature_set(self) -> str:
        return self.values[_FEATURE_SET]  # type: ignore[return-value]

    @property
    def day(self) -> dt.date:
        return utc_day(self.event_time)


def served_row(
    tx: Transaction,
    features: bytes,
    verdict: Verdict,
    *,
    model_version: str,
    thresholds: Thresholds,
    timings: tuple[float, ...],
    source: tuple[int, int],
    decided_at: dt.datetime,
    challenger: ChallengerVerdict | None,
    rule_versions: Sequence[int],
    shadow_rules: Sequence[str],
    shadow_rule_versions: Sequence[int],
) -> LogRow:
    """The row of a payment decided now, from what decided it: ``DecisionRow(...).log_row()``
    without the row object and its checks, a fifth of the cost, once per payment in the
    consumer's loop (a test checks that both encode to the same bytes). ``features``: the
    model's float32 values as ``real[]`` (``float4_array.encode_rows``); ``timings`` in
    TIMING_COLUMNS order; ``source``: partition and offset."""
    values = decision_values(
        tx,
        channel=tx.channel.value,
        feature_set=CURRENT_FEATURE_SET,
        features=features,
        decided=verdict,
        model_version=model_version,
        thresholds=thresholds,
        timings=timings,
        source=source,
        decided_at=decided_at,
        challenger=challenger,
        rules=(rule_versions, shadow_rules, shadow_rule_versions),
    )
    return LogRow(tx.transaction_id, tx.event_time, FEATURE_NAMES, values)


def decision_values(
    payment: Transaction | DecisionRow,
    *,
    channel: str | None,
    feature_set: str,
    features: object,
    decided: Verdict | DecisionRow,
    model_version: str,
    thresholds: Thresholds,
    timings: Sequence[float],
    source: tuple[int, int],
    decided_at: dt.datetime,
    challenger: ChallengerVerdict | None,
    rules: tuple[Sequence[int] | None, Sequence[str] | None, Sequence[int] | None],
) -> tuple[object, ...]:
    """A decision's values in DECISION_COLUMNS order, the one place that order is written:
    ``timings`` in TIMING_COLUMNS order, ``source`` partition and offset, ``rules`` in
    RULE_COLUMNS order."""
    return (
        payment.transaction_id,
        payment.event_time,
        payment.card_id,
        payment.merchant_id,
        payment.amount,
        payment.currency,
        feature_set,
        features,
        decided.score,
        model_version,
        thresholds.review,
        thresholds.block,
        decided.rules,
        decided.reasons,
        decided.decision.value,
        *timings,
        *source,
        decided_at,
        payment.country,
        payment.customer_id,
        payment.merchant_name,
        payment.merchant_category,
        channel,  # the enum's value for a Transaction, as logged already for a DecisionRow
        payment.city,
        payment.lat,
        payment.lon,
        payment.device_id,
        *(ChallengerVerdict.NONE if challenger is None else challenger.values()),
        *rules,
    )


def utc_day(time: dt.datetime) -> dt.date:
    """The day partition of an event time."""
    return time.astimezone(dt.UTC).date()


_FEATURE_SET = DECISION_COLUMNS.index("feature_set")
_timing_values = attrgetter(*TIMING_COLUMNS)


def _listed(values: Sequence[Any] | None) -> list[Any] | None:
    return None if values is None else list(values)
