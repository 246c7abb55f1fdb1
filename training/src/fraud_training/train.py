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

from fraud_training import importance, plots
from fraud_training.baselines import choose_c, logistic_regression, rules_score
from fraud_training.data import read_world, table_digest
from fraud_training.evaluation import (
    BLOCK_PRECISION,
    COSTS,
    REVIEW_ALERT_RATE,
    cost_report,
    evaluate,
    thresholds_from_validation,
)
from fraud_training.export import INPUT_NAME, OUTPUT_NAME, export, onnx_scores, parity
from fraud_training.incidents import began_before
from fraud_training.model_card import library_versions, write_card
from fraud_training.policy import LEVEL_THRESHOLDS, decision_levels, evaluate_policy
from fraud_training.protocol import Split, WorldProtocol
from fraud_training.raw_baseline import has_raw_fields, train_raw_baseline
from fraud_training.search import GRID, SEED, Fold, SearchResult, fit_xgboost, search_xgboost
from fraud_training.world_features import world_features
from fraudcore.code_digest import code_digest, module_digests
from fraudcore.decisions import RULES
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import ONNX_FILE, XGBOOST_FILE, Thresholds

TRAINING = ("fraud_training.train",)  # the model: its training and everything it runs

log = logging.getLogger(__name__)
N_JOBS = 2
EVAL_COLUMNS = ["event_time", "card_id", "merchant_id", "amount", "is_fraud", "scenario"]
# One production rule fires (a review in production) / two agree (the baseline's own block).
RULES_THRESHOLDS = {"review": 1.0, "block": 2.0}
RAW = "raw_fields_xgboost"
RANKED = ("xgboost", RAW, "logistic_regression", "rules")  # scorers with curves, not the policy


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

    folds, valid_amount = [], []
    for split in valid_splits:
        train_rows, assess_rows = _rows(split, table)
        folds.append(Fold(split.name, features[train_rows], y[train_rows],
                          features[assess_rows], y[assess_rows]))  # fmt: skip
        valid_amount.append(table.loc[assess_rows, "amount"].to_numpy(np.float64))
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
    cost_threshold = COSTS.cheapest_threshold(valid_score, valid_y, np.concatenate(valid_amount))

    train_rows, assess_rows = _rows(test, table)
    x_train, y_train = features[train_rows], y[train_rows]
    x_test, test_rows = features[assess_rows], table.loc[assess_rows, EVAL_COLUMNS]
    stamp = time.perf_counter()
    model = fit_xgboost(search.best, search.n_estimators, x_train, y_train, N_JOBS)
    timings["xgboost_final_fit_s"] = time.perf_counter() - stamp
    lr = logistic_regression(best_c).fit(x_train, y_train)
    # The design we replace needs a world dataset's raw fields (the decision log lacks them).
    raw = has_raw_fields(table) and train_raw_baseline(table, y, valid_splits, test, N_JOBS)

    scores = {
        "xgboost": model.predict_proba(x_test)[:, 1].astype(np.float64),
        "logistic_regression": lr.predict_proba(x_test)[:, 1],
        "rules": rules_score(x_test, FEATURE_NAMES),
    }
    used = {
        "xgboost": thresholds | {"cost": cost_threshold},
        "logistic_regression": thresholds_from_validation(lr_valid_score, valid_y),
        "rules": RULES_THRESHOLDS,
    }
    if raw:
        scores[RAW], used[RAW] = raw.test_score, raw.thresholds
    earlier = began_before(table, test.assess_start)
    test_metrics = {name: evaluate(scores[name], test_rows, used[name], earlier) for name in scores}

    hashes = export(model, FEATURE_NAMES, artifacts)
    check = parity(artifacts, x_test)
    if not check["ok"]:
        raise RuntimeError(f"ONNX and XGBoost disagree: {check}")
    scores["deployed_policy"], test_metrics["deployed_policy"] = _deployed_policy(
        artifacts, x_test, test_rows, Thresholds(**thresholds), earlier
    )
    used["deployed_policy"] = LEVEL_THRESHOLDS
    by_feature = importance.importance(
        model.get_booster(), FEATURE_NAMES, x_test, test_rows["is_fraud"].to_numpy(bool), N_JOBS
    )
    figures = _figures(scores, test_rows, thresholds, by_feature, reports)
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
            "cost_threshold": cost_threshold,
            "chosen_on": "validation weeks pooled, chosen XGBoost parameters",
        },
        "metrics": {
            "test": test_metrics,
            "cost": cost_report(scores, test_rows, used),
            "validation": validation_summary(search, lr_valid_ap, best_c)
            | ({f"{RAW}_chosen_ap": raw.validation_ap} if raw else {}),
        },
        "parameters": parameters(search, best_c) | ({RAW: raw.parameters} if raw else {}),
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
        "feature_importance": importance.summary(by_feature, len(x_test)),
        "figures": figures,  # file names in the --reports directory (reports/training)
    }
    write_card(card, artifacts)
    timings["total_s"] = time.perf_counter() - began
    log.info("model %s written to %s; timings %s", card["model_version"], artifacts,
             {k: round(v, 1) for k, v in timings.items()})  # fmt: skip
    return {"card": card, "timings": timings}


def _deployed_policy(
    artifacts: Path,
    x_test: np.ndarray,
    rows: pd.DataFrame,
    thresholds: Thresholds,
    earlier: set[str],
) -> tuple[np.ndarray, dict[str, Any]]:
    """The deployed policy on the scores as served (ONNX), beside the model alone."""
    served = onnx_scores(artifacts / ONNX_FILE, x_test)
    levels = decision_levels(served, x_test, thresholds)
    return levels, evaluate_policy(levels, served, x_test, names=FEATURE_NAMES, rows=rows,
                                   thresholds=thresholds, earlier_incidents=earlier)  # fmt: skip


def _figures(
    scores: dict[str, np.ndarray], rows: pd.DataFrame, thresholds: dict[str, float],
    by_feature: dict[str, dict[str, float]], reports: Path,
) -> list[str]:  # fmt: skip
    positive = rows["is_fraud"].to_numpy(bool)
    reports.mkdir(parents=True, exist_ok=True)
    return [
        *plots.pr_and_roc({n: scores[n] for n in RANKED if n in scores}, positive, reports),
        plots.score_distribution(scores["xgboost"], positive, thresholds, reports),
        plots.feature_importance(by_feature, reports),
    ]


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
        "rules": {rule.id: rule.description for rule in RULES},
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
