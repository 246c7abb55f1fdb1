"""The consumer's per-batch microbenchmark runs the production pipeline on a real Redis and
charges its CPU to stages that add up to the whole; its stopwatch charges nested stages once."""

import time
from pathlib import Path

import pytest

from fraud_bench import batch_cost
from fraud_bench.batch_cost import Stopwatch


def _spin(seconds: float) -> None:
    began = time.process_time()
    while time.process_time() - began < seconds:
        pass


def test_a_nested_stage_is_charged_to_itself_only() -> None:
    watch = Stopwatch()
    inner = watch.wrap("inner", lambda: _spin(0.02))
    with watch.stage("outer"):
        _spin(0.02)
        inner()
    assert watch.spent["inner"] >= 20_000_000
    assert 20_000_000 <= watch.spent["outer"] < 35_000_000  # its own spin, not inner's too
    watch.reset()
    assert not watch.spent


@pytest.mark.load
def test_every_size_is_measured_by_stage(model_dir: Path) -> None:
    result = batch_cost.measure(model_dir, sizes=(1, 4), repeats=2, payments=40, warm=100)
    assert set(result["sizes"]) == {"1", "4"}
    for size, figures in result["sizes"].items():
        assert figures["batches"] >= batch_cost.MIN_BATCHES
        stages = figures["stages_cpu_us"]
        expected = {*batch_cost.PIPELINE_STAGES.values(), batch_cost.FEATURES,
                    *batch_cost.PROCESSOR_STAGES, "other"}  # fmt: skip
        assert set(stages) == expected, size
        assert all(stages[stage] > 0 for stage in expected - {"other"}), stages
        assert sum(stages.values()) == pytest.approx(figures["cpu_us_per_batch"])
        assert figures["cpu_us_per_payment"] == figures["cpu_us_per_batch"] / int(size)
    assert "| 4 |" in batch_cost.table(result)
