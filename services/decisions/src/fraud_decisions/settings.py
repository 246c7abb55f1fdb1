"""Settings of ``fraud-decisions``: the database, the log's retention, and a default model."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from fraudcore.decision_log.log_clock import Clock
from fraudcore.settings import DatabaseSettings, DecisionLogSettings, LoggingSettings


class DecisionsSettings(DatabaseSettings, DecisionLogSettings, LoggingSettings):
    # The log's clock by default: it is in event time whether events follow the wall or a world.
    decision_log_clock: Clock = Field(
        default=Clock.LOG, description="the clock maintain counts days by: log or wall"
    )
    model_dir: Path | None = Field(
        default=None, description="the model replay scores with when --model-dir is not given"
    )
