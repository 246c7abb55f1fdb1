"""Replay: a logged decision's features, as served, scored again by a model.

By the model that decided (same version) the score must come back within ``TOLERANCE``: the
features are logged as the float32 values the model was given. By another model, the replay
shows how that model would have decided the same payment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from fraudcore.decision_log.reader import LoggedDecision
from fraudcore.model import ModelBundle
from fraudcore.scoring import verdicts

TOLERANCE = 1e-6


class ReplayError(ValueError):
    """The logged features cannot be given to this model."""


@dataclass(frozen=True)
class Replay:
    logged: LoggedDecision
    model_version: str
    score: float
    decision: str
    rules: list[str]
    reasons: list[str]
    thresholds: dict[str, float]

    @property
    def same_model(self) -> bool:
        return self.model_version == self.logged.model_version

    @property
    def score_delta(self) -> float:
        return self.score - self.logged.score

    @property
    def reproduced(self) -> bool | None:
        """Whether the deciding model gave the logged score again (None for another model)."""
        return abs(self.score_delta) <= TOLERANCE if self.same_model else None

    def as_json(self) -> dict[str, Any]:
        logged = self.logged
        return {
            "transaction_id": logged.transaction_id,
            "logged": {
                "model_version": logged.model_version,
                "score": logged.score,
                "decision": logged.decision.value,
                "rules": logged.row["rules"],
                "reasons": logged.row["reasons"],
                "thresholds": logged.thresholds.model_dump(),
            },
            "replayed": {
                "model_version": self.model_version,
                "score": self.score,
                "decision": self.decision,
                "rules": self.rules,
                "reasons": self.reasons,
                "thresholds": self.thresholds,
            },
            "same_model": self.same_model,
            "score_delta": self.score_delta,
            "decision_changed": self.decision != logged.decision.value,
            "reproduced": self.reproduced,
        }


def replay(logged: LoggedDecision, model: ModelBundle) -> Replay:
    features = logged.features
    missing = [name for name in model.card.feature_names if name not in features]
    if missing:
        raise ReplayError(
            f"model {model.version} needs features the log of {logged.transaction_id} lacks: "
            f"{', '.join(missing)}"
        )
    row = np.array([[features[name] for name in model.card.feature_names]], dtype=np.float32)
    (verdict,) = verdicts(model, row)
    if not math.isfinite(verdict.score):
        raise ReplayError(f"model {model.version} gave no finite score")
    return Replay(
        logged=logged,
        model_version=model.version,
        score=verdict.score,
        decision=verdict.decision.value,
        rules=verdict.rules,
        reasons=verdict.reasons,
        thresholds=model.card.thresholds.model_dump(),
    )
