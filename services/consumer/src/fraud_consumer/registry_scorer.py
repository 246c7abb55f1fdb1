"""Embedded scoring with the model registry's champion and, when one is set, its challenger in
shadow; both follow the registry without a restart (``fraudcore.model_registry.loaded``).

The consume loop takes a newly loaded pair up at the start of a batch (``switch``): a batch is
therefore decided by one champion, and as a partition's batches are processed in offset order,
its decisions change version at one offset.
"""

from __future__ import annotations

from fraud_consumer.guard import CardReference
from fraud_consumer.scorers import EmbeddedScorer, Rows, Shadow
from fraudcore.drift import DriftReference
from fraudcore.model_card import Thresholds
from fraudcore.model_registry import ModelStore
from fraudcore.model_registry.loaded import RegistryModels
from fraudcore.scoring import Verdict
from fraudcore.settings import DatabaseSettings

APPLICATION = "fraud-consumer-models"


class RegistryScorer:
    """The ``Scorer`` of a consumer whose models come from the registry (MODEL_STORE_DIR)."""

    def __init__(
        self,
        database: DatabaseSettings,
        store: ModelStore,
        *,
        threads: int = 1,
        exact_reasons: bool = False,
        poll_s: float = 10.0,
    ) -> None:
        self.exact_reasons = exact_reasons
        self.models = RegistryModels(
            database, store, application=APPLICATION, threads=threads, poll_s=poll_s
        )

    def _scorer(self, model_version: str) -> EmbeddedScorer | None:
        model = self.models.model(model_version)
        return None if model is None else EmbeddedScorer(model, self.exact_reasons)

    @property
    def pending_versions(self) -> tuple[str, str | None] | None:
        return self.models.pending_versions

    def refresh(self) -> None:
        self.models.refresh()

    def switch(self) -> None:
        self.models.switch()

    def score(self, rows: Rows) -> tuple[list[Verdict], str]:
        return EmbeddedScorer(self.models.current.champion, self.exact_reasons).score(rows)

    def shadow(self, rows: Rows) -> Shadow | None:
        challenger = self.models.current.challenger
        if challenger is None:
            return None
        # Decided alone, with the built-in rules, as the champion with the baseline rule set.
        return Shadow(
            challenger.version, EmbeddedScorer(challenger, self.exact_reasons).decide_alone(rows)
        )

    def card_reference(self, model_version: str) -> CardReference | None:
        scorer = self._scorer(model_version)
        return None if scorer is None else scorer.card_reference(model_version)

    def drift_reference(self, model_version: str) -> DriftReference | None:
        scorer = self._scorer(model_version)
        return None if scorer is None else scorer.drift_reference(model_version)

    def thresholds(self, model_version: str) -> Thresholds | None:
        model = self.models.model(model_version)
        return None if model is None else model.card.thresholds

    def explain(self, rows: Rows, model_version: str) -> list[list[str]] | None:
        scorer = self._scorer(model_version)
        return None if scorer is None else scorer.explain(rows, model_version)

    def close(self) -> None:
        self.models.close()
