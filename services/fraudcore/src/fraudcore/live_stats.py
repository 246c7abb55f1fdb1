"""The consumer's running figures in Redis and how readers add them up: the statistics hash
(``RedisKeys.stats``), the model hash (``RedisKeys.model``) and the per-minute end-to-end latency
histograms (``RedisKeys.latency``). The consumer writes them, the dashboard and tests read them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fraudcore.currency import total_in_reporting
from fraudcore.metrics import LATENCY_BUCKETS_S
from fraudcore.schemas import Decision

TRANSACTIONS = "transactions"  # scored, each transaction id once
LABELS = "labels"  # labels applied, each transaction id once
LABELS_FRAUD = "labels:fraud"
OUTCOMES = ("tp", "fp", "fn", "tn")  # confusion-matrix cells of labelled decisions
MODEL_VERSION = "version"  # the model hash's field naming the model in use
LATENCY_TTL_S = 3_600  # a minute's latency histogram is kept for an hour


def decision_count(decision: Decision) -> str:
    return f"decision:{decision.value}"


def decision_amount(decision: Decision, currency: str) -> str:
    """Amounts are summed per currency: adding yen to euros would mean nothing."""
    return f"amount:{decision.value}:{currency}"


def outcome_count(outcome: str) -> str:
    return f"outcome:{outcome}"


def outcome(decision: Decision, is_fraud: bool) -> str:
    """The confusion-matrix cell of a decision once its label is known (flagged = not approve)."""
    flagged = decision is not Decision.APPROVE
    return ("tp" if is_fraud else "fp") if flagged else ("fn" if is_fraud else "tn")


def scored_increments(decided: Iterable[tuple[Decision, float, str]]) -> dict[str, float]:
    """What a batch of (decision, amount, currency) adds to the statistics."""
    stats: dict[str, float] = {TRANSACTIONS: 0.0}
    for decision, amount, currency in decided:
        stats[TRANSACTIONS] += 1
        count, total = decision_count(decision), decision_amount(decision, currency)
        stats[count] = stats.get(count, 0.0) + 1
        stats[total] = round(stats.get(total, 0.0) + amount, 2)
    return stats


def label_increments(labelled: Iterable[tuple[str | None, bool]]) -> dict[str, float]:
    """What a batch of applied labels, as (outcome, is_fraud), adds to the statistics; outcome
    None for a payment nobody decided live (a warm start's history), which joins no cell."""
    stats: dict[str, float] = {LABELS: 0.0, LABELS_FRAUD: 0.0}
    for cell, is_fraud in labelled:
        stats[LABELS] += 1
        stats[LABELS_FRAUD] += is_fraud
        if cell is not None:
            stats[outcome_count(cell)] = stats.get(outcome_count(cell), 0.0) + 1
    return stats


def precision(outcomes: Mapping[str, float]) -> float | None:
    flagged = outcomes.get("tp", 0) + outcomes.get("fp", 0)
    return outcomes.get("tp", 0) / flagged if flagged else None


def recall(outcomes: Mapping[str, float]) -> float | None:
    frauds = outcomes.get("tp", 0) + outcomes.get("fn", 0)
    return outcomes.get("tp", 0) / frauds if frauds else None


@dataclass(frozen=True)
class LiveTotals:
    """The statistics hash, read back. ``amounts`` are in the reporting currency
    (``fraudcore.currency``), ``unconverted`` the sums in currencies without a rate."""

    transactions: int
    decisions: dict[Decision, int]
    amounts: dict[Decision, float]
    unconverted: dict[Decision, dict[str, float]]
    labels: int
    labels_fraud: int
    outcomes: dict[str, int]

    @classmethod
    def parse(cls, raw: Mapping[bytes, bytes]) -> LiveTotals:
        stats = {name.decode(): float(value) for name, value in raw.items()}
        converted = {d: total_in_reporting(_by_currency(stats, d)) for d in Decision}
        return cls(
            transactions=int(stats.get(TRANSACTIONS, 0)),
            decisions={d: int(stats.get(decision_count(d), 0)) for d in Decision},
            amounts={d: total for d, (total, _) in converted.items()},
            unconverted={d: rest for d, (_, rest) in converted.items()},
            labels=int(stats.get(LABELS, 0)),
            labels_fraud=int(stats.get(LABELS_FRAUD, 0)),
            outcomes={cell: int(stats.get(outcome_count(cell), 0)) for cell in OUTCOMES},
        )


def _by_currency(stats: Mapping[str, float], decision: Decision) -> dict[str, float]:
    prefix = decision_amount(decision, "")
    return {
        name.removeprefix(prefix): value
        for name, value in stats.items()
        if name.startswith(prefix) and len(name) > len(prefix)
    }


def latency_minute(epoch_s: float) -> int:
    return int(epoch_s // 60)


def latency_bucket(latency_ms: float) -> str:
    """The histogram field a latency counts in: its bucket's upper bound in seconds, as text
    ("inf" beyond the last bound), with the buckets of ``fraudcore.metrics``."""
    index = bisect.bisect_left(LATENCY_BUCKETS_S, latency_ms / 1000)  # first bound >= value
    return str(LATENCY_BUCKETS_S[index]) if index < len(LATENCY_BUCKETS_S) else "inf"


def latency_histogram(minutes: Iterable[Mapping[bytes, bytes]]) -> dict[float, int]:
    """Counts per upper bound (seconds) over the given minutes' histogram hashes."""
    buckets: dict[float, int] = {}
    for histogram in minutes:
        for bound, count in histogram.items():
            buckets[float(bound)] = buckets.get(float(bound), 0) + int(count)
    return buckets
