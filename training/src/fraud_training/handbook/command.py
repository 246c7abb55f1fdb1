"""``fraud-train benchmark handbook``: data in (a file, or the handbook simulator), report out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fraud_simulator.handbook import HandbookParams, generate_handbook
from fraud_training.data import read_table, table_digest
from fraud_training.handbook import report
from fraud_training.handbook.benchmark import HANDBOOK_FOLDS, Splits, run
from fraud_training.handbook.diagnostics import diagnose
from fraud_training.handbook.features import handbook_features
from fraud_training.handbook.models import Matrix, families, xgboost_family
from fraud_training.handbook.our_features import our_features

log = logging.getLogger(__name__)
REQUIRED = ["TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD"]


def read_published_days(directory: Path) -> pd.DataFrame:
    """The handbook's published dataset as its repository lays it out: one pickle per day
    (``data/2018-04-01.pkl`` ...). Pickles run code when loaded: point this only at a checkout
    of the handbook's own data repository."""
    days = sorted(directory.glob("*.pkl"))
    if not days:
        raise ValueError(f"{directory} holds no daily .pkl files of the handbook's dataset")
    # Trusted input only (documented above): the handbook publishes nothing but pickles.
    frames = [pd.read_pickle(day) for day in days]  # noqa: S301
    table = pd.concat(frames, ignore_index=True)
    if "TRANSACTION_ID" in table:  # the handbook's order: same-second payments by id
        table = table.sort_values("TRANSACTION_ID", ignore_index=True)
    # The published frames keep ids as Python objects.
    for column in ("CUSTOMER_ID", "TERMINAL_ID"):
        table[column] = table[column].astype(np.int64)
    return table


def load(data: Path | None, seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The handbook table, time-ordered, with where it came from."""
    if data is None:
        table = generate_handbook(seed, HandbookParams())
        source = {"source": "fraud_simulator.handbook.generate_handbook", "seed": seed}
    else:
        table = read_published_days(data) if data.is_dir() else read_table(data, ["TX_DATETIME"])
        source = {"source": str(data)}
    missing = [column for column in REQUIRED if column not in table]
    if missing:
        raise ValueError(f"the handbook data lacks columns {missing}")
    # One resolution whatever the source, so the same data has the same digest.
    times = pd.to_datetime(table["TX_DATETIME"]).dt.tz_localize(None)
    table["TX_DATETIME"] = times.astype("datetime64[ns]")
    table = table.sort_values("TX_DATETIME", kind="stable", ignore_index=True)
    source |= {
        "rows": len(table),
        "fraud_rate": round(float(table["TX_FRAUD"].mean()), 5),
        "first": str(table["TX_DATETIME"].iloc[0]),
        "last": str(table["TX_DATETIME"].iloc[-1]),
        "sha256": table_digest(table[REQUIRED]),
    }
    return table, source


def _timed(
    name: str, build: Callable[[pd.DataFrame], Matrix], table: pd.DataFrame
) -> tuple[Matrix, float]:
    began = time.perf_counter()
    matrix = build(table)
    elapsed = time.perf_counter() - began
    log.info("%s features: %d x %d in %.1f s (%.0f rows/s)", name, *matrix.shape, elapsed,
             len(table) / max(elapsed, 1e-9))  # fmt: skip
    return matrix, round(elapsed, 1)


def _handbook_matrix(table: pd.DataFrame) -> Matrix:
    return np.asarray(handbook_features(table), dtype=np.float64)


def benchmark(
    data: Path | None,
    out: Path,
    *,
    seed: int = 0,
    n_jobs: int = 2,
    tree_method: str = "hist",
    folds: int = HANDBOOK_FOLDS,
) -> dict[str, Any]:
    began = time.perf_counter()
    table, source = load(data, seed)
    handbook, handbook_seconds = _timed("handbook", _handbook_matrix, table)
    ours, ours_seconds = _timed("ours", our_features, table)
    splits = Splits.handbook(folds)
    models = run(
        table,
        [
            ("handbook", handbook, families(tree_method)),
            ("ours", ours, [xgboost_family("xgboost_ours", tree_method)]),
        ],
        splits,
        n_jobs=n_jobs,
    )
    chosen = models["xgboost_handbook"]["selection"]["ap"]["params"]
    summary = {
        "models": models,
        "published": report.published_layout(),
        "acceptance": report.acceptance(models),
        "diagnostics": diagnose(chosen, handbook, table, tree_method, splits),
        "protocol": {
            "folds": len(splits.test),
            "train_days": 7,
            "delay_days": 7,
            "assessment_days": 7,
            "test_weeks_start": [str(f.assess_start.date()) for f in splits.test],
            "validation_weeks_start": [str(f.assess_start.date()) for f in splits.valid],
            "xgboost_tree_method": tree_method,
            "xgboost_base_score": 0.5,
            "selection": "per metric, best mean over the validation folds; std over folds ddof=1",
        },
        "data": source,
        "feature_seconds": {"handbook": handbook_seconds, "ours": ours_seconds},
        "seconds": round(time.perf_counter() - began, 1),
    }
    report.write(summary, out)
    log.info("handbook benchmark written to %s in %.0f s", out, summary["seconds"])
    return summary
