"""The benchmark report: stable keys, targets judged from the numbers, markdown and plot."""

import json
from pathlib import Path

from fraud_bench import report

RATES = ("100", "1000", "5000")


def run(p50: float, p99: float, produced: int = 1_000, scored: int = 1_000) -> dict:
    stages = {s: {"p50_ms": 0.1, "p99_ms": 0.2} for s in report.STAGES}
    return {
        "p50_ms": p50,
        "p95_ms": p99,
        "p99_ms": p99,
        "produced": produced,
        "scored": scored,
        "achieved_tps": 1_000.0,
        "seconds": 20.0,
        "saturated": False,
        "stages_ms": stages,
    }


def result(remote_p99: float = 20.0, lost: int = 0) -> dict:
    kafka = {
        rate: {"p50_ms": 2.0, "p99_ms": 5.0, "messages": 100, "rate_tps": int(rate)}
        for rate in RATES
    }
    return {
        "quick": False,
        "measured_at": "2026-11-28T00:00:00Z",
        "machine": report.machine(),
        "floors": {
            "kafka_rtt_ms": {"p50": 2.0, "p99": 5.0},
            "kafka_rtt_by_rate": kafka,
            "redis_rtt_ms": {"p50": 0.1},
            "onnx_single_us": 10.0,
            "onnx_single_p99_us": 20.0,
            "onnx_256_us": 500.0,
            "onnx_256_per_row_us": 2.0,
            "xgboost_single_us": 300.0,
            "decode_us": 3.0,
            "encode_us": 2.0,
        },
        "pipeline": {
            "embedded": {rate: run(5.0, 12.0) for rate in RATES},
            "remote": {rate: run(8.0, remote_p99, scored=1_000 - lost) for rate in RATES},
            "naive": {rate: run(50.0, 90.0) for rate in RATES},
        },
        "max_tps": {"embedded": 9_000.0, "remote": 6_000.0, "naive": 400.0},
        "max_tps_verified": {"embedded": True, "remote": True, "naive": None},
        "ratios": {"remote max_tps / naive max_tps": 15.0},
        "scorer_api": {
            "single": {"p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0},
            "batch": {"clients": 4, "rows_per_request": 256, "rows_per_s": 50_000.0},
        },
    }


def test_targets_follow_the_numbers() -> None:
    met = {t: ok for t, ok, _ in report.targets(result())}
    assert all(met.values()), met
    missed = {t: ok for t, ok, _ in report.targets(result(remote_p99=40.0, lost=1))}
    assert not missed["remote p99 <= 35 ms at 1,000 tx/s"]
    assert not missed["nothing lost in any run"]


def test_write_produces_json_markdown_and_plot(tmp_path: Path) -> None:
    report.write(result(), tmp_path)
    markdown = (tmp_path / "bench.md").read_text()
    assert "| remote | 1,000 |" in markdown
    assert "Per-stage latency" in markdown
    assert (tmp_path / "bench_latency.png").stat().st_size > 10_000
    assert '"max_tps"' in (tmp_path / "bench.json").read_text()


def test_committed_report_is_a_full_run_that_this_code_renders() -> None:
    """reports/bench.* come from one `make bench` run: stable keys, nothing lost, and the
    markdown is exactly what this code makes of the JSON."""
    reports = Path(__file__).resolve().parents[2] / "reports"
    result = json.loads((reports / "bench.json").read_text())
    assert result["quick"] is False, "commit a full run (make bench), not QUICK=1"
    assert {"p50", "p99"} <= set(result["floors"]["kafka_rtt_ms"])
    assert "p50" in result["floors"]["redis_rtt_ms"]
    assert result["floors"]["onnx_single_us"] > 0
    for mode in ("embedded", "remote", "naive"):
        assert result["max_tps"][mode] > 0
        for rate in ("100", "1000", "5000"):
            run = result["pipeline"][mode][rate]
            assert {"p50_ms", "p95_ms", "p99_ms", "achieved_tps"} <= set(run)
            assert run["produced"] == run["scored"] > 0
    assert (reports / "bench.md").read_text() == report.markdown(result)
    assert (reports / "bench_latency.png").stat().st_size > 10_000


def test_the_run_queue_wait_is_listed_per_mode_and_rate_once_measured() -> None:
    before = result()
    assert report.wait_section(before) == []  # runs from before the figure
    measured = result()
    measured["pipeline"]["embedded"]["1000"]["cpu_wait_us_per_payment"] = {
        "consumer": 246.0,
        "broker": 484.5,
    }
    markdown = "\n".join(report.wait_section(measured))
    assert "## Waiting for a core (microseconds per payment)" in markdown
    assert "| mode | rate (tx/s) | broker | consumer |" in markdown
    assert "| embedded | 1,000 | 484.5 | 246.0 |" in markdown
