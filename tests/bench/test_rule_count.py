"""The rules section on a real broker, Redis and PostgreSQL, kept short: every count of active
rules is taken up live by the one consumer, each window scores all it produced, the rules fire
only where some are active, and the engine's cost per batch grows with the count."""

from pathlib import Path

import pytest

from fraud_bench.interleaved import InterleavePlan
from fraud_bench.pipeline_runs import CUSTOMERS
from fraud_bench.report_variants import variant_targets
from fraud_bench.rule_count import ACTOR, ROLE, bench_rule_count, bench_rules_interleaved
from fraud_bench.variants import SectionPlan, run_id
from fraud_producer.settings import WorldSettings
from fraud_simulator.world import WorldSize, build_world
from fraudcore.decision_log import connect
from fraudcore.decision_log.list_store import add
from tests.bench.test_report_variants import RULES_TARGET

# A live pipeline for minutes: `pytest -m load tests/bench`; CI checks the committed report.
pytestmark = [pytest.mark.integration, pytest.mark.load, pytest.mark.timeout(600)]

TINY = SectionPlan(seconds=1.5, rounds=1, backlog=1_000, verify=False)
COUNTS = (0, 100)  # the section's extremes (10 is one more of the same)


def block_every_merchant(settings) -> int:
    """The load generator's merchants on ``blocked_merchants``: the generated list rule among the
    hundred then fires on every payment it sees, where the threshold rules, set where payments
    are rare, may fire on none of a 1,500-payment window (they did not, some days)."""
    world = build_world(WorldSettings().producer_seed, WorldSize(customers=int(CUSTOMERS)))
    with connect(settings) as conn:
        for merchant in world.merchant_id:
            add(conn, "blocked_merchants", str(merchant), actor=ACTOR, role=ROLE, reason="test")
    return len(world.merchant_id)


def fired(settings, run: str) -> tuple[int, int]:
    """A run's logged decisions, and those an active rule fired on."""
    with connect(settings) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE cardinality(rules) > 0) FROM decisions "
            "WHERE transaction_id LIKE %s",
            (f"tx-{run}-%",),
        ).fetchone()
    return int(row[0]), int(row[1])


def test_a_quick_rules_section_switches_counts_live_and_loses_nothing(
    kafka_settings, redis_url, decision_log_factory, model_dir: Path, tmp_path: Path
) -> None:
    database = decision_log_factory()
    assert block_every_merchant(database) > 0
    section = bench_rule_count(
        kafka_settings, redis_url, model_dir, tmp_path, TINY,
        database_url=database.database_url, counts=COUNTS,
    )  # fmt: skip
    assert section["quick"] is True
    assert section["counts"] == list(COUNTS)
    assert section["nothing_lost"]
    logged = {}
    for count in COUNTS:
        variant = section["variants"][f"rules{count}"]
        assert variant["drain_tps"] > 0
        (window,) = variant["rounds"]
        assert window["produced"] == window["scored"] > 0
        assert 0 < window["p50_ms"] <= window["p99_ms"] == variant["p99_ms"]
        logged[count] = fired(database, run_id(f"rules{count}", 0))
    assert logged[0][0] == section["variants"]["rules0"]["produced"]
    assert logged[0][1] == 0, "a rule fired with none active"
    assert logged[100][1] == logged[100][0] == section["variants"]["rules100"]["produced"], logged
    engine = section["engine"]["cpu_us_per_batch"]
    assert engine["0"] < engine["100"], engine
    names = [name for name, _, _ in variant_targets({"rules": section})]
    assert names == [RULES_TARGET, "rules: nothing lost in any run"]


def test_rules_interleaved_in_one_window_count_each_payment_for_the_rules_it_met(
    kafka_settings, redis_url, decision_log_factory, model_dir: Path, tmp_path: Path
) -> None:
    database = decision_log_factory()
    block_every_merchant(database)
    section = bench_rules_interleaved(
        kafka_settings, redis_url, model_dir, tmp_path, TINY,
        database_url=database.database_url, counts=(0, 100),
        interleave_plan=InterleavePlan(seconds=10.0, segment_s=3.0),
    )  # fmt: skip
    assert section["nothing_lost"]
    assert [s["variant"] for s in section["segments"]] == ["rules0", "rules100", "rules0"]
    assert section["cycles"] == 1
    counted = section["counted"]
    assert counted["rules0"] > 0
    assert counted["rules100"] > 0
    # Every payment counted for 100 rules had one fire (the merchant list), none counted for
    # none did: the ones around a switch, counted for neither, may have either.
    logged, with_rules = fired(database, "interleaved")
    assert logged == section["produced"]
    assert counted["rules100"] <= with_rules <= logged - counted["rules0"]
    names = [name for name, _, _ in variant_targets({"rules_interleaved": section})]
    assert names[-1] == "rules switched live: nothing lost"
