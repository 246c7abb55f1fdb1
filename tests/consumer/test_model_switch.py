"""Promote and roll back under traffic, through real consumer processes on a real broker,
Redis and PostgreSQL, scoring embedded or through a real scorer process (remote): every produced
payment decided and logged once, the challenger's verdict beside every decision while one is
set, on each partition the serving models changing at one offset per switch, within seconds of
the registry's change, and the drift monitor following the champion's card."""

import itertools
import re
import time

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from fraud_devstack.services import wait_for
from fraudcore.decision_log import connect
from fraudcore.model_registry import Status

pytestmark = pytest.mark.integration

CHAMPION, CHALLENGER = "test-model-1", "test-model-2"
COUNT, RATE = 4_000, 500


def metric_samples(http_get, port: int, prefix: str) -> list:
    status, text = http_get(port, "/metrics")
    assert status == 200
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith(prefix)
    ]


def logged(settings) -> list[tuple]:
    with connect(settings) as conn:
        return conn.execute(
            "SELECT transaction_id, source_partition, source_offset, model_version, "
            "challenger_version, challenger_score IS NOT NULL, decided_at FROM decisions"
        ).fetchall()


def assigned(http_get, port: int) -> int:
    """Partitions a consumer says it consumes (its /readyz)."""
    found = re.search(r"consuming (\d+) partitions", http_get(port, "/readyz")[1])
    return 0 if found is None else int(found.group(1))


def deciding(settings, version: str) -> int:
    """Partitions with decisions logged by ``version``."""
    with connect(settings) as conn:
        row = conn.execute(
            "SELECT count(DISTINCT source_partition) FROM decisions WHERE model_version = %s",
            (version,),
        ).fetchone()
    return 0 if row is None else int(row[0])


def stage_means_ms(http_get, port: int) -> dict[str, tuple[float, int]]:
    """Mean milliseconds and batches of the scoring and shadow stages, from /metrics."""
    status, text = http_get(port, "/metrics")
    assert status == 200
    samples = {
        (sample.name, sample.labels.get("stage")): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("fraud_stage_latency_seconds_")
    }
    name = "fraud_stage_latency_seconds"
    out = {}
    for stage in ("scoring", "shadow"):
        count = samples.get((f"{name}_count", stage), 0.0)
        total = samples.get((f"{name}_sum", stage), 0.0)
        out[stage] = (round(1000 * total / count, 2) if count else 0.0, int(count))
    return out


@pytest.mark.parametrize("mode", ["embedded", "remote"])
def test_promote_then_rollback_under_traffic_switch_at_one_offset_per_partition(
    pipeline_factory, topic_reader, model_registry, http_get, mode
) -> None:
    model_registry.promote(CHALLENGER, Status.CHALLENGER)
    pipeline = pipeline_factory(partitions=4)
    env = model_registry.env()
    if mode == "remote":  # the scorer serves the registry; the consumers log what it answers
        pipeline.start_scorer(**model_registry.env())
        env.pop("MODEL_STORE_DIR")
    consumers = [
        pipeline.start_consumer(mode, name=f"consumer-{i}", instance=i, **env) for i in ("c1", "c2")
    ]
    # The traffic starts once the group has shared every partition out (transactions and labels):
    # a backlog piled up meanwhile would be drained faster than the registry is changed.
    wait_for(
        lambda: sum(assigned(http_get, c.metrics_port) for c in consumers) == 8,
        120,
        "every partition assigned",
    )
    producer = pipeline.start_producer("--rate", str(RATE), "--count", str(COUNT))

    began = time.monotonic()
    wait_for(lambda: pipeline.scored() >= COUNT // 4, 120, "a quarter scored")
    print(f"first quarter scored after {time.monotonic() - began:.1f} s")
    (_, promoted) = model_registry.promote(CHALLENGER, Status.CHAMPION)
    # Rolled back once every partition has decisions of the promoted champion: a consumer that
    # saw both changes between two of its batches would rightly skip the middle one.
    wait_for(
        lambda: deciding(model_registry.settings, CHALLENGER) == 4, 120, "every partition switched"
    )
    (_, rolled_back) = model_registry.rollback()
    producer.wait(timeout_s=120)
    pipeline.wait_scored(COUNT, timeout_s=120)
    wait_for(lambda: len(logged(model_registry.settings)) >= COUNT, 60, "every decision logged")
    time.sleep(3)  # anything in flight would now show up as doubled

    produced = {
        orjson.loads(m.value())["transaction_id"]
        for m in topic_reader(pipeline.topics.topic_transactions, expected=COUNT)
    }
    rows = logged(model_registry.settings)
    assert len(produced) == len(rows) == len({row[0] for row in rows}) == COUNT
    assert {row[0] for row in rows} == produced
    assert pipeline.totals().transactions == COUNT
    assert all(has_score == (challenger is not None) for *_, challenger, has_score, _ in rows)

    phases = [(CHAMPION, CHALLENGER), (CHALLENGER, None), (CHAMPION, None)]
    changes = [promoted.at, rolled_back.at]
    delays: list[float] = []
    by_offset = sorted(rows, key=lambda row: row[1:3])
    for partition, in_partition in itertools.groupby(by_offset, key=lambda row: row[1]):
        serving = itertools.groupby(in_partition, key=lambda row: row[3:5])
        runs = [(key, list(run)) for key, run in serving]
        assert [key for key, _ in runs] == phases, f"partition {partition} switched otherwise"
        for changed_at, (_, run) in zip(changes, runs[1:], strict=True):
            delays.append((run[0][6] - changed_at).total_seconds())
    print(f"{mode}: switch delays per partition (s): {[round(d, 3) for d in delays]}")
    for consumer in consumers:  # the shadow's own stage, beside the champion's scoring
        stages = stage_means_ms(http_get, consumer.metrics_port)
        print(f"{consumer.name}: mean ms per batch {stages}")
        assert stages["shadow"][1] > 0
        # Drift followed each champion: measured against its own card's reference, never none.
        drift = consumer.log_file.read_text()
        for version in (CHAMPION, CHALLENGER):
            assert f"drift of {version} measured against its card's training reference" in drift
        assert "does not describe" not in drift
    assert max(delays) < 5.0, delays
    assert all(d > -0.5 for d in delays)  # nothing decided by a model before it was named
    if mode == "remote":  # the scorer's rows per version and role
        by_role = {
            (s.labels["model_version"], s.labels["role"]): s.value
            for s in metric_samples(http_get, pipeline.scorer_port, "fraud_scorer_model_rows")
            if s.name == "fraud_scorer_model_rows_total"
        }
        print(f"scorer rows by (version, role): {by_role}")
        assert by_role[(CHAMPION, "champion")] + by_role[(CHALLENGER, "champion")] >= COUNT
        assert by_role[(CHALLENGER, "challenger")] > 0
