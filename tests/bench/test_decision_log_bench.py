"""The decision-log section on a real broker, Redis and PostgreSQL, kept short: the consumer
restarted without and with the log for alternated windows, each window scores all it produced,
only the "with" windows leave rows (one per payment), and the paired figures and the log's
batch costs come from those windows."""

from pathlib import Path

import pytest

from fraud_bench.decision_log import bench_decision_log, every_payment_once
from fraud_bench.report_decision_log import decision_log_targets
from fraud_bench.variants import SectionPlan
from tests.bench.test_report_decision_log import P99_TARGET

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

TINY = SectionPlan(seconds=1.5, rounds=1, backlog=1_000, verify=False, drains=2)


def test_a_quick_decision_log_section_pairs_rounds_and_logs_only_its_with_windows(
    kafka_settings, redis_url, decision_log_factory, model_dir: Path, tmp_path: Path
) -> None:
    database = decision_log_factory()
    section = bench_decision_log(
        kafka_settings, redis_url, model_dir, tmp_path, TINY, database_url=database.database_url
    )
    assert section["quick"] is True
    assert section["nothing_lost"]
    assert every_payment_once(section)
    for name in ("without", "with"):
        variant = section["variants"][name]
        assert variant["drain_tps"] > 0
        assert len(variant["drains_tps"]) == 2  # alternated: without, with, with, without
        assert variant["drain_tps"] == round(sum(variant["drains_tps"]) / 2, 1)
        assert [w["round"] for w in variant["rounds"]] == [0]
        for window in variant["rounds"]:
            assert window["produced"] == window["scored"] > 0
            assert window["logged_rows"] == (window["produced"] if name == "with" else 0)
            # The broker, Redis and PostgreSQL (found by their ports) counted beside the consumer.
            processes = {"broker", "consumer", "redis", "database"}
            assert processes <= window["cpu_us_per_payment"].keys(), window
            assert window["sinks_batches"]["batches"] > 0
            logged = window["decision_log_batches"]["batches"]
            assert (logged > 0) if name == "with" else (logged == 0), (name, window)
        assert variant["pooled"]["p50_ms"] <= variant["pooled"]["p99_ms"]
    pairs = section["p99_added"]["per_round"]
    with_, without = (section["variants"][n]["rounds"] for n in ("with", "without"))
    assert pairs == [
        round(w["p99_ms"] - o["p99_ms"], 3) for w, o in zip(with_, without, strict=True)
    ]
    names = [name for name, _, _ in decision_log_targets({"decision_log": section})]
    assert names == [
        P99_TARGET,
        "decision log keeps >= 90% of the sustainable rate",
        "decision log holds every payment of its windows once",
        "decision log: nothing lost in any run",
    ]
