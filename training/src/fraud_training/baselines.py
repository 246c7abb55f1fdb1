"""Baselines trained and scored in the same run as the model: logistic regression on the same
features (imputed, scaled), and the rules production runs beside the model
(``fraudcore.decisions``), alone."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from fraud_training.metrics import average_precision
from fraudcore.decisions import RULES

Matrix = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]
LR_C = (0.01, 0.1, 1.0)


def logistic_regression(c: float) -> Pipeline:
    # NaN means "no history": median-impute and add a missing-indicator column, then scale.
    return make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True),
        StandardScaler(),
        LogisticRegression(C=c, max_iter=2000, random_state=0),
    )


def choose_c(
    folds: Sequence[tuple[Matrix, Labels, Matrix, Labels]],
) -> tuple[float, dict[float, float], npt.NDArray[np.float64]]:
    """The C with the best mean validation AP, each C's mean AP, and the chosen C's validation
    scores (folds concatenated, for its thresholds)."""
    mean_ap, scores = {}, {}
    for c in LR_C:
        scores[c] = [
            logistic_regression(c).fit(x, y).predict_proba(xv)[:, 1] for x, y, xv, _ in folds
        ]
        mean_ap[c] = float(
            np.mean([average_precision(s, f[3]) for s, f in zip(scores[c], folds, strict=True)])
        )
    best = max(LR_C, key=lambda c: mean_ap[c])
    return best, mean_ap, np.concatenate(scores[best]).astype(np.float64)


def rule_hits(features: Matrix, names: Sequence[str]) -> dict[str, npt.NDArray[np.bool_]]:
    """Where each production rule (``fraudcore.decisions.RULES``) fires, on float32 rows as
    served; comparisons with NaN (no history) are False: a rule needs its evidence."""
    rows = np.asarray(features, dtype=np.float32)
    index = {name: position for position, name in enumerate(names)}
    with np.errstate(invalid="ignore"):
        return {
            rule.id: np.asarray(rule.fires(lambda name: rows[:, index[name]]), dtype=np.bool_)
            for rule in RULES
        }


def rules_score(features: Matrix, names: Sequence[str]) -> npt.NDArray[np.float64]:
    """How many production rules fire: one is a review in production."""
    hits = rule_hits(features, names)
    return np.asarray(np.stack(list(hits.values())).sum(axis=0), dtype=np.float64)
