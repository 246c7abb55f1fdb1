"""XGBoost on our features: a modest grid, each point fitted on every validation fold with early
stopping on that fold, chosen by mean validation AP. Seeded, fixed thread count: deterministic."""

from __future__ import annotations

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
# how specific a rule a tree may learn.
GRID: tuple[XgbParams, ...] = tuple(
    XgbParams(depth, rate, child, weight)
    for depth, rate, child, weight in itertools.product((4, 7), (0.1,), (1.0, 10.0), (1.0, 10.0))
)


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


def search_xgboost(
    folds: list[Fold], grid: tuple[XgbParams, ...] = GRID, n_jobs: int = 2
) -> SearchResult:
    began = time.perf_counter()
    records: list[dict[str, Any]] = []
    scores: dict[XgbParams, dict[str, npt.NDArray[np.float64]]] = {}
    for params in grid:
        scores[params] = {}
        for fold in folds:
            model = xgb.XGBClassifier(
                n_estimators=MAX_ROUNDS,
                early_stopping_rounds=EARLY_STOPPING_ROUNDS,
                **params.booster_params(n_jobs),
            )
            model.fit(fold.x_train, fold.y_train, eval_set=[(fold.x_valid, fold.y_valid)],
                      verbose=False)  # fmt: skip
            score = model.predict_proba(fold.x_valid)[:, 1]
            scores[params][fold.name] = score
            records.append(
                asdict(params)
                | {"fold": fold.name, "ap": average_precision(score, fold.y_valid),
                   "rounds": int(model.best_iteration) + 1}
            )  # fmt: skip
            log.info("xgboost %s on %s: AP %.4f after %d rounds", params, fold.name,
                     records[-1]["ap"], records[-1]["rounds"])  # fmt: skip
    mean_ap = {p: np.mean([r["ap"] for r in records if _is(r, p)]) for p in grid}
    best = max(grid, key=lambda p: (mean_ap[p], -grid.index(p)))
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
