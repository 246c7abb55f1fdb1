"""The stream processor end to end: real broker, real Redis, real scorer and consumer processes."""

import json
import urllib.request

import httpx
import pytest

from fraud_devstack.services import wait_for
from fraudcore.schemas import DeadLetter, Decision, ScoredTransaction

pytestmark = pytest.mark.integration


def scored_records(
    topic_reader, topic: str, expected: int | None = None
) -> list[ScoredTransaction]:
    return [
        ScoredTransaction.from_json(m.value())
        for m in topic_reader(topic, expected=expected, idle_s=4)
    ]


def test_ten_thousand_in_exactly_ten_thousand_out(pipeline_factory, topic_reader) -> None:
    pipeline = pipeline_factory()
    pipeline.start_scorer()
    pipeline.start_consumer("remote")
    report = pipeline.stream(10_000, rate=2_500)
    pipeline.wait_scored(10_000)

    totals = pipeline.totals()
    assert totals.transactions == 10_000
    assert sum(totals.decisions.values()) == 10_000
    redis = pipeline.redis()
    assert sum(1 for _ in redis.scan_iter(f"{pipeline.prefix}tx:*", count=5_000)) == 10_000

    scored = scored_records(topic_reader, pipeline.topics.topic_scored, expected=10_000)
    ids = [record.transaction.transaction_id for record in scored]
    assert len(ids) == len(set(ids)) == 10_000
    alerts = scored_records(topic_reader, pipeline.topics.topic_alerts)
    flagged = [r for r in scored if r.decision.value != "approve"]
    assert (
        len(alerts)
        == len(flagged)
        == totals.decisions[Decision.REVIEW] + totals.decisions[Decision.BLOCK]
    )
    assert all(alert.decision.value in {"review", "block"} for alert in alerts)
    assert all(alert.reasons or alert.rules for alert in alerts)
    assert all(r.timings.end_to_end_ms > 0 for r in scored)
    # Every label (2 s delay) is applied once and feeds the live precision/recall counters.
    wait_for(lambda: pipeline.totals().labels >= 10_000, 60, "all labels applied")
    totals = pipeline.totals()
    assert totals.labels == 10_000
    assert sum(totals.outcomes.values()) == 10_000
    frauds = sum(n for scenario, n in report.by_scenario.items() if scenario != "genuine")
    assert totals.labels_fraud == frauds


def test_poison_goes_to_the_dead_letter_topic_and_the_rest_is_scored(
    pipeline_factory, topic_reader
) -> None:
    pipeline = pipeline_factory()
    pipeline.start_consumer("embedded")
    report = pipeline.stream(5_000, rate=2_500, poison_rate=0.02)
    assert report.poison >= 50
    pipeline.wait_scored(5_000)
    letters = [
        DeadLetter.from_json(m.value())
        for m in topic_reader(pipeline.topics.topic_dlq, expected=report.poison, idle_s=4)
    ]
    assert len(letters) == report.poison
    for letter in letters:
        assert letter.source_topic == pipeline.topics.topic_transactions
        assert letter.error.split(":")[0] in {"encoding", "json", "schema"}
        assert letter.original_value_b64
    assert pipeline.scored() == 5_000


def test_remote_and_embedded_modes_score_the_same_messages_identically(
    pipeline_factory, topic_reader
) -> None:
    # One partition: merchant counters depend on the order partitions interleave, which two
    # consumers need not share; with one partition both see exactly the same history.
    remote, embedded = pipeline_factory(partitions=1), pipeline_factory(partitions=1)
    # Both read the same input topic (each with its own group, key prefix and output topics).
    shared = remote.topics.model_dump(include={"topic_transactions", "topic_labels"})
    embedded.topics = embedded.topics.model_copy(update=shared)
    remote.start_scorer()
    remote.start_consumer("remote")
    embedded.start_consumer("embedded")
    remote.stream(3_000, rate=3_000, send_labels=False)  # no label may land between them
    for pipeline in (remote, embedded):
        pipeline.wait_scored(2_000)
    results = [
        {r.transaction.transaction_id: (r.score, r.decision, r.reasons, r.features)
         for r in scored_records(topic_reader, p.topics.topic_scored, 3_000)}
        for p in (remote, embedded)
    ]  # fmt: skip
    assert len(results[0]) == 3_000
    assert results[0] == results[1]


def test_operations_endpoint_serves_metrics_and_readiness(pipeline_factory) -> None:
    pipeline = pipeline_factory()
    consumer = pipeline.start_consumer("embedded")
    pipeline.stream(200, rate=2_000)
    pipeline.wait_scored(200)
    base = f"http://127.0.0.1:{consumer.metrics_port}"
    text = urllib.request.urlopen(f"{base}/metrics").read().decode()
    assert "fraud_consumer_transactions_total 200.0" in text
    assert "fraud_end_to_end_latency_seconds_bucket" in text
    assert urllib.request.urlopen(f"{base}/readyz").status == 200
    assert json.loads(json.dumps({"ok": True}))


def test_on_a_redis_cluster_every_payment_is_scored_once_and_the_dashboard_reads_it(
    pipeline_factory, redis_cluster_url, topic_reader
) -> None:
    """The consumer (two of them, one group), scorer and dashboard with REDIS_CLUSTER=true on a
    six-node cluster: produced == scored, labels applied once, the dashboard's figures and
    streams read back."""
    pipeline = pipeline_factory(partitions=6, redis_url_override=redis_cluster_url,
                                redis_cluster=True)  # fmt: skip
    pipeline.start_scorer()
    pipeline.start_consumer("remote", instance="c1")
    pipeline.start_consumer("embedded", name="consumer-2", instance="c2")
    dashboard = pipeline.start_dashboard()
    report = pipeline.stream(2_000, rate=2_000)
    pipeline.wait_scored(2_000)

    scored = scored_records(topic_reader, pipeline.topics.topic_scored, expected=2_000)
    ids = [record.transaction.transaction_id for record in scored]
    assert len(ids) == len(set(ids)) == report.transactions == 2_000
    redis = pipeline.redis()
    markers = list(redis.scan_iter(pipeline.keys.transaction_pattern(), count=5_000))
    assert sorted(map(pipeline.keys.transaction_id, markers)) == sorted(ids)
    wait_for(lambda: pipeline.totals().labels >= 2_000, 60, "all labels applied")
    totals = pipeline.totals()
    assert (totals.transactions, totals.labels, sum(totals.outcomes.values())) == (2_000,) * 3
    # Every payment counted once in its merchant's daily buckets (summed over the merchants).
    merchants = {r.transaction.merchant_id for r in scored}
    pipe = redis.pipeline(transaction=False)
    for merchant_id in merchants:
        pipe.hgetall(pipeline.keys.merchant(merchant_id))
    counted = sum(
        int(value) for buckets in pipe.execute() for name, value in buckets.items()
        if name.startswith(b"d")
    )  # fmt: skip
    assert counted == 2_000

    with httpx.Client(base_url=dashboard.url, timeout=10) as client:
        summary = client.get("/api/summary").json()
        assert summary["transactions"] == 2_000
        assert len(client.get("/api/recent", params={"limit": 20}).json()) == 20
        alerts = client.get("/api/alerts").json()
        assert alerts, "some payments were flagged"
        assert client.get(f"/api/alerts/{alerts[0]['id']}").status_code == 200
        with client.stream("GET", "/api/stream") as response:
            assert response.status_code == 200
            assert any(line.startswith("event: ") for line in response.iter_lines())
