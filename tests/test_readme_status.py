"""The README's status table quotes the committed reports: every figure a row gives for a
target is the one its report holds (``reports/bench.json``'s targets as the report code wrote
them, ``reports/evaluation.json``), so a re-run that changes a report fails here until the row
says what was measured. Figures from other days (the history) and the targets themselves are
the rows' own words and are not checked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fraud_bench.report_variants import RULES_P99_BUDGET_MS, paired_words, rules_growth

ROOT = Path(__file__).resolve().parents[1]
FIGURE = re.compile(r"[+-]?\d[\d,]*(?:\.\d+)?(?:x|%| ms| tx/s)?")


def status_rows() -> dict[str, str]:
    """Each row of the status table: its part (first cell) -> the whole row."""
    text = (ROOT / "README.md").read_text()
    table = text.split("| part | state |\n| --- | --- |\n", 1)[1].split("\n\n", 1)[0]
    return {line.split(" | ", 1)[0].removeprefix("| "): line for line in table.splitlines()}


def row(part: str) -> str:
    found = [line for name, line in status_rows().items() if name.startswith(part)]
    assert len(found) == 1, f"one status row should start with {part!r}: {len(found)} do"
    return found[0]


def measured(bench: dict[str, Any], target: str) -> str:
    """The report's measured words for the target whose name starts with ``target``."""
    found = [t["measured"] for t in bench["targets"] if t["target"].startswith(target)]
    assert len(found) == 1, f"one target should start with {target!r}: {len(found)} do"
    return str(found[0])


def lead(words: str) -> str:
    """The figure a target's measured words begin with (``7.66x``, ``+0.27 ms``, ``91.1%``)."""
    match = FIGURE.match(words)
    assert match, f"no figure leads {words!r}"
    return match.group()


def interval(words: str) -> str:
    """The interval of a paired median over the rounds (``-1.65 to +2.69 ms``, ``2.24-2.86x``)."""
    match = re.search(r"the median's interval over the rounds (\S+(?: to \S+ ms)?) \(", words)
    assert match, f"no interval in {words!r}"
    return match.group(1)


@pytest.fixture(scope="module")
def bench() -> dict[str, Any]:
    return dict(json.loads((ROOT / "reports" / "bench.json").read_text()))


@pytest.fixture(scope="module")
def evaluation() -> dict[str, Any]:
    return dict(json.loads((ROOT / "reports" / "evaluation.json").read_text()))


def test_the_status_table_is_found_and_its_parts_are_distinct() -> None:
    rows = status_rows()
    assert len(rows) >= 10
    assert all(line.startswith("| ") and line.endswith(" |") for line in rows.values())


def test_exactly_once_quotes_the_floor_ratio_and_the_rate_kept(bench) -> None:
    variants = bench["transactions"]["variants"]
    quoted = row("exactly once on every output topic")
    ratio = measured(bench, "exactly-once p99")
    exactly, least = variants["exactly-once"]["max_tps"], variants["at-least-once"]["max_tps"]
    rates = f"({exactly:,} against {least:,} tx/s"

    assert f"{lead(ratio)} the bare Kafka floor" in quoted
    assert (
        f"{bench['transactions']['rounds']} rounds, the median's interval {interval(ratio)}"
        in quoted
    )
    assert f"keeps {exactly / least:.0%} of at-least-once's sustainable rate {rates}" in quoted


def test_benchmark_and_throughput_quote_the_sustainable_rates_and_latencies(bench) -> None:
    rates = bench["max_tps"]
    consumer = bench["pipeline"]["embedded"]["5000"]["cpu_us_per_payment"]["consumer"]
    quoted = row("benchmark (")

    assert (f"sustainable {rates['embedded']:,} embedded / {rates['remote']:,} remote / "
            f"{rates['naive']:,} naive tx/s") in quoted  # fmt: skip
    assert f"embedded p99 {lead(measured(bench, 'embedded p99'))}" in quoted
    assert f"remote p99 {lead(measured(bench, 'remote p99'))}" in quoted
    throughput = row("throughput and scale-out")
    assert f"sustainable {rates['embedded']:,} / {rates['remote']:,} tx/s" in throughput
    assert f"CPU {consumer:.0f} us per payment at 5,000 tx/s" in throughput


def test_model_quality_quotes_the_evaluation(evaluation) -> None:
    payments = evaluation["payments"]
    recall = payments["model_review"]["recall_by_scenario"]["category_anomaly"]["value"]
    quoted = row("model quality")

    assert f"test week AP {payments['model']['ap']['value']:.3f}" in quoted
    assert f"`category_anomaly` recall {recall:.3f} at the review threshold" in quoted
    rule = evaluation["known_card_rule"]
    budget = rule["payments"]["model_budget"]["recall_by_scenario"]
    assert f"the {rule['model_payments']['payments']:,} payments it leaves" in quoted
    assert f"AP {rule['payments']['model']['ap']['value']:.3f}" in quoted
    for scenario in ("category_anomaly", "inflated_amounts"):
        assert f"`{scenario}` {budget[scenario]['value']:.3f}" in quoted


def test_decision_log_quotes_its_rate_and_p99_budget(bench) -> None:
    added = measured(bench, "decision log adds")
    quoted = row("decision log in PostgreSQL")

    assert f"sustainable {lead(measured(bench, 'decision log keeps'))} of without" in quoted
    n = bench["decision_log"]["rounds"]
    assert f"{lead(added)}, the median's interval over {n} rounds {interval(added)}" in quoted


def test_rules_quote_the_interleaved_growth_the_rounds_the_stage_and_the_engine(bench) -> None:
    turns = bench["rules_interleaved"]
    p99, p50 = turns["added"]["p99"], turns["added"]["p50"]
    rounds = paired_words(rules_growth(bench["rules"]), RULES_P99_BUDGET_MS)
    stage = rules_growth(bench["rules"], "scoring_p99_ms")
    engine = bench["rules"]["engine"]
    costs = engine["cpu_us_per_batch"]
    most, least = max(bench["rules"]["counts"]), min(bench["rules"]["counts"])
    quoted = row("rules and lists")

    assert (f"{p99['difference_ms']:+.2f} ms at the p99, its 95% interval {p99['low_ms']:+.2f} "
            f"to {p99['high_ms']:+.2f} ms over {turns['cycles']} cycles") in quoted  # fmt: skip
    assert (f"{p50['difference_ms']:+.2f} ms at the p50 ({p50['low_ms']:+.2f} to "
            f"{p50['high_ms']:+.2f} ms)") in quoted  # fmt: skip
    assert f"{lead(rounds)}, the median's interval {interval(rounds)}" in quoted
    assert f"{bench['rules']['rounds']} rounds" in quoted
    assert f"p99 per batch {stage['median']:+.2f} ms (rounds {_range_of(stage)})" in quoted
    assert (f"the engine {costs[str(most)]} us per batch of {engine['batch']} with {most} rules "
            f"against {costs[str(least)]} with none") in quoted  # fmt: skip


def _range_of(paired: dict[str, Any]) -> str:
    return f"{min(paired['per_round']):+.1f} to {max(paired['per_round']):+.1f}"
