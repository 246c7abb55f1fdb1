"""What each kind of Kafka error makes the consumer do."""

import pytest
from confluent_kafka import KafkaError

from fraud_consumer.kafka_health import FatalError, KafkaHealth

FENCED = "Static consumer fenced by other consumer with same group.instance.id"


def test_wrong_credentials_stop_the_process() -> None:
    health = KafkaHealth()
    health.on_consumer_error(KafkaError(KafkaError.SASL_AUTHENTICATION_FAILED, "bad password"))
    with pytest.raises(FatalError, match="bad password"):
        health.raise_if_fatal()


def test_a_fenced_static_member_is_replaced_not_fatal() -> None:
    # librdkafka reports it on a poll as _FATAL (not flagged fatal) or through the error callback.
    for error in (KafkaError(KafkaError._FATAL, FENCED), KafkaError(82, FENCED, fatal=True)):
        health = KafkaHealth()
        health.on_consumer_error(error)
        assert health.consumer_broken is not None
        assert FENCED in health.consumer_broken
        health.raise_if_fatal()  # the process carries on


def test_a_fatal_producer_error_renews_the_producer_and_transient_errors_are_logged() -> None:
    health = KafkaHealth()
    health.on_producer_error(KafkaError(KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER, "x", fatal=True))
    assert health.producer_broken is not None
    health.on_consumer_error(KafkaError(KafkaError._TRANSPORT, "broker down"))
    health.on_producer_error(KafkaError(KafkaError._TRANSPORT, "broker down"))
    assert health.consumer_broken is None
    assert health.fatal is None
