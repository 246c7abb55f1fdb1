"""``fraud-dashboard`` configuration (environment variables; names shared with compose and Helm)."""

from __future__ import annotations

from pydantic import Field

from fraudcore.settings import LoggingSettings, RedisSettings


class DashboardSettings(RedisSettings, LoggingSettings):
    dashboard_host: str = "0.0.0.0"  # noqa: S104 - the container's port is what gets exposed
    dashboard_port: int = Field(default=8501, ge=1, le=65535)
    dashboard_max_clients: int = Field(default=200, ge=1)
    dashboard_backlog: int = Field(default=200, ge=0, le=5_000, description="events on connect")
    dashboard_latency_budget_ms: float = Field(default=35.0, gt=0)
