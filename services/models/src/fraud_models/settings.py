"""Settings of ``fraud-models``: the registry's database and the artifact store's root."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from fraudcore.settings import DatabaseSettings, LoggingSettings


class ModelsSettings(DatabaseSettings, LoggingSettings):
    # Only register and the artifact paths need it; listing and promoting work without it.
    model_store_dir: Path | None = Field(
        default=None,
        description="root of the artifact store: one directory per registered model version",
    )
