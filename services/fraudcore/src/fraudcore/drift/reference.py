"""The training reference drift is measured against: the score's and every feature's histogram
on the reference rows, kept in the model card under ``drift_reference``."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fraudcore.drift.psi import Histogram

CARD_KEY = "drift_reference"


class DriftReference(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    model_version: str
    rows: int = Field(gt=0)
    window: str = Field(description="which rows: the training data's weeks the model was tested on")
    data_sha256: str
    code_sha256: str = Field(description="digest of the code that computed this reference")
    score: Histogram
    features: dict[str, Histogram]

    @model_validator(mode="after")
    def _non_empty(self) -> DriftReference:
        if not self.features:
            raise ValueError("a drift reference needs the features' histograms")
        return self

    @classmethod
    def of(
        cls,
        features: npt.NDArray[np.floating],
        scores: npt.NDArray[np.floating],
        feature_names: tuple[str, ...] | list[str],
        **about: Any,
    ) -> DriftReference:
        """Histograms of the score and of each feature column (named in order)."""
        if features.shape != (len(scores), len(feature_names)):
            raise ValueError(f"features {features.shape} do not fit {len(scores)} scores and "
                             f"{len(feature_names)} names")  # fmt: skip
        return cls(
            rows=len(scores),
            score=Histogram.of(scores),
            features={name: Histogram.of(features[:, i]) for i, name in enumerate(feature_names)},
            **about,
        )

    @classmethod
    def from_card(cls, extra: dict[str, Any] | None) -> DriftReference | None:
        """The card's reference (its extra fields), None when it has none or an unreadable one."""
        raw = (extra or {}).get(CARD_KEY)
        if raw is None:
            return None
        try:
            return cls.model_validate(raw)
        except ValidationError:
            return None
