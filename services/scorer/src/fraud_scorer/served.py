"""The models a scorer serves, behind one interface for the routes: one model directory
(MODEL_DIR, reloaded when its files change) or the model registry's champion and challenger
(MODEL_STORE_DIR with DATABASE_URL), switched at once when the registry changes."""

from __future__ import annotations

from dataclasses import dataclass

from fraud_scorer.model_holder import ModelHolder
from fraud_scorer.settings import ScorerSettings
from fraudcore.model import ModelBundle
from fraudcore.model_registry import ModelStore
from fraudcore.model_registry.loaded import RegistryModels

APPLICATION = "fraud-scorer-models"


@dataclass(frozen=True)
class Serving:
    """What one request scores with, taken once at its start whatever switches meanwhile."""

    champion: ModelBundle
    challenger: ModelBundle | None
    registry_event: int | None  # the registry's latest event as of these models (None: MODEL_DIR)


class ServedModels:
    def __init__(self, settings: ScorerSettings) -> None:
        self.settings = settings
        self.holder = None if settings.model_store_dir else ModelHolder(
            settings.model_dir, settings.onnx_intra_op_threads
        )  # fmt: skip
        self.registry: RegistryModels | None = None

    def start(self) -> None:
        """Load the models (connects to the registry): before the first request."""
        database, store = self.settings.database(), self.settings.model_store_dir
        if self.holder is not None:
            self.holder.reload()
        elif database is not None and store is not None:
            self.registry = RegistryModels(
                database,
                ModelStore(store),
                application=APPLICATION,
                threads=self.settings.onnx_intra_op_threads,
                poll_s=self.settings.model_registry_poll_s,
                at_once=True,
            )

    @property
    def loaded(self) -> bool:
        return self.registry is not None or (self.holder is not None and self.holder.loaded)

    def serving(self) -> Serving:
        if self.registry is not None:
            current = self.registry.current
            return Serving(current.champion, current.challenger, current.generation)
        if self.holder is None:
            raise RuntimeError("no model loaded")
        return Serving(self.holder.current, None, None)

    def model(self, model_version: str) -> ModelBundle | None:
        """A loaded version (serving, or kept since it was replaced); None when not loaded."""
        if self.registry is not None:
            return self.registry.model(model_version)
        current = self.serving().champion
        return current if current.version == model_version else None

    def versions(self) -> list[str]:
        """Loaded versions, those serving first."""
        if self.registry is not None:
            return self.registry.loaded_versions()
        return [self.serving().champion.version] if self.loaded else []

    def close(self) -> None:
        if self.registry is not None:
            self.registry.close()
