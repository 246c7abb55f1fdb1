"""``fraud-producer`` configuration; command-line flags override these environment variables."""

from __future__ import annotations

from pydantic import Field

from fraudcore.settings import KafkaSettings, MetricsSettings, TopicSettings


class ProducerSettings(KafkaSettings, TopicSettings, MetricsSettings):
    producer_rate_tps: float = Field(default=50.0, gt=0, le=100_000)
    producer_seed: int = 42
    producer_customers: int = Field(default=10_000, ge=10)
    producer_label_delay_s: float = Field(default=30.0, ge=0)
    producer_poison_rate: float = Field(default=0.0, ge=0, le=1)
    metrics_port: int = Field(default=9101, ge=0, le=65535)
