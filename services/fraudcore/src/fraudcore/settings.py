"""Configuration from environment variables, one flat namespace shared by every deployment.

Each field's name is its environment variable in lower case (``kafka_bootstrap_servers`` is read
from ``KAFKA_BOOTSTRAP_SERVERS``), so docker compose, the Helm charts and ``make dev`` all use the
same names and a test can list them. Services build their settings class by combining the mixins
they need; settings without a default are required.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class EnvSettings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)


class KafkaSecurityProtocol(StrEnum):
    PLAINTEXT = "PLAINTEXT"
    SSL = "SSL"
    SASL_PLAINTEXT = "SASL_PLAINTEXT"
    SASL_SSL = "SASL_SSL"


class SaslMechanism(StrEnum):
    PLAIN = "PLAIN"
    SCRAM_SHA_256 = "SCRAM-SHA-256"
    SCRAM_SHA_512 = "SCRAM-SHA-512"


class KafkaClientSettings(EnvSettings):
    """How to talk to Kafka once its address is known; converted to librdkafka properties by
    ``fraudcore.kafka_client``."""

    kafka_security_protocol: KafkaSecurityProtocol = KafkaSecurityProtocol.PLAINTEXT
    kafka_sasl_mechanism: SaslMechanism = SaslMechanism.SCRAM_SHA_512
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_ca_location: str | None = Field(default=None, description="PEM file of trusted CAs")
    kafka_ssl_certificate_location: str | None = None
    kafka_ssl_key_location: str | None = None
    kafka_ssl_key_password: SecretStr | None = None
    kafka_client_id: str = "fraud-detection"

    @property
    def kafka_uses_sasl(self) -> bool:
        return self.kafka_security_protocol in (
            KafkaSecurityProtocol.SASL_PLAINTEXT,
            KafkaSecurityProtocol.SASL_SSL,
        )

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> KafkaClientSettings:
        if self.kafka_uses_sasl and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError(
                "KAFKA_SECURITY_PROTOCOL="
                f"{self.kafka_security_protocol.value} needs KAFKA_SASL_USERNAME and "
                "KAFKA_SASL_PASSWORD"
            )
        return self


class KafkaSettings(KafkaClientSettings):
    """How to reach Kafka."""

    kafka_bootstrap_servers: str = Field(min_length=1, description="host:port[,host:port...]")


class OptionalKafkaSettings(KafkaClientSettings):
    """Kafka for a service that also runs without it (the dashboard, which only writes analysts'
    verdicts): ``KafkaSettings`` when KAFKA_BOOTSTRAP_SERVERS is set."""

    kafka_bootstrap_servers: str | None = Field(
        default=None, min_length=1, description="host:port[,host:port...]"
    )

    def kafka(self) -> KafkaSettings | None:
        if self.kafka_bootstrap_servers is None:
            return None
        return KafkaSettings(**{name: getattr(self, name) for name in KafkaSettings.model_fields})


class TopicSettings(EnvSettings):
    """Topic names (the contract's defaults); tests override them per test."""

    topic_transactions: str = "transactions"
    topic_labels: str = "transaction-labels"
    topic_scored: str = "transactions-scored"
    topic_alerts: str = "fraud-alerts"
    topic_dlq: str = "transactions-dlq"

    def all_topics(self) -> list[str]:
        return [
            self.topic_transactions,
            self.topic_labels,
            self.topic_scored,
            self.topic_alerts,
            self.topic_dlq,
        ]


class RedisSettings(EnvSettings):
    """How to reach Redis; the password may live outside the URL so it can come from a Secret."""

    redis_url: str = Field(pattern=r"^(redis|rediss|unix)://", description="redis://host:port/db")
    redis_username: str | None = None
    redis_password: SecretStr | None = None
    redis_tls_ca_file: str | None = Field(default=None, description="PEM CA bundle for rediss://")
    redis_key_prefix: str = Field(
        default="fraud:", pattern=r"^[^{}]*$", description="namespace for every key we write"
    )
    redis_socket_timeout_s: float = Field(default=5.0, gt=0)
    redis_cluster: bool = Field(
        default=False,
        description="REDIS_URL names one node of a Redis Cluster; the client finds the others",
    )


class ScoringMode(StrEnum):
    REMOTE = "remote"
    EMBEDDED = "embedded"
    NAIVE = "naive"


class ScoringSettings(EnvSettings):
    """Where scores come from: the scorer's batch endpoint or an in-process ONNX session."""

    scoring_mode: ScoringMode = ScoringMode.REMOTE
    scorer_url: str = Field(default="http://127.0.0.1:8000", pattern=r"^https?://")
    scorer_api_key: SecretStr | None = None


class MetricsSettings(EnvSettings):
    """Where a worker serves /metrics, /healthz and /readyz (port 0 disables them)."""

    metrics_port: int = Field(default=9100, ge=0, le=65535)
    metrics_host: str = "0.0.0.0"  # noqa: S104 - containers must expose metrics to the scraper
    worker_stall_timeout_s: float = Field(
        default=60.0,
        gt=0,
        description="/healthz fails once the worker loop has not turned for this many seconds",
    )
    worker_test_stall_hook: bool = Field(
        default=False,
        description=(
            "test hook, off by default: SIGUSR1 stalls the worker loop until the worker is "
            "stopped, so that /healthz fails as it would for a loop stuck in a call"
        ),
    )


class ModelSettings(EnvSettings):
    """Where the model artifacts live: model.onnx, model.json (XGBoost) and model_card.json."""

    model_dir: Path = Field(description="directory holding the model artifacts")
    onnx_intra_op_threads: int = Field(default=1, ge=1, le=64)


class ModelRegistrySettings(EnvSettings):
    """Serving the model registry's champion and challenger (the consumer embedded, the scorer)
    instead of one model directory: its artifact store, and how often it is read."""

    model_store_dir: Path | None = Field(
        default=None,
        description=(
            "the model registry's artifact store: with DATABASE_URL, the registry's champion "
            "decides, its challenger scores in shadow, and both follow fraud-models promote and "
            "rollback without a restart (MODEL_DIR is then unused)"
        ),
    )
    model_registry_poll_s: float = Field(
        default=10.0,
        ge=1,
        le=600,
        description=(
            "the registry's serving models are read this often besides its notifications, "
            "which a database outage loses"
        ),
    )


class ExplainSettings(EnvSettings):
    """How reason codes are computed for review and block decisions."""

    reason_codes: Literal["approx", "exact"] = Field(
        default="approx",
        description=(
            "approx: XGBoost's path contributions (about 50 us a row); exact: TreeSHAP (about "
            "1.3 ms a row with the default model), for when every alert's reasons must be exact"
        ),
    )


class LoggingSettings(EnvSettings):
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class DatabaseSettings(EnvSettings):
    """How to reach PostgreSQL (the decision log); the password may live outside the DSN so it
    can come from a Secret."""

    database_url: str = Field(
        pattern=r"^postgres(ql)?://", description="postgresql://user@host:port/database"
    )
    database_password: SecretStr | None = None
    database_connect_timeout_s: int = Field(default=5, ge=1, le=300)


class OptionalDatabaseSettings(EnvSettings):
    """The decision log for a service that also runs without it (the consumer, the dashboard):
    ``DatabaseSettings`` when DATABASE_URL is set."""

    database_url: str | None = Field(
        default=None,
        pattern=r"^postgres(ql)?://",
        description="the decision log: postgresql://user@host:port/database",
    )
    database_password: SecretStr | None = None
    database_connect_timeout_s: int = Field(default=5, ge=1, le=300)

    def database(self) -> DatabaseSettings | None:
        """The decision log's connection settings, None when DATABASE_URL is not set."""
        if self.database_url is None:
            return None
        return DatabaseSettings(
            database_url=self.database_url,
            database_password=self.database_password,
            database_connect_timeout_s=self.database_connect_timeout_s,
        )


class RulesSettings(EnvSettings):
    """How a process that decides (the consumer, the scorer) follows the rules in force."""

    rules_poll_s: float = Field(
        default=1.0, gt=0, le=5.0, description="how often the rules' revision is read (with a log)"
    )


class DecisionLogSettings(EnvSettings):
    """How long decisions are kept and how far ahead their day partitions are made."""

    decision_log_retention_days: int = Field(
        default=180,
        ge=31,  # labels come up to 30 days late (fraudcore.clock): their decisions must be there
        le=3_650,
        description="days of event time a decision and its label are kept",
    )
    decision_log_days_ahead: int = Field(
        default=3, ge=1, le=60, description="day partitions made ahead of the clock"
    )
    case_retention_days: int | None = Field(
        default=None,
        ge=31,
        le=36_500,
        description=(
            "days of wall-clock time analysts' verdicts, label disagreements and audit events "
            "are kept (unset: kept for good); at least the decisions' retention"
        ),
    )

    @model_validator(mode="after")
    def _cases_outlive_their_decisions(self) -> DecisionLogSettings:
        """A case's verdicts never go before its decision does (what the case page shows)."""
        days = self.case_retention_days
        if days is not None and days < self.decision_log_retention_days:
            raise ValueError(
                f"CASE_RETENTION_DAYS ({days}) is shorter than DECISION_LOG_RETENTION_DAYS "
                f"({self.decision_log_retention_days}): a case would lose its verdicts while "
                "its decision is still shown"
            )
        return self
