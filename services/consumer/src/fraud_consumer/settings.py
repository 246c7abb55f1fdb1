"""``fraud-consumer`` configuration (environment variables; names shared with compose and Helm)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator

from fraudcore.drift.window import WINDOW
from fraudcore.kafka_client import CONSUMER_DEFAULTS
from fraudcore.settings import (
    EnvSettings,
    ExplainSettings,
    KafkaSettings,
    LoggingSettings,
    MetricsSettings,
    ModelRegistrySettings,
    OptionalDatabaseSettings,
    RedisSettings,
    RulesSettings,
    ScoringMode,
    ScoringSettings,
    TopicSettings,
)


class Delivery(StrEnum):
    """What the output topics promise (transactions-scored, fraud-alerts, transactions-dlq)."""

    EXACTLY_ONCE = "exactly-once"  # a batch's copies and its input offsets in one transaction
    AT_LEAST_ONCE = "at-least-once"  # idempotent copies acknowledged, then offsets committed


class RetentionSettings(EnvSettings):
    """How long Redis keeps what the consumer and its warm start write."""

    result_ttl_s: int = Field(
        default=3_600,
        ge=10,  # seconds, so that a test can watch records expire; deployments keep an hour or more
        description=(
            "per-transaction records in Redis (redeliveries, and the decisions of late labels when "
            "there is no decision log); without a decision log on a simulated clock at least "
            "fraudcore.clock.marker_ttl_s(speed), as for the warm start's history markers"
        ),
    )
    state_ttl_s: int = Field(default=35 * 86_400, ge=3600, description="card and merchant state")


class BackfillSettings(RedisSettings, RetentionSettings, LoggingSettings):
    """``fraud-consumer backfill``: Redis only (no Kafka, no model)."""


class RedriveSettings(KafkaSettings, TopicSettings, LoggingSettings):
    """``fraud-consumer redrive``: Kafka only."""


class ConsumerSettings(
    RetentionSettings,
    OptionalDatabaseSettings,
    RulesSettings,
    ModelRegistrySettings,
    KafkaSettings,
    TopicSettings,
    RedisSettings,
    ScoringSettings,
    ExplainSettings,
    MetricsSettings,
    LoggingSettings,
):
    consumer_group_id: str = "fraud-consumer"
    consumer_instance_id: str | None = Field(
        default=None,
        description="static group membership: a restart with the same id resumes at once",
    )
    consumer_delivery: Delivery = Field(
        default=Delivery.EXACTLY_ONCE,
        description="exactly-once (Kafka transactions) or at-least-once on the output topics",
    )
    consumer_transaction_interval_ms: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="longest a transaction stays open: read_committed readers see output then",
    )
    consumer_transaction_linger_ms: int = Field(  # under the transaction timeout, as Kafka wants
        default=50,
        ge=0,
        le=5_000,
        description=(
            "exactly-once: how long the producer gathers copies into one request; they are "
            "invisible until the commit, which sends what is left at once"
        ),
    )
    # Readers of the outputs wait behind a vanished consumer's open transaction this long (plus
    # the broker's 10 s abort sweep); 10 s got the consumer restarted in a 16 s database outage.
    consumer_transaction_timeout_ms: int = Field(
        default=60_000,
        ge=10_000,
        le=900_000,
        description="the broker aborts a transaction left open this long (a vanished consumer)",
    )
    consumer_transactional_id: str | None = Field(
        default=None,
        description="default: group id + instance id (or host name); stable across restarts",
    )
    decision_log_flush_ms: int = Field(
        default=100,
        ge=1,
        le=10_000,
        description="buffered decisions go to the log once the oldest is this old (or at commit)",
    )
    decision_log_flush_rows: int = Field(
        default=5_000, ge=1, le=100_000, description="... or once this many are buffered"
    )
    consumer_session_timeout_ms: int = Field(default=10_000, ge=6_000, le=300_000)
    consumer_batch_max: int = Field(default=500, ge=1, le=10_000)
    # The defaults every consumer of ours fetches with (fraudcore.kafka_client), tunable here.
    consumer_fetch_min_bytes: int = Field(
        default=CONSUMER_DEFAULTS["fetch.min.bytes"],
        ge=1,
        le=1_048_576,
        description="the broker holds a fetch until this much is there (or the wait below)",
    )
    consumer_fetch_wait_max_ms: int = Field(
        default=CONSUMER_DEFAULTS["fetch.wait.max.ms"],
        ge=1,
        le=10_000,
        description="longest the broker holds a fetch",
    )
    consumer_poll_timeout_ms: int = Field(
        default=100, ge=1, le=10_000, description="longest wait for the first message of a batch"
    )
    consumer_loop_trace_ms: float = Field(
        default=0,
        ge=0,
        description="log each loop pass slower than this, by phase and GC pause (0: off)",
    )
    label_wait_s: float = Field(
        default=60.0,
        ge=0,
        description=(
            "how long a label waits for a transaction that never comes, counted from when "
            "every transactions partition has been read past the label; then it is "
            "dead-lettered (reason unmatched)"
        ),
    )
    warm_start_wait_s: float = Field(
        default=0.0,
        ge=0,
        le=86_400,
        description=(
            "read no payment until the warm start's record is in Redis, waiting up to this long "
            "(then exit 3); 0: do not wait. For compose, whose start order podman does not hold"
        ),
    )
    # 20,000 labels are a few MB; a catch-up of days may read far more of them ahead.
    label_max_waiting: int = Field(
        default=20_000,
        ge=10,
        le=10_000_000,
        description=(
            "labels read ahead of their payments kept waiting in memory; past this many no more "
            "labels are read until half of them found their payments"
        ),
    )
    model_dir: Path | None = Field(
        default=None, description="model artifacts; required for SCORING_MODE=embedded"
    )
    onnx_intra_op_threads: int = Field(default=1, ge=1, le=64)
    scorer_timeout_s: float = Field(default=2.0, gt=0)
    retry_backoff_max_s: float = Field(default=5.0, gt=0)
    recent_stream_maxlen: int = Field(default=5_000, ge=10)
    alert_stream_maxlen: int = Field(default=1_000, ge=10)
    metrics_port: int = Field(default=9102, ge=0, le=65535)
    drift_window_payments: int = Field(
        default=WINDOW,
        ge=100,
        description="drift before labels: PSI over this many latest payments (reported from half)",
    )

    @model_validator(mode="after")
    def _local_model_needs_a_directory(self) -> ConsumerSettings:
        embedded = self.scoring_mode is ScoringMode.EMBEDDED
        if embedded and self.model_dir is None and self.model_store_dir is None:
            raise ValueError("SCORING_MODE=embedded needs MODEL_DIR (or MODEL_STORE_DIR)")
        if self.model_store_dir is not None:
            if self.database_url is None:
                raise ValueError("MODEL_STORE_DIR needs DATABASE_URL: the registry is there")
            if not embedded:
                raise ValueError(
                    "MODEL_STORE_DIR needs SCORING_MODE=embedded: in remote mode the scorer "
                    "serves the registry's models (set MODEL_STORE_DIR on the scorer)"
                )
        return self

    @property
    def batch_max(self) -> int:
        """Naive mode handles one message at a time, as the design it reproduces did."""
        return 1 if self.scoring_mode is ScoringMode.NAIVE else self.consumer_batch_max
