"""``fraud-train train``: world dataset -> features -> time-ordered search -> final model,
baselines, thresholds -> test week -> ONNX + XGBoost JSON + model card + figures."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fraud_training import plots
from fraud_training.baselines import RULES, choose_c, logistic_regression, rules_score
from fraud_training.data import read_world, table_digest
from fraud_training.evaluation import (
    BLOCK_PRECISION,
    REVIEW_ALERT_RATE,
    evaluate,
    thresholds_from_validation,
)
from fraud_training.export import INPUT_NAME, OUTPUT_NAME, export, parity
from fraud_training.model_card import library_versions, write_card
from fraud_training.protocol import Split, WorldProtocol
from fraud_training.search import GRID, SEED, Fold, SearchResult, fit_xgboost, search_xgboost
from fraud_training.world_features import world_features
from fraudcore.code_digest import code_digest, module_digests
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import XGBOOST_FILE

TRAINING = ("fraud_training.train",)  # the model: its training and everything it runs

log = logging.getLogger(__name__)
N_JOBS = 2
EVAL_COLUMNS = ["event_time", "card_id", "amount", "is_fraud", "scenario"]
RULES_THRESHOLDS = {"review": 1.0, "block": 2.0}  # one rule fires / two rules agree


def _rows(split: Split, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return split.train_rows(table["event_time"], table["label_time"]), split.assess_rows(
        table["event_time"]
    )


def train(data: Path, artifacts: Path, reports: Path, cache_dir: Path | None) -> dict[str, Any]:
    timings: dict[str, float] = {}
    began = time.perf_counter()
    table = read_world(data)
    features = world_features(table, cache_dir)
    timings["load_and_features_s"] = time.perf_counter() - began
    y = table["is_fraud"].to_numpy(np.int64)
    protocol = WorldProtocol()
    valid_splits, test = protocol.splits(table["event_time"].iloc[0], table["event_time"].iloc[-1])

    folds = []
    for split in valid_splits:
        train_rows, assess_rows = _rows(split, table)
        folds.append(Fold(split.name, features[train_rows], y[train_rows],
                          features[assess_rows], y[assess_rows]))  # fmt: skip
    stamp = time.perf_counter()
    search = search_xgboost(folds, GRID, N_JOBS)
    timings["xgboost_search_s"] = time.perf_counter() - stamp
    stamp = time.perf_counter()
    best_c, lr_valid_ap, lr_valid_score = choose_c(
        [(f.x_train, f.y_train, f.x_valid, f.y_valid) for f in folds]
    )
    timings["logistic_search_s"] = time.perf_counter() - stamp

    valid_score = np.concatenate([search.valid_scores[f.name] for f in folds])
    valid_y = np.concatenate([f.y_valid for f in folds])
    thresholds = thresholds_from_validation(valid_score, valid_y)

    train_rows, assess_rows = _rows(test, table)
    x_train, y_train = features[train_rows], y[train_rows]
    x_test, test_rows = features[assess_rows], table.loc[assess_rows, EVAL_COLUMNS]
    stamp = time.perf_counter()
    model = fit_xgboost(search.best, search.n_estimators, x_train, y_train, N_JOBS)
    timings["xgboost_final_fit_s"] = time.perf_counter() - stamp
    lr = logistic_regression(best_c).fit(x_train, y_train)
    lr_thresholds = thresholds_from_validation(lr_valid_score, valid_y)

    scores = {
        "xgboost": model.predict_proba(x_test)[:, 1].astype(np.float64),
        "logistic_regression": lr.predict_proba(x_test)[:, 1],
        "rules": rules_score(x_test, FEATURE_NAMES),
    }
    used = {"xgboost": thresholds, "logistic_regression": lr_thresholds, "rules": RULES_THRESHOLDS}
    test_metrics = {name: evaluate(scores[name], test_rows, used[name]) for name in scores}

    hashes = export(model, FEATURE_NAMES, artifacts)
    check = parity(artifacts, x_test)
    if not check["ok"]:
        raise RuntimeError(f"ONNX and XGBoost disagree: {check}")

    gain = model.get_booster().get_score(importance_type="total_gain")
    positive = test_rows["is_fraud"].to_numpy(bool)
    reports.mkdir(parents=True, exist_ok=True)
    figures = [
        *plots.pr_and_roc(scores, positive, reports),
        plots.score_distribution(scores["xgboost"], positive, thresholds, reports),
        plots.feature_importance(gain, FEATURE_NAMES, reports),
    ]
    # The simulated moment of training (test week start), not the wall clock: reproducible.
    start = test.assess_start
    created_at = start.tz_convert("UTC") if start.tzinfo else start.tz_localize("UTC")
    card = {
        "model_version": f"xgb-{created_at:%Y%m%d}-{hashes[XGBOOST_FILE][:8]}",
        "created_at": created_at.isoformat(),
        "feature_names": list(FEATURE_NAMES),
        "thresholds": thresholds,
        "onnx_input_name": INPUT_NAME,
        "onnx_output_name": OUTPUT_NAME,
        "score": "probabilities[:, 1], the fraud probability",
        "threshold_rules": {
            "review_alert_rate": REVIEW_ALERT_RATE,
            "block_precision": BLOCK_PRECISION,
            "chosen_on": "validation weeks pooled, chosen XGBoost parameters",
        },
        "metrics": {
            "test": test_metrics,
            "validation": validation_summary(search, lr_valid_ap, best_c),
        },
        "parameters": parameters(search, best_c),
        "protocol": {
            "validation": [split.describe() for split in valid_splits],
            "test": test.describe(),
            "training_rows": int(train_rows.sum()),
            "training_frauds": int(y_train.sum()),
            "label_rule": "training rows whose label arrived by the test week's start",
        },
        "data": data_summary(data, table),
        "code": code_summary(),
        "artifacts": hashes,
        "parity": check,
        "libraries": library_versions(),
        "figures": figures,  # file names in the --reports directory (reports/training)
    }
    write_card(card, artifacts)
    timings["total_s"] = time.perf_counter() - began
    log.info("model %s written to %s; timings %s", card["model_version"], artifacts,
             {k: round(v, 1) for k, v in timings.items()})  # fmt: skip
    return {"card": card, "timings": timings}


def code_summary() -> dict[str, Any]:
    """The training code and all it runs (features included): with the data, the model."""
    return {"sha256": code_digest(TRAINING), "modules": module_digests(TRAINING)}


def parameters(search: SearchResult, best_c: float) -> dict[str, Any]:
    xgboost = dataclasses.asdict(search.best) | {
        "n_estimators": search.n_estimators,
        "tree_method": "hist",
        "random_state": SEED,
        "n_jobs": N_JOBS,
    }
    return {
        "xgboost": xgboost,
        "logistic_regression": {"C": best_c, "imputer": "median + missing indicators"},
        "rules": {rule.rule_id: rule.description for rule in RULES},
        "rules_thresholds": RULES_THRESHOLDS,
    }


def data_summary(data: Path, table: pd.DataFrame) -> dict[str, Any]:
    return {
        "file": data.name,
        "rows": len(table),
        "sha256": table_digest(table),
        "first": str(table["event_time"].iloc[0]),
        "last": str(table["event_time"].iloc[-1]),
        "fraud_rate": round(float(table["is_fraud"].mean()), 5),
    }


def validation_summary(
    search: SearchResult, lr_valid_ap: dict[float, float], best_c: float
) -> dict[str, Any]:
    frame = pd.DataFrame(search.records)
    keys = [f.name for f in dataclasses.fields(search.best)]
    grid = frame.groupby(keys).agg(ap=("ap", "mean"), rounds=("rounds", "mean")).reset_index()
    return {
        "xgboost_grid": json.loads(grid.to_json(orient="records")),
        "xgboost_chosen_ap_per_fold": {
            r["fold"]: r["ap"] for r in search.records
            if all(r[k] == getattr(search.best, k) for k in keys)
        },
        "logistic_regression_ap_by_c": {str(c): ap for c, ap in lr_valid_ap.items()},
        "logistic_regression_chosen_c": best_c,
    }  # fmt: skip
