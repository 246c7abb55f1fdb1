"""XGBoost on our features, coarse to fine: a grid over depth, leaf weight and class weight at a
fast learning rate, then the best point again at a slower rate. Every point is fitted on every
validation fold with early stopping on that fold (rounds = n_estimators) and chosen by mean
validation AP. Seeded, fixed thread count: deterministic."""

from __future__ import annotations

import dataclasses
import itertools
import logging
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import xgboost as xgb

from fraud_training.metrics import average_precision

log = logging.getLogger(__name__)
Matrix = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]
SEED = 42
MAX_ROUNDS = 800
# Patience for a noisy aucpr curve; a few fast-rate points still stop early (see the card).
EARLY_STOPPING_ROUNDS = 40


@dataclass(frozen=True)
class XgbParams:
    max_depth: int
    learning_rate: float
    min_child_weight: float
    scale_pos_weight: float

    def booster_params(self, n_jobs: int) -> dict[str, Any]:
        return asdict(self) | {
            "tree_method": "hist",
            "random_state": SEED,
            "n_jobs": n_jobs,
            "eval_metric": "aucpr",
            "verbosity": 0,
        }


# Class weighting 1 (none) or ~sqrt(genuine/fraud) at 1% fraud; depth and leaf size bound
# how specific a rule a tree may learn. The coarse rate halves the rounds of the fine one.
GRID: tuple[XgbParams, ...] = tuple(
    XgbParams(depth, 0.2, child, weight)
    for depth, child, weight in itertools.product((4, 7), (1.0, 10.0), (1.0, 10.0))
)
FINE_RATES = (0.1,)


@dataclass(frozen=True)
class Fold:
    """A validation fold's training and assessment rows."""

    name: str
    x_train: Matrix
    y_train: Labels
    x_valid: Matrix
    y_valid: Labels


@dataclass
class SearchResult:
    best: XgbParams
    n_estimators: int
    records: list[dict[str, Any]]
    valid_scores: dict[str, npt.NDArray[np.float64]]  # per fold, of the chosen grid point
    seconds: float


def fit_xgboost(params: XgbParams, n_estimators: int, x: Matrix, y: Labels, n_jobs: int) -> Any:
    model = xgb.XGBClassifier(n_estimators=n_estimators, **params.booster_params(n_jobs))
    return model.fit(x, y)


def _fit_on_folds(
    params: XgbParams, folds: list[Fold], n_jobs: int
) -> tuple[list[dict[str, Any]], dict[str, npt.NDArray[np.float64]]]:
    records, scores = [], {}
    for fold in folds:
        model = xgb.XGBClassifier(
            n_estimators=MAX_ROUNDS,
            early_stopping_rounds=EARLY_STOPPING_ROUNDS,
            **params.booster_params(n_jobs),
        )
        model.fit(
            fold.x_train, fold.y_train, eval_set=[(fold.x_valid, fold.y_valid)], verbose=False
        )
        scores[fold.name] = np.asarray(model.predict_proba(fold.x_valid)[:, 1], dtype=np.float64)
        ap = average_precision(scores[fold.name], fold.y_valid)
        rounds = int(model.best_iteration) + 1
        records.append(asdict(params) | {"fold": fold.name, "ap": ap, "rounds": rounds})
        log.info("xgboost %s on %s: AP %.4f after %d rounds", params, fold.name, ap, rounds)
    return records, scores


def search_xgboost(
    folds: list[Fold], grid: tuple[XgbParams, ...] = GRID, n_jobs: int = 2
) -> SearchResult:
    began = time.perf_counter()
    records: list[dict[str, Any]] = []
    scores: dict[XgbParams, dict[str, npt.NDArray[np.float64]]] = {}
    tried: list[XgbParams] = []

    def best_so_far() -> XgbParams:
        mean_ap = {p: np.mean([r["ap"] for r in records if _is(r, p)]) for p in tried}
        return max(tried, key=lambda p: (mean_ap[p], -tried.index(p)))

    def fit(params: XgbParams) -> None:
        new_records, scores[params] = _fit_on_folds(params, folds, n_jobs)
        records.extend(new_records)
        tried.append(params)

    for params in grid:
        fit(params)
    coarse = best_so_far()
    for rate in FINE_RATES:
        fit(dataclasses.replace(coarse, learning_rate=rate))
    best = best_so_far()
    rounds = [r["rounds"] for r in records if _is(r, best)]
    return SearchResult(
        best=best,
        n_estimators=round(float(np.mean(rounds))),
        records=records,
        valid_scores=scores[best],
        seconds=round(time.perf_counter() - began, 1),
    )


def _is(record: dict[str, Any], params: XgbParams) -> bool:
    return all(record[key] == value for key, value in asdict(params).items())
