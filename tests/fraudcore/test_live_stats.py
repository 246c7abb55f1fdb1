"""The statistics and latency encodings the consumer writes and the dashboard reads."""

import math

from fraudcore import live_stats
from fraudcore.live_stats import LiveTotals
from fraudcore.metrics import LATENCY_BUCKETS_S
from fraudcore.schemas import Decision


def test_scored_and_label_increments_read_back_as_totals() -> None:
    scored = live_stats.scored_increments(
        [(Decision.APPROVE, 10.0, "EUR"), (Decision.BLOCK, 99.99, "EUR"),
         (Decision.APPROVE, 0.015, "EUR")]
    )  # fmt: skip
    labels = live_stats.label_increments([("tp", True), ("tn", False), ("fn", True)])
    raw = {name.encode(): repr(value).encode() for name, value in (scored | labels).items()}

    totals = LiveTotals.parse(raw)

    assert totals.transactions == 3
    assert totals.decisions == {Decision.APPROVE: 2, Decision.REVIEW: 0, Decision.BLOCK: 1}
    assert totals.amounts[Decision.APPROVE] == 10.02
    assert (totals.labels, totals.labels_fraud) == (3, 2)
    assert totals.outcomes == {"tp": 1, "fp": 0, "fn": 1, "tn": 1}
    assert live_stats.precision(totals.outcomes) == 1.0
    assert live_stats.recall(totals.outcomes) == 0.5
    assert live_stats.precision({}) is None


def test_amounts_in_several_currencies_add_up_in_the_reporting_one() -> None:
    scored = live_stats.scored_increments(
        [(Decision.BLOCK, 100.0, "EUR"), (Decision.BLOCK, 17_000.0, "JPY"),
         (Decision.BLOCK, 117.0, "USD"), (Decision.BLOCK, 5.0, "XAU"),
         (Decision.REVIEW, 1.0, "GBP")]
    )  # fmt: skip
    raw = {name.encode(): repr(value).encode() for name, value in scored.items()}
    raw[b"amount:block"] = b"123456"  # a mixed-currency sum an older consumer wrote: never read

    totals = LiveTotals.parse(raw)

    assert totals.amounts[Decision.BLOCK] == 300.0  # 100 EUR + 100 EUR + 100 EUR, not 17,217
    assert totals.unconverted[Decision.BLOCK] == {"XAU": 5.0}  # no rate: shown apart
    assert totals.amounts[Decision.REVIEW] == round(1.0 / 0.86, 2)
    assert totals.amounts[Decision.APPROVE] == 0.0


def test_outcome_cells() -> None:
    assert live_stats.outcome(Decision.REVIEW, True) == "tp"
    assert live_stats.outcome(Decision.BLOCK, False) == "fp"
    assert live_stats.outcome(Decision.APPROVE, True) == "fn"
    assert live_stats.outcome(Decision.APPROVE, False) == "tn"


def test_latency_buckets_are_the_metric_buckets_upper_bounds() -> None:
    assert live_stats.latency_bucket(0.1) == str(LATENCY_BUCKETS_S[0])
    assert live_stats.latency_bucket(35.0) == "0.035"  # a bound counts in its own bucket
    assert live_stats.latency_bucket(35.001) == "0.04"
    assert live_stats.latency_bucket(60_000) == "inf"
    merged = live_stats.latency_histogram([{b"0.035": b"2", b"inf": b"1"}, {b"0.035": b"3"}])
    assert merged == {0.035: 5, math.inf: 1}
    assert live_stats.latency_minute(119.9) == 1
