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


class ScoreResponse(Score):
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


class BatchResponse(BaseModel):
    model_version: str
    results: list[Score]
    timing_ms: float


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
