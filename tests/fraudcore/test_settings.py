import pytest
from pydantic import ValidationError

from fraudcore.kafka_client import client_config, consumer_config, producer_config
from fraudcore.redis_client import redis_options
from fraudcore.settings import KafkaSettings, RedisSettings, ScoringSettings, TopicSettings


def test_the_four_fixed_names_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("SCORER_URL", "http://scorer:8000")
    monkeypatch.setenv("SCORING_MODE", "embedded")
    assert KafkaSettings().kafka_bootstrap_servers == "kafka:9092"
    assert RedisSettings().redis_url == "redis://redis:6379/0"
    scoring = ScoringSettings()
    assert (scoring.scorer_url, scoring.scoring_mode.value) == ("http://scorer:8000", "embedded")


def test_required_settings_have_no_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    with pytest.raises(ValidationError, match="kafka_bootstrap_servers"):
        KafkaSettings()
    with pytest.raises(ValidationError, match="redis_url"):
        RedisSettings()


def test_scoring_mode_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCORING_MODE", "psychic")
    with pytest.raises(ValidationError, match="remote"):
        ScoringSettings()


def test_sasl_needs_credentials() -> None:
    with pytest.raises(ValidationError, match="KAFKA_SASL_USERNAME"):
        KafkaSettings(kafka_bootstrap_servers="k:9092", kafka_security_protocol="SASL_SSL")


def test_sasl_ssl_becomes_librdkafka_properties_and_the_secret_stays_hidden() -> None:
    settings = KafkaSettings(
        kafka_bootstrap_servers="k:9093",
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="fraud-consumer",
        kafka_sasl_password="s3cr3t-value",
        kafka_ssl_ca_location="/etc/kafka/ca.crt",
    )
    assert "s3cr3t-value" not in repr(settings)
    assert "s3cr3t-value" not in settings.model_dump_json()
    conf = client_config(settings)
    assert conf == {
        "bootstrap.servers": "k:9093",
        "client.id": "fraud-detection",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "fraud-consumer",
        "sasl.password": "s3cr3t-value",
        "ssl.ca.location": "/etc/kafka/ca.crt",
    }


def test_plaintext_carries_no_security_properties() -> None:
    conf = client_config(KafkaSettings(kafka_bootstrap_servers="k:9092"))
    assert not [key for key in conf if key.startswith(("sasl.", "ssl."))]


def test_consumers_commit_manually_and_producers_are_idempotent() -> None:
    settings = KafkaSettings(kafka_bootstrap_servers="k:9092")
    consumer = consumer_config(settings, "g1")
    assert consumer["enable.auto.commit"] is False
    assert consumer["group.id"] == "g1"
    producer = producer_config(settings, **{"linger.ms": 0})
    assert (producer["acks"], producer["enable.idempotence"], producer["linger.ms"]) == (
        "all",
        True,
        0,
    )


def test_redis_password_can_live_outside_the_url() -> None:
    settings = RedisSettings(
        redis_url="rediss://redis:6380/0", redis_password="pw", redis_tls_ca_file="/ca.pem"
    )
    options = redis_options(settings)
    assert (options["password"], options["ssl_ca_certs"]) == ("pw", "/ca.pem")
    assert "pw" not in repr(settings)


def test_redis_url_scheme_is_checked() -> None:
    with pytest.raises(ValidationError, match="redis_url"):
        RedisSettings(redis_url="http://redis:6379")


def test_topic_defaults_are_the_contract() -> None:
    assert TopicSettings().all_topics() == [
        "transactions",
        "transaction-labels",
        "transactions-scored",
        "fraud-alerts",
        "transactions-dlq",
    ]
