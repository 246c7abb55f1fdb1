"""What features add, on quick world protocols: for each world, the model's features
(``world_features``) beside the candidates (``fraudcore.features.candidates``), one XGBoost per
variant (the inputs of the model before the added features, the model's inputs, the model's
without one group of the added features, the model's with one group of candidates or all of
them), scored on the world's last week. Variants are compared on the same
card-bootstrap replicates (paired), so an interval of a difference that excludes 0 is a gain
the week's luck does not explain.

Quick, not the training protocol: one fixed XGBoost (no search) on the 14 days that end a label
gap before the test week, the review budget taken on the test week itself. It ranks features;
``make train`` measures the model."""

from __future__ import annotations

import argparse
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.ablation import report
from fraud_training.ablation.groups import BEFORE, GROUPS
from fraud_training.data import read_world, table_digest
from fraud_training.evaluation import REVIEW_ALERT_RATE
from fraud_training.metrics import threshold_for_alert_rate
from fraud_training.offline_eval.bootstrap import (
    Alerts,
    Block,
    RankedScore,
    cluster_weights,
    interval,
)
from fraud_training.protocol import DAY, Split
from fraud_training.search import XgbParams, fit_xgboost
from fraud_training.world_features import world_features
from fraudcore.code_digest import code_digest
from fraudcore.features import FEATURE_NAMES
from fraudcore.features.candidates import (
    CANDIDATE_FEATURES,
    CANDIDATE_GROUPS,
    candidate_features,
)

log = logging.getLogger(__name__)
ABLATION = ("fraud_training.ablation.command",)  # what computes the report
PARAMS = XgbParams(max_depth=4, learning_rate=0.15, min_child_weight=10.0, scale_pos_weight=1.0)
ROUNDS, N_JOBS, REPLICATES, SEED = 200, 2, 300, 0
BASE, MODEL = "previous_inputs", "model_inputs"
COLUMNS = (*FEATURE_NAMES, *CANDIDATE_FEATURES)  # the ablation's matrix: inputs, then candidates


@dataclass(frozen=True)
class QuickProtocol:
    train_days: int = 14
    gap_days: int = 8
    test_days: int = 7

    def split(self, last: pd.Timestamp) -> Split:
        test_start = last.normalize() + DAY - self.test_days * DAY
        train_start = test_start - (self.gap_days + self.train_days) * DAY
        return Split("test", train_start, self.train_days, self.gap_days, self.test_days)


def variants() -> dict[str, list[str]]:
    model = list(FEATURE_NAMES)
    dropped = {f"{MODEL}-{g}": [n for n in model if n not in names] for g, names in GROUPS.items()}
    added = {f"{MODEL}+{g}": [*model, *names] for g, names in CANDIDATE_GROUPS.items()}
    if len(CANDIDATE_GROUPS) > 1:
        added[f"{MODEL}+candidates"] = [*model, *CANDIDATE_FEATURES]
    return {BASE: list(BEFORE), MODEL: model, **dropped, **added}


def with_candidates(table: pd.DataFrame, matrix: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """The model's feature matrix with the candidates' columns after it (``COLUMNS``)."""
    column = FEATURE_NAMES.index
    card = candidate_features(
        table["card_id"].tolist(),
        epoch_seconds(table["event_time"]).tolist(),
        channels=table["channel"].tolist(),
        amounts=table["amount"].to_numpy(np.float64).tolist(),
        categories=matrix[:, column("merchant_category")].astype(np.int64).tolist(),
        shares=matrix[:, column("category_share_30d")].tolist(),
        weights=matrix[:, column("card_count_30d")].tolist(),
        counts_24h=matrix[:, column("card_count_24h")].tolist(),
    )
    extra = np.asarray(card, dtype=np.float64).reshape(len(table), len(CANDIDATE_FEATURES))
    return np.hstack([np.asarray(matrix, dtype=np.float64), extra])


def epoch_seconds(times: pd.Series) -> npt.NDArray[np.float64]:
    """Event or label times in epoch seconds, to the microsecond as the feature replay reads."""
    return np.asarray(times.to_numpy("datetime64[us]").astype(np.int64) / 1e6, dtype=np.float64)


def fit_and_score(
    matrix: npt.NDArray[Any],
    y: npt.NDArray[np.bool_],
    rows: tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]],
    columns: list[int],
) -> npt.NDArray[np.float64]:
    """The quick protocol's XGBoost on the training rows and ``columns``; the test rows' scores."""
    train_rows, test_rows = rows
    model = fit_xgboost(PARAMS, ROUNDS, matrix[train_rows][:, columns],
                        y[train_rows].astype(np.int64), N_JOBS)  # fmt: skip
    return np.asarray(model.predict_proba(matrix[test_rows][:, columns])[:, 1], dtype=np.float64)


