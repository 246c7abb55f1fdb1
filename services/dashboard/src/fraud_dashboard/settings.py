"""``fraud-dashboard`` configuration (environment variables; names shared with compose and Helm)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr

from fraudcore.settings import DatabaseSettings, LoggingSettings, RedisSettings

DatabaseUrl = Annotated[str, Field(pattern=r"^postgres(ql)?://")]


class DashboardSettings(RedisSettings, LoggingSettings):
    dashboard_host: str = "0.0.0.0"  # noqa: S104 - the container's port is what gets exposed
    dashboard_port: int = Field(default=8501, ge=1, le=65535)
    dashboard_max_clients: int = Field(default=200, ge=1)
    dashboard_backlog: int = Field(default=200, ge=0, le=5_000, description="events on connect")
    dashboard_latency_budget_ms: float = Field(default=35.0, gt=0)
    # The decision log is optional here: without it the live view works and the log's endpoints
    # answer 503 "not configured".
    database_url: DatabaseUrl | None = Field(
        default=None, description="the decision log: postgresql://user@host:port/database"
    )
    database_password: SecretStr | None = None
    database_connect_timeout_s: int = Field(default=5, ge=1, le=300)
    dashboard_quality_days: int = Field(
        default=14, ge=1, le=180, description="days of decisions the quality figures cover"
    )
    dashboard_quality_interval_s: float = Field(
        default=60.0, ge=1.0, le=3_600.0, description="how often the quality figures are read"
    )

    def database(self) -> DatabaseSettings | None:
        """The decision log's connection settings, None when DATABASE_URL is not set."""
        if self.database_url is None:
            return None
        return DatabaseSettings(
            database_url=self.database_url,
            database_password=self.database_password,
            database_connect_timeout_s=self.database_connect_timeout_s,
        )
