"""Runs the handbook's model-selection protocol: every grid point of every family is fitted on
each validation fold and each test fold; per metric, the grid point with the best mean
validation score is chosen, and its test folds are what we report. The test folds never choose.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.handbook.models import Family, Matrix
from fraud_training.handbook.protocol import (
    DAY,
    TEST_TRAIN_START,
    VALID_TRAIN_START,
    Fold,
    assessment_rows,
    prequential_folds,
    train_rows,
)
from fraud_training.metrics import average_precision, card_precision_at_k, roc_auc

log = logging.getLogger(__name__)
METRICS = ("auc", "ap", "cp100")
HANDBOOK_FOLDS = 4  # prequential folds per split, as the handbook's table


@dataclass(frozen=True)
class Splits:
    valid: list[Fold]
    test: list[Fold]

    @classmethod
    def handbook(cls, n_folds: int = HANDBOOK_FOLDS) -> Splits:
        return cls(
            prequential_folds(VALID_TRAIN_START, n_folds),
            prequential_folds(TEST_TRAIN_START, n_folds),
        )


def fold_scores(
    family: Family,
    features: Matrix,
    table: pd.DataFrame,
    fold: Fold,
    n_jobs: int,
) -> list[dict[str, Any]]:
    """Each grid point's AUC, AP and card precision@100 on one fold's assessment rows."""
    times, fraud = table["TX_DATETIME"], table["TX_FRAUD"]
    train = train_rows(times, fold)
    assess = assessment_rows(times, table["CUSTOMER_ID"], fraud, fold)
    y = fraud.to_numpy().astype(np.int64)
    day = day_numbers(times)[assess]
    customer = table["CUSTOMER_ID"].to_numpy()[assess]
    records = []
    for params, score in family.fit_score(features[train], y[train], features[assess], n_jobs):
        records.append(
            {
                "params": params,
                "auc": roc_auc(score, y[assess]),
                "ap": average_precision(score, y[assess]),
                "cp100": card_precision_at_k(day, customer, score, y[assess], k=100)[0],
                "fold": fold.label(),
            }
        )
    return records


def _key(params: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in sorted(params.items()))


def select(valid: pd.DataFrame, test: pd.DataFrame) -> dict[str, Any]:
    """Per metric: the grid point with the best mean validation score, and its test folds."""
    result: dict[str, Any] = {"selection": {}}
    for metric in METRICS:
        by_params = valid.groupby("key")[metric].mean()
        best = str(by_params.idxmax())
        chosen = test.loc[test["key"] == best, metric]
        result[metric] = {
            "mean": float(chosen.mean()),
            "std": float(chosen.std(ddof=1)),
            "folds": [float(value) for value in chosen],
        }
        result["selection"][metric] = {
            "params": valid.loc[valid["key"] == best, "params"].iloc[0],
            "validation_mean": float(by_params[best]),
            "test_best_possible": float(test.groupby("key")[metric].mean().max()),
        }
    return result


def evaluate_family(
    family: Family, features: Matrix, table: pd.DataFrame, splits: Splits, n_jobs: int
) -> dict[str, Any]:
    began = time.perf_counter()
    frames = {}
    for name, folds in (("valid", splits.valid), ("test", splits.test)):
        records = []
        for fold in folds:
            log.info("%s: %s fold %s", family.name, name, fold.label())
            records += fold_scores(family, features, table, fold, n_jobs)
        frame = pd.DataFrame(records)
        frame["key"] = frame["params"].map(_key)
        frames[name] = frame
    result = select(frames["valid"], frames["test"])
    result["seconds"] = round(time.perf_counter() - began, 1)
    result["grid_points"] = family.grid_size
    return result


def run(
    table: pd.DataFrame,
    feature_sets: Sequence[tuple[str, Matrix, Sequence[Family]]],
    splits: Splits,
    n_jobs: int = 2,
) -> dict[str, Any]:
    """Every (feature set, family) pair through the protocol; models are named by family."""
    models: dict[str, Any] = {}
    for set_name, features, families in feature_sets:
        for family in families:
            models[family.name] = evaluate_family(family, features, table, splits, n_jobs)
            models[family.name]["features"] = set_name
    return models


def day_numbers(times: pd.Series) -> npt.NDArray[np.int64]:
    """Whole days since midnight of the first row (the handbook's TX_TIME_DAYS)."""
    return np.asarray((times - times.iloc[0].normalize()) // DAY, dtype=np.int64)
