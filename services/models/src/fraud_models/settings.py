"""Settings of ``fraud-models``: the registry's database and the artifact store's root."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from fraud_training.gate.gates import GateSettings
from fraudcore.settings import DatabaseSettings, LoggingSettings


class ModelsSettings(DatabaseSettings, LoggingSettings, GateSettings):
    # Only register and the artifact paths need it; listing and promoting work without it.
    model_store_dir: Path | None = Field(
        default=None,
        description="root of the artifact store: one directory per registered model version",
    )
    retrain_promote: bool = Field(
        default=False,
        description="retrain: make a candidate that passes its gate the champion at once "
        "(default: the challenger only, promoted by a person)",
    )
    retrain_webhook_token: SecretStr | None = Field(
        default=None,
        description="webhook: the bearer token Alertmanager sends (required to serve it)",
    )
    retrain_webhook_port: int = Field(default=9106, ge=1, le=65535, description="webhook: port")
    retrain_min_interval_s: float = Field(
        default=21_600.0, ge=0,
        description="webhook: least seconds between two retrains (the alert repeats while firing)",
    )  # fmt: skip
