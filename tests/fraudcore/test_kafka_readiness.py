"""Readiness needs Kafka: metadata answered and the worker's topics there, with leaders."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from fraud_devstack.processes import free_port
from fraudcore.kafka_client import metadata_check
from fraudcore.settings import KafkaSettings, TopicSettings


def test_not_ready_while_kafka_does_not_answer() -> None:
    """The consumer's old /readyz said ready with no Kafka at all; now the probe fails."""
    nobody = KafkaSettings(kafka_bootstrap_servers=f"127.0.0.1:{free_port()}")
    ready, detail = metadata_check(nobody, ["transactions"], timeout_s=0.5)()
    assert not ready
    assert detail.startswith("kafka: no metadata from 127.0.0.1:")


@pytest.mark.integration
def test_ready_once_the_topics_exist(
    kafka_settings: KafkaSettings, topic_factory: Callable[..., TopicSettings]
) -> None:
    topics = topic_factory(partitions=2)
    wanted = [topics.topic_transactions, topics.topic_labels]
    ready, detail = metadata_check(kafka_settings, wanted)()
    assert ready, detail
    assert "topics ready" in detail


@pytest.mark.integration
def test_not_ready_while_a_topic_is_missing(kafka_settings: KafkaSettings) -> None:
    missing = f"not-created-{uuid.uuid4().hex[:8]}"
    ready, detail = metadata_check(kafka_settings, [missing])()
    assert not ready
    assert detail == f"kafka: topic {missing} missing"
