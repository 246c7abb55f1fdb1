"""The design this project replaces, on our data: XGBoost on the raw payment fields (amount,
hour, merchant category and country, the two categories one-hot), trained and chosen by the
same protocol, grid and threshold rules as our model, so its claimed figures (recall 0.85 at
precision 0.74) can be answered on the same test week.

The hour is the UTC hour of the event (a raw field carries no cardholder time zone). The
one-hot columns are every category and country in the data: a vocabulary, no labels."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.evaluation import thresholds_from_validation
from fraud_training.protocol import Split
from fraud_training.search import GRID, Fold, fit_xgboost, search_xgboost

RAW_FIELDS = ("amount", "hour", "merchant_category", "country")
NEEDS = ("amount", "event_time", "merchant_category", "country")  # columns of the table


def has_raw_fields(table: pd.DataFrame) -> bool:
    """A world dataset has them; the decision log's export does not (then no such baseline)."""
    return all(column in table for column in NEEDS)


def raw_features(table: pd.DataFrame) -> tuple[npt.NDArray[np.float64], list[str]]:
    """The raw fields as a float matrix and its column names."""
    columns = {
        "amount": table["amount"].to_numpy(np.float64),
        "hour": table["event_time"].dt.hour.to_numpy(np.float64),
    }
    for field in ("merchant_category", "country"):
        values = table[field].astype(str).to_numpy()
        for value in sorted(set(values)):
            columns[f"{field}={value}"] = (values == value).astype(np.float64)
    return np.column_stack(list(columns.values())), list(columns)


@dataclass
class RawBaseline:
    test_score: npt.NDArray[np.float64]
    thresholds: dict[str, float]
    parameters: dict[str, Any]
    validation_ap: float


def train_raw_baseline(
    table: pd.DataFrame,
    y: npt.NDArray[np.int64],
    valid_splits: list[Split],
    test: Split,
    n_jobs: int,
) -> RawBaseline:
    """Search on the validation folds, thresholds from their scores, refit on the test split's
    training weeks (labels known by its start) and score its test week."""
    x, names = raw_features(table)
    times, labelled = table["event_time"], table["label_time"]
    folds = []
    for split in valid_splits:
        train_rows, assess_rows = split.train_rows(times, labelled), split.assess_rows(times)
        folds.append(Fold(split.name, x[train_rows], y[train_rows], x[assess_rows],
                          y[assess_rows]))  # fmt: skip
    search = search_xgboost(folds, GRID, n_jobs)
    valid_score = np.concatenate([search.valid_scores[f.name] for f in folds])
    thresholds = thresholds_from_validation(valid_score, np.concatenate([f.y_valid for f in folds]))
    train_rows, assess_rows = test.train_rows(times, labelled), test.assess_rows(times)
    model = fit_xgboost(search.best, search.n_estimators, x[train_rows], y[train_rows], n_jobs)
    chosen = [r["ap"] for r in search.records if all(
        r[k] == v for k, v in dataclasses.asdict(search.best).items())]  # fmt: skip
    return RawBaseline(
        test_score=np.asarray(model.predict_proba(x[assess_rows])[:, 1], dtype=np.float64),
        thresholds=thresholds,
        parameters=dataclasses.asdict(search.best)
        | {"n_estimators": search.n_estimators, "inputs": len(names), "fields": list(RAW_FIELDS)},
        validation_ap=float(np.mean(chosen)),
    )
