"""The transactions section on a real broker and Redis, kept short: the consumer restarted with
each delivery guarantee for alternated windows, a bare Kafka floor window in every round beside
them, each window scores all it produced, a read_committed reader sees every window, and the
ratio to the floor comes from the rounds' own p99s."""

from pathlib import Path

import pytest

from fraud_bench.report_transactions import transaction_targets
from fraud_bench.transactions import DELIVERIES, bench_transactions
from fraud_bench.variants import FLOOR, SectionPlan
from tests.bench.test_report_transactions import TARGET

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

TINY = SectionPlan(seconds=1.5, rounds=1, backlog=1_000, verify=False)


def test_a_quick_transactions_section_pairs_deliveries_with_the_floor_and_loses_nothing(
    kafka_settings, redis_url, model_dir: Path, tmp_path: Path
) -> None:
    section = bench_transactions(kafka_settings, redis_url, model_dir, tmp_path, TINY)
    assert section["quick"] is True
    assert section["nothing_lost"]
    variants = section["variants"]
    for name in DELIVERIES:
        assert variants[name]["drain_tps"] > 0
        for window in variants[name]["rounds"]:
            assert window["produced"] == window["scored"] > 0
            assert window["visible"]["p50_ms"] > 0, window
    floor = variants[FLOOR]["rounds"]
    assert [w["round"] for w in floor] == [0]
    assert all(w["messages"] == 1_500 for w in floor)
    ratios = [
        round(e["p99_ms"] / f["p99_ms"], 3)
        for e, f in zip(variants["exactly-once"]["rounds"], floor, strict=True)
    ]
    assert section["floor_ratio"]["per_round"] == ratios
    assert section["high_rate"] == section["intervals"] == {}  # a full run's single windows
    names = [name for name, _, _ in transaction_targets({"transactions": section})]
    assert names == [TARGET, "transactions: nothing lost in any run"]
