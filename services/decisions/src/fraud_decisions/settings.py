"""Settings of ``fraud-decisions``: the database, the log's retention, and a default model."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from fraudcore.settings import DatabaseSettings, DecisionLogSettings, LoggingSettings


class DecisionsSettings(DatabaseSettings, DecisionLogSettings, LoggingSettings):
    model_dir: Path | None = Field(
        default=None, description="the model replay scores with when --model-dir is not given"
    )
