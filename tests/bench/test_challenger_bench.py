"""The challenger section on a real broker, Redis and PostgreSQL, kept short: the challenger
set and retired live through the registry (every payment of a window logged with its verdict,
or none), each window scores all it produced, and a promotion then a rollback under load switch
the serving version twice with nothing lost."""

from pathlib import Path

import pytest

from fraud_bench.challenger import bench_challenger, served_with_challenger
from fraud_bench.report_variants import variant_targets
from fraud_bench.variants import SectionPlan, run_id
from fraudcore.decision_log import connect

# A live pipeline for minutes: `pytest -m load tests/bench`; CI checks the committed report.
pytestmark = [pytest.mark.integration, pytest.mark.load, pytest.mark.timeout(600)]

COMMITTED_MODEL_DIR = Path(__file__).resolve().parents[2] / "training" / "artifacts"
TINY = SectionPlan(seconds=2.0, rounds=1, backlog=1_000, verify=False)


def test_a_quick_challenger_section_shadows_switches_and_loses_nothing(
    kafka_settings, redis_url, decision_log_factory, tmp_path: Path
) -> None:
    database = decision_log_factory()
    section = bench_challenger(
        kafka_settings, redis_url, COMMITTED_MODEL_DIR, tmp_path, TINY,
        database_url=database.database_url,
    )  # fmt: skip
    assert section["quick"] is True
    assert section["nothing_lost"]
    with connect(database) as conn:
        for variant in ("without", "with"):
            figures = section["variants"][variant]
            (window,) = figures["rounds"]
            assert window["produced"] == window["scored"] > 0
            assert figures["drain_tps"] > 0
            total, shadowed = served_with_challenger(conn, run_id(variant, 0))
            assert total == window["produced"]
            assert shadowed == (total if variant == "with" else 0), (variant, total, shadowed)
    switch = section["switch"]
    champion, challenger = section["champion"], section["challenger"]
    assert [v["model_version"] for v in switch["versions"]] == [champion, challenger, champion]
    assert switch["produced"] == switch["scored"] == sum(v["payments"] for v in switch["versions"])
    assert len(switch["windows"]) == 2
    assert all(w["payments"] > 0 for w in switch["windows"])
    assert switch["steady"]["payments"] > 0
    names = [name for name, _, _ in variant_targets({"challenger": section})]
    assert names == [
        "promote then rollback at 1,000 tx/s: p99 around each switch <= 2x the steady state",
        "challenger: nothing lost in any run, the switch included",
    ]
