"""Request and response bodies of the scoring API (transactions themselves: fraudcore.schemas)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from fraudcore.drift import DriftReference
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Transaction

FLOAT32_MAX = 3.4028234663852886e38  # rows are float32: anything larger would become infinity
FeatureValue = Annotated[  # null = undefined (NaN)
    float | None, Field(allow_inf_nan=False, ge=-FLOAT32_MAX, le=FLOAT32_MAX)
]
FeatureVector = Annotated[
    list[FeatureValue], Field(min_length=len(FEATURE_NAMES), max_length=len(FEATURE_NAMES))
]


class Score(BaseModel):
    score: float = Field(ge=0, le=1, description="fraud probability")
    decision: Decision
    reasons: list[str] = Field(description="features that raised the score most (review/block)")
    rules: list[str] = Field(description="named rules that fired")
    rule_versions: list[int] = Field(
        default_factory=list, description="the version of each rule in 'rules', in its order"
    )


class RuleRevisions(BaseModel):
    rules_revision: int = Field(
        description="the rules' revision that decided (0: the built-in baseline, no database)"
    )
    lists_revision: int = Field(description="the lists' revision the rules read")


class ScoreResponse(Score, RuleRevisions):
    transaction_id: str
    model_version: str
    features: dict[str, float | None]
    timing_ms: float = Field(description="time spent inside the scorer")


class BatchRequest(BaseModel):
    """Either feature vectors (what the stream processor sends) or raw transactions."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"rows": [[12.5, *([0.0] * (len(FEATURE_NAMES) - 1))]]}]},
    )

    rows: list[FeatureVector] | None = Field(default=None, min_length=1)
    transactions: list[Transaction] | None = Field(default=None, min_length=1)


class ShadowScores(BaseModel):
    """The challenger's verdicts on the same rows, in shadow: to log, never to act on."""

    model_version: str
    results: list[Score]


class BatchResponse(RuleRevisions):
    model_version: str = Field(description="the champion's, or the version asked for by name")
    results: list[Score]
    challenger: ShadowScores | None = Field(
        default=None,
        description="the registry's challenger on the same rows, when one is set (not when a "
        "version is asked for by name)",
    )
    registry_event: int | None = Field(
        default=None,
        description="the model registry's latest event as of the models that answered: orders "
        "the answers of several scorer replicas (null: a model directory, no registry)",
    )
    timing_ms: float


class ServingStatus(BaseModel):
    champion: str
    challenger: str | None
    loaded: list[str] = Field(description="every version loaded, those serving first")
    registry_event: int | None


class ModelInfo(BaseModel):
    model_version: str
    created_at: str
    feature_names: list[str]
    thresholds: Thresholds
    expected_alert_rate: float | None = Field(
        default=None, description="share of validation payments at or above the review threshold"
    )
    metrics: dict[str, object]
    drift_reference: DriftReference | None = Field(
        default=None, description="the training reference live drift is measured against"
    )
