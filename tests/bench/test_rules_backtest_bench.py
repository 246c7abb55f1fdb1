"""The rules backtest benchmark: its fill and timing code on a small log against a real
PostgreSQL, and the committed report checked against its own samples and its claim (the
1,000,000-decision run is ``make rules-backtest-bench``)."""

import json
import statistics
from pathlib import Path

import pytest

from fraud_bench import rules_backtest_bench as bench

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_a_small_log_is_filled_and_every_case_backtested(database_factory) -> None:
    report = bench.run(20_000, days=10, repeats=2, database_url=database_factory().database_url)
    assert report["log"]["decisions"] == 20_000
    assert set(report["cases"]) == {name for name, _ in bench.CASES}
    for name, case in report["cases"].items():
        assert case["decisions"] == 20_000, name
        assert len(case["samples_s"]) == 2
        assert case["median_s"] == statistics.median(case["samples_s"])
        assert min(case["read_s"]) > 0
        assert max(case["read_s"]) <= case["max_s"]
        assert len(case["cpu_s"]) == 2
        assert min(case["cpu_s"]) > 0
        assert all(0 < hits < 20_000 for hits in case["hits"]), name  # the rules select
    assert len(report["cases"]["four baseline rules"]["hits"]) == 4
    assert "| four baseline rules | 4 |" in bench.summary(report)


def test_the_committed_report_holds_its_claim_on_a_million_decisions() -> None:
    report = json.loads((ROOT / "reports" / bench.REPORT).read_text())
    assert report["log"]["decisions"] >= 1_000_000
    assert report["target_s"] == 30.0
    assert set(report["cases"]) == {name for name, _ in bench.CASES}
    for name, case in report["cases"].items():
        assert case["decisions"] == report["log"]["decisions"], name
        assert len(case["samples_s"]) >= 3, name
        assert case["median_s"] == statistics.median(case["samples_s"]), name
        assert case["max_s"] == max(case["samples_s"]), name
        assert all(hits > 0 for hits in case["hits"]), name  # a rule that selects, not nothing
        assert case["max_cpu_s"] == max(case["cpu_s"]) > 0, name
    slowest = max(report["cases"], key=lambda name: report["cases"][name]["max_cpu_s"])
    assert (report["slowest_case"], report["slowest_cpu_s"]) == (
        slowest, report["cases"][slowest]["max_cpu_s"]
    )  # fmt: skip
    assert report["slowest_wall_s"] == max(c["max_s"] for c in report["cases"].values())
    # The claim: 1,000,000 decisions backtested in under 30 s of CPU (PostgreSQL's and ours).
    assert report["slowest_cpu_s"] < 30.0
    assert report["within_target"] is True
    summary = (ROOT / "reports" / bench.SUMMARY).read_text()
    assert summary == bench.summary(report)
