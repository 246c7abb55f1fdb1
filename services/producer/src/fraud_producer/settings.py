"""``fraud-producer`` configuration; command-line flags override these environment variables."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from fraud_producer.world_feed import DEFAULT_HISTORY_DAYS
from fraud_simulator.dataset import DEFAULT_START
from fraud_simulator.shift import ShiftKind
from fraudcore.settings import EnvSettings, KafkaSettings, MetricsSettings, TopicSettings


class WorldSettings(EnvSettings):
    """Which world: ``history`` and ``stream`` must agree, so the stream continues the history."""

    producer_seed: int = 42
    producer_customers: int = Field(default=10_000, ge=10)
    producer_world_start: dt.date = Field(default=DEFAULT_START, description="the world's day 0")
    producer_history_days: int = Field(
        default=DEFAULT_HISTORY_DAYS,
        ge=0,
        le=3_650,
        description="days of history before live traffic (the warm start's length)",
    )


class ProducerSettings(KafkaSettings, TopicSettings, MetricsSettings, WorldSettings):
    producer_pace: Literal["world", "steady"] = Field(
        default="world",
        description="world: the simulated clock (live traffic); steady: a constant-rate load test",
    )
    producer_rate_tps: float = Field(default=50.0, gt=0, le=100_000)
    producer_speed: float | None = Field(
        default=None,
        gt=0,
        description="simulated seconds per real second; default: rate / the world's natural pace",
    )
    producer_label_delay_s: float | None = Field(
        default=None, ge=0, description="steady pace only: seconds until each label (default 30)"
    )
    producer_poison_rate: float = Field(default=0.0, ge=0, le=1)
    metrics_port: int = Field(default=9101, ge=0, le=65535)
    producer_shift: ShiftKind | None = Field(
        default=None, description="world pace: change the world (drift before labels); none: unset"
    )
    producer_shift_after_h: float = Field(
        default=0.0, ge=0, description="simulated hours after the live start the shift begins"
    )
    producer_shift_share: float = Field(default=0.5, gt=0, le=1, description="customers shifted")
    producer_shift_factor: float = Field(default=3.0, gt=0, description="spending: amount factor")
