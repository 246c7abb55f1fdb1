"""Where the replication's numbers come from: the AP-chosen XGBoost re-scored on the test folds
under protocol variants (without the known-compromised-cards rule, without the scaler, with the
other tree method) and its recall per handbook scenario. Explains a gap, never chooses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from fraud_training.handbook.benchmark import Splits
from fraud_training.handbook.models import Matrix, handbook_xgboost
from fraud_training.handbook.protocol import DAY, Fold, assessment_rows, train_rows
from fraud_training.metrics import average_precision

SCENARIO_NAMES = {1: "amount_over_220", 2: "compromised_terminal", 3: "compromised_customer"}


def _fit_score(
    params: dict[str, Any],
    x: Matrix,
    y: np.ndarray,
    x_eval: Matrix,
    *,
    tree_method: str,
    scale: bool,
) -> np.ndarray:
    if scale:
        scaler = StandardScaler().fit(x)
        x, x_eval = scaler.transform(x), scaler.transform(x_eval)
    model = handbook_xgboost(tree_method, 2, **params)
    return np.asarray(model.fit(x, y).predict_proba(x_eval)[:, 1], dtype=np.float64)


def _fold_variants(
    params: dict[str, Any], features: Matrix, table: pd.DataFrame, fold: Fold, tree_method: str
) -> dict[str, Any]:
    times, fraud = table["TX_DATETIME"], table["TX_FRAUD"]
    y = fraud.to_numpy().astype(np.int64)
    train = train_rows(times, fold)
    kept = assessment_rows(times, table["CUSTOMER_ID"], fraud, fold)
    week = ((times >= fold.assess_start) & (times < fold.assess_start + 7 * DAY)).to_numpy()
    other = "hist" if tree_method == "exact" else "exact"
    x, x_week = features[train], features[week]
    score = _fit_score(params, x, y[train], x_week, tree_method=tree_method, scale=True)
    unscaled = _fit_score(params, x, y[train], x_week, tree_method=tree_method, scale=False)
    swapped = _fit_score(params, x, y[train], x_week, tree_method=other, scale=True)
    in_week = kept[week]
    scenario = table["TX_FRAUD_SCENARIO"].to_numpy()[week] if "TX_FRAUD_SCENARIO" in table else None
    result: dict[str, Any] = {
        "fold": fold.label(),
        "ap": average_precision(score[in_week], y[week][in_week]),
        "ap_without_known_card_removal": average_precision(score, y[week]),
        "ap_without_scaler": average_precision(unscaled[in_week], y[week][in_week]),
        f"ap_with_{other}_trees": average_precision(swapped[in_week], y[week][in_week]),
    }
    if scenario is not None:
        result["recall_at_0.5_by_scenario"] = {
            name: float((score[in_week & (scenario == code)] >= 0.5).mean())
            for code, name in SCENARIO_NAMES.items()
            if (in_week & (scenario == code)).any()
        }
    return result


def diagnose(
    params: dict[str, Any], features: Matrix, table: pd.DataFrame, tree_method: str, splits: Splits
) -> dict[str, Any]:
    folds = [_fold_variants(params, features, table, fold, tree_method) for fold in splits.test]
    numeric = [key for key in folds[0] if key.startswith("ap")]
    return {
        "params": params,
        "tree_method": tree_method,
        "mean": {key: float(np.mean([fold[key] for fold in folds])) for key in numeric},
        "folds": folds,
    }
