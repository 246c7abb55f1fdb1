"""Scores to verdicts: the model's probabilities, the decision, and why (shared by the scorer's
endpoints and the consumer's embedded mode, so both explain the same way)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from fraudcore.decisions import decide
from fraudcore.features import FEATURE_NAMES
from fraudcore.model import ModelBundle
from fraudcore.schemas import Decision

Engine = Literal["onnx", "xgboost"]


@dataclass(frozen=True)
class Verdict:
    score: float
    decision: Decision
    reasons: list[str]
    rules: list[str]


def verdicts(
    model: ModelBundle, rows: npt.NDArray[np.float32], engine: Engine = "onnx"
) -> list[Verdict]:
    """One verdict per row; reason codes are computed only for review and block. ``engine``
    "xgboost" builds an XGBoost DMatrix per call: the original design, kept as a reference."""
    if len(rows) == 0:
        return []
    scores = (model.predict(rows) if engine == "onnx" else model.predict_xgboost(rows)).tolist()
    thresholds = model.card.thresholds
    decided = [
        decide(score, row, thresholds) for score, row in zip(scores, rows.tolist(), strict=True)
    ]
    flagged = [i for i, (decision, _) in enumerate(decided) if decision is not Decision.APPROVE]
    reasons: dict[int, list[str]] = {}
    if flagged:
        reasons = dict(zip(flagged, model.reasons(rows[flagged]), strict=True))
    return [
        Verdict(score=score, decision=decision, reasons=reasons.get(i, []), rules=rules)
        for i, (score, (decision, rules)) in enumerate(zip(scores, decided, strict=True))
    ]


def rows_from_lists(values: list[list[float | None]]) -> npt.NDArray[np.float32]:
    """JSON feature vectors (null = undefined) to the model's float32 matrix (NaN = undefined)."""
    return np.array(
        [[np.nan if value is None else value for value in row] for row in values], dtype=np.float32
    ).reshape(len(values), len(FEATURE_NAMES))


def lists_from_rows(rows: npt.NDArray[np.floating]) -> list[list[float | None]]:
    """The inverse: NaN becomes null, because JSON has no NaN."""
    return [[None if math.isnan(value) else value for value in row] for row in rows.tolist()]
