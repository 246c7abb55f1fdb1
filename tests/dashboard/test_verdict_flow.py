"""An analyst's verdict through the whole label path: the consumer (its own batch pipeline and
label applier, in this process, on real Redis and PostgreSQL) decides a payment, the dashboard (a
real process) sends the verdict to real Kafka, the consumer applies the label read back from the
topic like a chargeback (live figures move once, the queue drops the case), and the chargeback
that comes later saying otherwise is a contradiction that moves nothing."""

import httpx
import orjson
import pytest

from fraud_dashboard.auth.users import hash_password
from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.live_stats import LiveTotals
from fraudcore.schemas import Label, Transaction

pytestmark = pytest.mark.integration
PASSWORD = "correct-horse-battery"


def _transactions(count: int) -> list[Transaction]:
    table = generate(DatasetSpec(days=1, customers=60, seed=5)).head(count)
    records = table[list(Transaction.model_fields)].astype(object).where(table.notna(), None)
    return [Transaction.model_validate(row) for row in records.to_dict("records")]


def test_a_verdict_flows_into_the_figures_like_a_chargeback(
    inprocess_consumer_factory, decision_log_factory, redis_settings, kafka_bootstrap,
    topic_factory, start_dashboard, topic_reader, tmp_path,
) -> None:  # fmt: skip
    log = decision_log_factory()
    consumer = inprocess_consumer_factory(database_url=log.database_url)
    txs = _transactions(300)
    result = consumer.score(txs)
    assert result.new == len(txs)
    flagged = [orjson.loads(out.value) for out in result.outputs]
    flagged = [r["transaction"]["transaction_id"] for r in flagged if r["decision"] != "approve"]
    assert flagged, "the world's first payments have no review or block to judge"
    users = tmp_path / "users"
    users.write_text(f"ana:analyst:{hash_password(PASSWORD)}\n")
    topics = topic_factory(partitions=1)
    dashboard = start_dashboard(
        DATABASE_URL=log.database_url, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        TOPIC_LABELS=topics.topic_labels, DASHBOARD_USERS_FILE=users,
        DASHBOARD_COOKIE_SECURE="false", REDIS_KEY_PREFIX=redis_settings.redis_key_prefix,
        DASHBOARD_QUEUE_BLOCKS="true",
    )  # fmt: skip
    client = httpx.Client(base_url=dashboard.url, timeout=20)
    csrf = client.post("/api/session", json={"name": "ana", "password": PASSWORD}).json()
    (target,) = [tx for tx in txs if tx.transaction_id == flagged[0]]
    queued = client.get("/api/queue", params={"limit": 200}).json()["items"]
    assert target.transaction_id in {item["transaction_id"] for item in queued}

    given = client.post(
        f"/api/decisions/{target.transaction_id}/verdicts",
        json={"verdict": "fraud", "comment": "confirmed with the cardholder"},
        headers={"X-CSRF-Token": csrf["csrf_token"]},
    )
    assert given.status_code == 201, given.text

    (message,) = topic_reader(topics.topic_labels, expected=1, idle_s=5)
    assert message.key().decode() == target.card_id
    label = Label.from_json(message.value())
    assert consumer.apply_labels([(target.card_id, label)] * 2) == []  # redelivered: once
    totals = LiveTotals.parse(consumer.pipeline.redis.hgetall(consumer.pipeline.keys.stats))
    assert (totals.labels, totals.outcomes["tp"]) == (1, 1)  # a flagged payment, fraud
    assert client.get("/api/summary").json()["labels"] == 1
    logged = client.get("/api/decisions/" + target.transaction_id).json()["label"]
    assert (logged["source"], logged["analyst"], logged["is_fraud"]) == ("analyst", "ana", True)
    queue = client.get("/api/queue", params={"limit": 200}).json()["items"]
    assert target.transaction_id not in {item["transaction_id"] for item in queue}

    chargeback = Label(transaction_id=target.transaction_id, is_fraud=False, scenario="genuine",
                       labelled_at=label.labelled_at)  # fmt: skip
    assert consumer.apply_labels([(target.card_id, chargeback)]) == []
    again = LiveTotals.parse(consumer.pipeline.redis.hgetall(consumer.pipeline.keys.stats))
    assert again.labels == 1  # the first label counted; the contradiction is kept, not counted
    case = client.get(f"/api/decisions/{target.transaction_id}/case").json()
    assert case["contradicted"] is True
    assert [(x["source"], x["counted"]) for x in case["labels"]] == [
        ("analyst", True), ("chargeback", False)
    ]  # fmt: skip
