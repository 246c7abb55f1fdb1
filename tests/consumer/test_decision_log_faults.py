"""The decision log through real consumer processes on a real broker, Redis and PostgreSQL: a
consumer SIGKILLed mid-batch and the database restarted mid-stream leave every produced payment
logged exactly once, every label joined to it once though the successor reads labels far ahead
of the payments it catches up, and a label that comes after its Redis record expired is still
applied once.
"""

import time
import urllib.request

import orjson
import pytest

from fraud_devstack import PostgresServer
from fraud_devstack.pipeline import topic_size
from fraud_devstack.services import wait_for
from fraudcore.decision_log import connect, migrate
from fraudcore.settings import DatabaseSettings

pytestmark = pytest.mark.integration
RECORD_TTL_S = 10  # the least RESULT_TTL_S allows
LABEL_DELAY_S = 22  # past the record's expiry with room for a consumer seconds behind
BACKLOG = 4_000  # payments sent while no consumer runs: 10 s at 400 tx/s


@pytest.fixture
def own_postgres(tmp_path):
    """A PostgreSQL of this test's own, which it may restart without disturbing other tests."""
    server = PostgresServer(tmp_path / "postgres")
    try:
        server.start()
        settings = DatabaseSettings(database_url=server.url)
        with connect(settings) as conn:
            migrate(conn)
        yield server, settings
    finally:
        server.remove()


def log_ids(settings: DatabaseSettings, table: str = "decisions") -> list[str]:
    with connect(settings) as conn:
        return [row[0] for row in conn.execute(f"SELECT transaction_id FROM {table}")]


def produced_ids(topic_reader, kafka_settings, topic: str) -> set[str]:
    everything = topic_reader(topic, expected=topic_size(kafka_settings, topic))
    return {orjson.loads(m.value())["transaction_id"] for m in everything}


def retries(consumer, dependency: str) -> float:
    url = f"http://127.0.0.1:{consumer.metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    prefix = f'fraud_consumer_retries_total{{dependency="{dependency}"}} '
    return sum(
        float(line.removeprefix(prefix)) for line in text.splitlines() if line.startswith(prefix)
    )


def test_sigkill_and_a_database_restart_lose_and_double_nothing_in_the_log(
    pipeline_factory, topic_reader, kafka_settings, own_postgres
) -> None:
    server, database = own_postgres
    pipeline = pipeline_factory()
    # A label may wait LABEL_WAIT_S for a payment that never comes: far less than the backlog
    # below takes to catch up, during which labels are read well ahead of their payments.
    env = {"DATABASE_URL": database.database_url, "RETRY_BACKOFF_MAX_S": 1, "LABEL_WAIT_S": 3}
    consumer = pipeline.start_consumer("embedded", **env)
    producer = pipeline.start_producer("--rate", "400", "--count", "12000", "--label-delay", "2")
    transactions = pipeline.topics.topic_transactions

    wait_for(lambda: pipeline.scored() >= 2_500, 120, "2,500 scored")
    consumer.kill()  # SIGKILL: no flush, no commit, maybe between the two writes
    killed = [consumer]
    backlog = pipeline.scored() + BACKLOG
    wait_for(lambda: topic_size(kafka_settings, transactions) >= backlog, 60, "a backlog")
    consumer = pipeline.start_consumer("embedded", name="consumer-after-kill", **env)
    wait_for(lambda: pipeline.scored() >= 6_000, 120, "6,000 scored")
    server.kill()  # the database crashes mid-stream ...
    paused_at = pipeline.scored()
    time.sleep(5)
    assert pipeline.scored() - paused_at < 1_000  # ... and consumption pauses (a batch or so)
    assert retries(consumer, "database") > 0
    server.restart()
    producer.wait(timeout_s=120)

    ids = produced_ids(topic_reader, kafka_settings, transactions)
    assert len(ids) == 12_000
    pipeline.wait_scored(12_000, timeout_s=180)
    wait_for(lambda: len(log_ids(database)) >= 12_000, 60, "12,000 logged")
    wait_for(lambda: pipeline.totals().labels >= 12_000, 120, "every label applied")
    time.sleep(3)  # anything in flight would now show up as doubled
    logged = log_ids(database)
    assert len(logged) == len(set(logged)) == 12_000
    assert set(logged) == ids
    labelled = log_ids(database, "decision_labels")
    warnings = [
        line for process in [*killed, consumer] for line in process.log().splitlines()
        if " WARNING " in line and "paused, retry" not in line
    ]  # fmt: skip
    assert len(labelled) == len(set(labelled)) == 12_000, warnings[-20:]
    totals = pipeline.totals()
    assert (totals.transactions, totals.labels) == (12_000, 12_000), warnings[-20:]
    for line in warnings:  # none let go, none joined beside the log
        assert "matched no transaction" not in line
        assert "applied without the log" not in line


def test_a_label_after_its_redis_record_expired_is_applied_once(
    pipeline_factory, decision_log_factory
) -> None:
    database = decision_log_factory()
    pipeline = pipeline_factory()
    # Records live RECORD_TTL_S; each label comes LABEL_DELAY_S after its payment, so it finds no
    # Redis record (checked below against each decision's time) and must be joined through the log.
    pipeline.start_consumer(
        "embedded", DATABASE_URL=database.database_url, RESULT_TTL_S=RECORD_TTL_S, LABEL_WAIT_S=10
    )
    pipeline.start_producer("--rate", "60", "--count", "600", "--label-delay", str(LABEL_DELAY_S))
    pipeline.wait_scored(600, timeout_s=120)

    wait_for(lambda: pipeline.totals().labels >= 600, 120, "every label applied")
    redis = pipeline.redis()
    assert not any(redis.scan_iter(f"{pipeline.prefix}tx:*"))  # found only in the log
    time.sleep(3)
    totals = pipeline.totals()
    assert totals.labels == 600
    assert sum(totals.outcomes.values()) == 600
    labelled = log_ids(database, "decision_labels")
    assert len(labelled) == len(set(labelled)) == 600
    # Every label was applied after its record had expired (written just after decided_at).
    with connect(database) as conn:
        (earliest,) = conn.execute(
            "SELECT min(extract(epoch FROM l.applied_at - d.decided_at)) FROM decision_labels l "
            "JOIN decisions d USING (transaction_id, event_time)"
        ).fetchone()
    assert earliest > RECORD_TTL_S + 1, earliest
