"""``fraud-dashboard`` configuration (environment variables; names shared with compose and Helm)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from fraudcore.settings import (
    LoggingSettings,
    OptionalDatabaseSettings,
    OptionalKafkaSettings,
    RedisSettings,
    TopicSettings,
)


class DashboardSettings(
    RedisSettings, OptionalDatabaseSettings, OptionalKafkaSettings, TopicSettings, LoggingSettings
):
    """The decision log is optional here: without it the live view works and the log's
    endpoints answer 503 "not configured". Kafka is only for analysts' verdicts (labels); without
    it a verdict answers 503. Without a users file nobody signs in and nobody gives verdicts."""

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
    dashboard_users_file: Path | None = Field(
        default=None,
        description="users file (name:role:argon2id hash or sha256 token hash); none: no sign-in",
    )
    dashboard_require_sign_in: bool = Field(
        default=False,
        description="every API read and the event stream need a signed-in viewer or analyst",
    )
    dashboard_session_ttl_s: int = Field(
        default=28_800, ge=60, le=604_800, description="a session's lifetime (seconds)"
    )
    dashboard_cookie_secure: bool = Field(
        default=True, description="the session cookie goes over HTTPS only (off: plain-HTTP dev)"
    )
