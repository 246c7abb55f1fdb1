"""Feature importance by the features' real names: XGBoost's total gain per feature and
SHAP-style contributions (``pred_contribs``) on the test week.

The booster is trained on unnamed matrices (serving feeds them in ``FEATURE_NAMES`` order), so
its own importance comes back under f0, f1, ...; here each index is mapped to its name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import xgboost as xgb

SAMPLE_ROWS = 20_000  # payments whose contributions are averaged (all frauds come on top)
SAMPLE_SEED = 0


def gain_by_name(booster: xgb.Booster, names: Sequence[str]) -> dict[str, float]:
    """Total gain per feature under its name; features never split on get 0."""
    if booster.num_features() != len(names):
        raise ValueError(f"the model has {booster.num_features()} inputs, not {len(names)}")
    gain = booster.get_score(importance_type="total_gain")  # one float per feature for trees
    own = booster.feature_names
    keys = list(own) if own is not None else [f"f{index}" for index in range(len(names))]
    return {name: float(np.sum(gain.get(key, 0.0))) for key, name in zip(keys, names, strict=True)}


def mean_contributions(
    booster: xgb.Booster, features: npt.NDArray[np.float64], n_jobs: int
) -> npt.NDArray[np.float64]:
    """Per-row SHAP values (margin units), the bias column dropped."""
    matrix = xgb.DMatrix(features, nthread=n_jobs)
    contributions = booster.predict(matrix, pred_contribs=True)
    return np.asarray(contributions[:, :-1], dtype=np.float64)


def importance(
    booster: xgb.Booster,
    names: Sequence[str],
    features: npt.NDArray[np.float64],
    positive: npt.NDArray[np.bool_],
    n_jobs: int,
) -> dict[str, dict[str, float]]:
    """For every feature: its share of total gain, its mean |contribution| over a seeded sample
    of the payments, and its mean (signed) contribution to the frauds' scores."""
    gain = gain_by_name(booster, names)
    total = sum(gain.values()) or 1.0
    rng = np.random.default_rng(SAMPLE_SEED)
    sample = rng.choice(len(features), min(SAMPLE_ROWS, len(features)), replace=False)
    sample.sort()
    payments = mean_contributions(booster, features[sample], n_jobs)
    frauds = mean_contributions(booster, features[positive], n_jobs)
    fraud_mean = frauds.mean(axis=0) if len(frauds) else np.zeros(len(names))
    return {
        name: {
            "gain_share": gain[name] / total,
            "mean_abs_contribution": float(np.abs(payments[:, index]).mean()),
            "mean_contribution_frauds": float(fraud_mean[index]),
        }
        for index, name in enumerate(names)
    }


def summary(table: dict[str, dict[str, float]], rows: int) -> dict[str, Any]:
    """How the card describes the figures it carries (``rows``: the test week's payments)."""
    return {
        "by_feature": table,
        "contributions": f"SHAP values (XGBoost pred_contribs, log-odds) on "
        f"{min(SAMPLE_ROWS, rows):,} of the {rows:,} test-week payments drawn with seed "
        f"{SAMPLE_SEED}; frauds: every test-week fraud",
    }
