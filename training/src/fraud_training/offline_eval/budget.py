"""The review threshold of the model's own 1% budget under the known-card rule, chosen where the
card's review threshold was chosen: on the validation weeks' scores of the chosen XGBoost
parameters, each fold's model fitted again as the search fitted it (seeded, fixed threads: the
same scores). Only the validation payments the rule leaves to the model count towards the 1%.

Fitting again is checked, not assumed: the card's review threshold must come out of the same
scores bit for bit, or the evaluation stops."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.evaluation import REVIEW_ALERT_RATE, thresholds_from_validation
from fraud_training.metrics import threshold_for_alert_rate
from fraud_training.protocol import WorldProtocol

# The search's own fold fit (search.py is pinned by the card's training-code digest: used as is).
from fraud_training.search import Fold, XgbParams, _fit_on_folds
from fraud_training.train import N_JOBS
from fraudcore.model_card import ModelCard


class NotReproducedError(RuntimeError):
    """The validation scores fitted again do not give the card's review threshold."""


@dataclass(frozen=True)
class BudgetThreshold:
    threshold: float
    validation_payments: int
    validation_known: int  # payments on known-compromised cards, left out of the 1%

    def describe(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "alert_rate": REVIEW_ALERT_RATE,
            "chosen_on": "validation weeks pooled, chosen XGBoost parameters, payments on cards "
            "not known compromised",
            "validation_payments": self.validation_payments,
            "validation_known": self.validation_known,
        }


def card_parameters(card: ModelCard) -> XgbParams:
    chosen = (card.model_extra or {})["parameters"]["xgboost"]
    return XgbParams(**{name: chosen[name] for name in XgbParams.__dataclass_fields__})


def budget_threshold(
    table: pd.DataFrame,
    features: npt.NDArray[np.float64],
    card: ModelCard,
    known: npt.NDArray[np.bool_],
) -> BudgetThreshold:
    """1% of the validation payments on cards not known compromised (``known``: the table's
    payments on cards known compromised), at the card's model."""
    valid_splits, _ = WorldProtocol().splits(table["event_time"].iloc[0],
                                             table["event_time"].iloc[-1])  # fmt: skip
    y = table["is_fraud"].to_numpy(np.int64)
    folds, left = [], []
    for split in valid_splits:
        train = split.train_rows(table["event_time"], table["label_time"])
        assess = split.assess_rows(table["event_time"])
        folds.append(Fold(split.name, features[train], y[train], features[assess], y[assess]))
        left.append(~known[assess])
    _, scores = _fit_on_folds(card_parameters(card), folds, N_JOBS)
    score = np.concatenate([scores[fold.name] for fold in folds])
    positive = np.concatenate([fold.y_valid for fold in folds])
    again = thresholds_from_validation(score, positive)["review"]
    if again != card.thresholds.review:
        raise NotReproducedError(
            f"the validation folds fitted again give a review threshold of {again!r}, the card "
            f"says {card.thresholds.review!r}: not the training's scores (library versions?)"
        )
    model_payments = np.concatenate(left)
    return BudgetThreshold(
        threshold=min(threshold_for_alert_rate(score[model_payments], REVIEW_ALERT_RATE), 1.0),
        validation_payments=len(score),
        validation_known=int((~model_payments).sum()),
    )
