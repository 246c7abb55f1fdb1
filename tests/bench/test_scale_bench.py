"""The scale section on a real broker and Redis, kept short: the pipeline's one consumer joined
by a second in its group over a 12-partition topic, both restarted for a drain, one paced window,
every run's payments found scored by transaction id, CPU per payment with the consumers summed
(the section's other counts run the same code with another number)."""

from pathlib import Path

import pytest

from fraud_bench.report_scale import scale_targets
from fraud_bench.scale import PARTITIONS, bench_scale
from fraud_bench.variants import SectionPlan

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

TINY = SectionPlan(seconds=2.0, rounds=1, backlog=2_000, verify=False)


def test_a_quick_scale_section_adds_a_consumer_to_the_group_and_loses_nothing(
    kafka_settings, redis_url, model_dir: Path, tmp_path: Path
) -> None:
    section = bench_scale(
        kafka_settings, redis_url, model_dir, tmp_path, TINY, counts={"embedded": (2,)}
    )
    assert section["quick"] is True
    assert section["partitions"] == PARTITIONS
    assert section["cpu"]
    assert section["nothing_lost"]
    embedded = section["modes"]["embedded"]
    # the warm-up, the drain's backlog and the paced window, each checked by id
    assert len(embedded["runs"]) == 3
    for run in embedded["runs"].values():
        assert run["produced"] == run["scored"] > 0
        assert run["missing"] == run["unexpected"] == 0
    assert list(embedded["consumers"]) == ["2"]
    for count in ("2",):
        figures = embedded["consumers"][count]
        assert figures["drain_tps"] > 0
        assert figures["max_tps_verified"] is None  # quick: the drain rate stands
        (window,) = figures["windows"]
        assert window["consumers"] == int(count)
        assert window["produced"] == window["scored"] > 0
        cpu = figures["cpu_us_per_payment"]
        assert {"consumer", "broker", "redis", "load_generator"} <= set(cpu), cpu
        assert all(value > 0 for value in cpu.values()), cpu
    names = [name for name, _, _ in scale_targets({"scale": section})]
    assert names == ["scale: every payment scored once, checked by transaction id"]
