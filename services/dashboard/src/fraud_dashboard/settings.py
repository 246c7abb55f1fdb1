"""``fraud-dashboard`` configuration (environment variables; names shared with compose and Helm)."""

from __future__ import annotations

from pydantic import Field

from fraudcore.settings import LoggingSettings, OptionalDatabaseSettings, RedisSettings


class DashboardSettings(RedisSettings, OptionalDatabaseSettings, LoggingSettings):
    """The decision log is optional here: without it the live view works and the log's
    endpoints answer 503 "not configured"."""

    dashboard_host: str = "0.0.0.0"  # noqa: S104 - the container's port is what gets exposed
    dashboard_port: int = Field(default=8501, ge=1, le=65535)
    dashboard_max_clients: int = Field(default=200, ge=1)
    dashboard_backlog: int = Field(default=200, ge=0, le=5_000, description="events on connect")
    dashboard_latency_budget_ms: float = Field(default=35.0, gt=0)
    dashboard_quality_days: int = Field(
        default=14, ge=1, le=180, description="days of decisions the quality figures cover"
    )
    dashboard_queue_blocks: bool = Field(
        default=False,
        description="blocks also wait in the review queue for an analyst's confirmation",
    )
    dashboard_quality_interval_s: float = Field(
        default=60.0, ge=1.0, le=3_600.0, description="how often the quality figures are read"
    )
