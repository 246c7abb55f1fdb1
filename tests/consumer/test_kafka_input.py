"""The input consumer's librdkafka settings: what the consumer's own settings make of them."""

from fraud_consumer.kafka_input import input_config
from fraud_consumer.settings import ConsumerSettings

BASE = {"kafka_bootstrap_servers": "127.0.0.1:9", "redis_url": "redis://127.0.0.1:1/0"}


def _config(**fields: object) -> dict:
    settings = ConsumerSettings(**{**BASE, "database_url": None, **fields})
    return input_config(settings, lambda error: None)


def test_by_default_the_broker_answers_a_fetch_as_soon_as_a_record_arrives() -> None:
    config = _config()
    assert (config["fetch.min.bytes"], config["fetch.wait.max.ms"]) == (1, 500)
    assert config["partition.assignment.strategy"] == "range"
    assert config["enable.auto.commit"] is False
    assert "group.instance.id" not in config


def test_fetch_batching_and_static_membership_come_from_the_settings() -> None:
    config = _config(
        consumer_fetch_min_bytes=2048, consumer_fetch_wait_max_ms=2, consumer_instance_id="c-0"
    )
    assert (config["fetch.min.bytes"], config["fetch.wait.max.ms"]) == (2048, 2)
    assert config["group.instance.id"] == "c-0"
