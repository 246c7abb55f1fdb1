"""The model card: what training writes beside the model and what serving trusts about it.

Training (``fraud-train train``) writes ``model_card.json`` with this schema into the artifact
directory; the scorer and the consumer refuse a model whose card does not parse or whose feature
list differs from ``fraudcore.features.FEATURE_NAMES``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

ONNX_FILE = "model.onnx"
XGBOOST_FILE = "model.json"
CARD_FILE = "model_card.json"


class Thresholds(BaseModel):
    """Score cut-offs: ``review`` at the alert budget, ``block`` at high precision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    review: float = Field(ge=0, le=1)
    block: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.block < self.review:
            raise ValueError(f"block threshold {self.block} is below review {self.review}")
        return self


class ModelCard(BaseModel):
    """Required fields are what serving relies on; training may add anything else
    (metrics, parameters, hashes, library versions) and it is carried along untouched."""

    model_config = ConfigDict(frozen=True, extra="allow", protected_namespaces=())

    model_version: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    created_at: AwareDatetime
    feature_names: list[str] = Field(min_length=1)
    thresholds: Thresholds
    onnx_input_name: str = "features"
    metrics: dict[str, Any] = Field(default_factory=dict)

    @property
    def expected_alert_rate(self) -> float | None:
        """The share of payments at or above the review threshold on the validation weeks the
        threshold was chosen on: what live traffic should show (None if training did not say)."""
        rules = (self.model_extra or {}).get("threshold_rules") or {}
        rate = rules.get("review_alert_rate")
        return float(rate) if isinstance(rate, int | float) else None

    @classmethod
    def load(cls, directory: Path) -> ModelCard:
        return cls.model_validate_json((directory / CARD_FILE).read_bytes())
