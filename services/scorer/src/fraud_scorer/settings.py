"""``fraud-scorer`` configuration (environment variables; names shared with compose and Helm)."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from fraudcore.settings import (
    ExplainSettings,
    LoggingSettings,
    ModelRegistrySettings,
    ModelSettings,
    OptionalDatabaseSettings,
    RedisSettings,
    RulesSettings,
)


class ScorerSettings(
    RedisSettings,
    ModelSettings,
    ModelRegistrySettings,
    OptionalDatabaseSettings,
    RulesSettings,
    ExplainSettings,
    LoggingSettings,
):
    scorer_host: str = "0.0.0.0"  # noqa: S104 - the container's port is what gets exposed
    scorer_port: int = Field(default=8000, ge=1, le=65535)
    scorer_api_key: SecretStr | None = Field(
        default=None, description="when set, scoring and reload need header X-API-Key"
    )
    scorer_max_batch_rows: int = Field(default=1024, ge=1, le=100_000)
    scorer_max_body_bytes: int = Field(default=1_048_576, ge=1024)
    scorer_rate_limit_rps: float = Field(default=0.0, ge=0, description="per client; 0 = off")
    model_watch: bool = Field(
        default=True, description="reload when MODEL_DIR's files change (not with the registry)"
    )

    @model_validator(mode="after")
    def _registry_needs_its_database(self) -> ScorerSettings:
        if self.model_store_dir is not None and self.database_url is None:
            raise ValueError("MODEL_STORE_DIR needs DATABASE_URL: the model registry is there")
        return self