def _figures(score: npt.NDArray[np.float64], block: Block) -> Any:
    ranked = RankedScore.of(score, block.positive)
    alerts = Alerts(block, score >= threshold_for_alert_rate(score, REVIEW_ALERT_RATE))

    def compute(weight: npt.NDArray[np.float64]) -> dict[str, float]:
        return {"ap": ranked.ap(weight)} | alerts.scenario_recall(weight)

    return compute


def ablate_world(path: Path, cache: Path | None, protocol: QuickProtocol, replicates: int,
                 chosen: dict[str, list[str]]) -> dict[str, Any]:  # fmt: skip
    table = read_world(path)
    features = world_features(table, cache)
    matrix: npt.NDArray[Any] = with_candidates(table, features).astype(np.float32)  # as ONNX reads
    names = list(COLUMNS)
    split = protocol.split(table["event_time"].iloc[-1])
    train_rows = split.train_rows(table["event_time"], table["label_time"])
    test_rows = split.assess_rows(table["event_time"])
    y = table["is_fraud"].to_numpy(bool)
    block = Block(
        positive=y[test_rows],
        amount=table.loc[test_rows, "amount"].to_numpy(np.float64),
        scenario=table.loc[test_rows, "scenario"].to_numpy(str),
        cards=pd.factorize(table.loc[test_rows, "card_id"])[0].astype(np.int64),
    )
    weights = list(cluster_weights(block.cards, replicates, SEED))
    ones = np.ones(len(block.positive))
    point: dict[str, dict[str, float]] = {}
    draws: dict[str, pd.DataFrame] = {}
    fit_s: dict[str, float] = {}
    for name, columns in chosen.items():
        began = time.perf_counter()
        score = fit_and_score(matrix, y, (train_rows, test_rows), [names.index(c) for c in columns])
        fit_s[name] = round(time.perf_counter() - began, 1)
        compute = _figures(score, block)
        point[name] = compute(ones)
        draws[name] = pd.DataFrame([compute(weight) for weight in weights])
        log.info("%s %s: AP %.3f in %.0f s", path.name, name, point[name]["ap"], fit_s[name])

    def versus(name: str, other: str) -> dict[str, dict[str, float]] | None:
        if other not in point or name == other:
            return None
        return {k: interval(v - point[other][k], (draws[name][k] - draws[other][k]).to_numpy())
                for k, v in point[name].items()}  # fmt: skip

    results = {
        name: {
            "figures": {k: interval(v, draws[name][k].to_numpy()) for k, v in point[name].items()},
            "vs_base": versus(name, BASE),
            # A candidate is judged against what the model already serves, not the older base.
            "vs_model": versus(name, MODEL) if name.startswith(f"{MODEL}+") else None,
        }
        for name in chosen
    }
    return {
        "file": path.name,
        "rows": len(table),
        "sha256": table_digest(table),
        "test_week": split.describe(),
        "test_frauds": {str(k): int(v) for k, v in
                        pd.Series(block.scenario[block.positive]).value_counts().items()},
        "fit_s": fit_s,
        "variants": results,
    }  # fmt: skip


def ablate(
    worlds: list[Path],
    out: Path,
    cache: Path | None,
    *,
    replicates: int = REPLICATES,
    protocol: QuickProtocol | None = None,
    only: list[str] | None = None,
) -> dict[str, Any]:
    protocol = protocol or QuickProtocol()
    every = variants()
    unknown = sorted(set(only or ()) - every.keys())
    if unknown:
        raise ValueError(f"unknown variants {unknown}; known: {sorted(every)}")
    chosen = {name: every[name] for name in (only or every)}
    result = {
        "code": {"sha256": code_digest(ABLATION)},
        "protocol": asdict(protocol) | {"review_alert_rate": REVIEW_ALERT_RATE},
        "xgboost": asdict(PARAMS) | {"n_estimators": ROUNDS, "tree_method": "hist"},
        "bootstrap": {"unit": "card", "replicates": replicates, "seed": SEED, "paired": True},
        "base": BASE,
        "groups": {name: list(columns) for name, columns in GROUPS.items()},
        "candidates": {name: list(columns) for name, columns in CANDIDATE_GROUPS.items()},
        "worlds": [ablate_world(path, cache, protocol, replicates, chosen) for path in worlds],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / report.JSON_FILE).write_text(json.dumps(result, indent=1) + "\n")
    (out / report.MARKDOWN_FILE).write_text(report.markdown(result))
    return result


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("ablate", help="what feature groups add (quick protocol)")
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="world datasets")
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--cache", type=Path, default=Path("data/cache"), help="feature cache")
    parser.add_argument("--replicates", type=int, default=REPLICATES)
    parser.add_argument("--variants", nargs="+", help=f"a subset of: {', '.join(variants())}")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    ablate(args.data, args.out, args.cache, replicates=args.replicates, only=args.variants)
    return 0
