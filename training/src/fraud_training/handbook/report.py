"""The benchmark's JSON (stable keys: models.<name>.<metric>.{mean,std}, published alike) and
its Markdown table, ours beside the handbook's published test results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fraud_training.handbook.benchmark import METRICS

# The handbook's model-selection summary: test performance of the validation-chosen parameters,
# mean over its four test folds (standard deviations not carried over here).
PUBLISHED: dict[str, dict[str, float]] = {
    "xgboost_handbook": {"auc": 0.869, "ap": 0.687, "cp100": 0.303},
    "random_forest_handbook": {"auc": 0.870, "ap": 0.678, "cp100": 0.299},
    "logistic_regression_handbook": {"auc": 0.868, "ap": 0.623, "cp100": 0.297},
}
# Acceptance band for XGBoost on the handbook's inputs: published mean +- tolerance.
TOLERANCE = {"auc": 0.02, "ap": 0.03, "cp100": 0.02}
LABELS = {"auc": "ROC AUC", "ap": "AP", "cp100": "CP@100"}


def published_layout() -> dict[str, Any]:
    return {
        name: {metric: {"mean": value, "std": None} for metric, value in metrics.items()}
        for name, metrics in PUBLISHED.items()
    }


def acceptance(models: dict[str, Any]) -> dict[str, Any]:
    """Whether XGBoost on the handbook's inputs lands within the band around the published mean."""
    ours = models.get("xgboost_handbook", {})
    checks = {}
    for metric, tolerance in TOLERANCE.items():
        published = PUBLISHED["xgboost_handbook"][metric]
        value = ours.get(metric, {}).get("mean")
        checks[metric] = {
            "published": published,
            "ours": value,
            "band": [round(published - tolerance, 3), round(published + tolerance, 3)],
            "met": value is not None and abs(value - published) <= tolerance,
        }
    return checks


def _cell(entry: dict[str, Any] | None) -> str:
    if not entry or entry.get("mean") is None:
        return "n/a"
    std = entry.get("std")
    return f"{entry['mean']:.3f}" + (f" ± {std:.3f}" if std is not None else "")


def markdown(result: dict[str, Any]) -> str:
    rows = [
        "# Handbook benchmark replication",
        "",
        f"Test performance (mean ± std over {result['protocol']['folds']} prequential test folds) "
        "of the parameters chosen",
        "on the validation folds for each metric, beside the handbook's published test means.",
        "",
        "| model | "
        + " | ".join(f"{LABELS[m]} ours | {LABELS[m]} published" for m in METRICS)
        + " |",
        "| --- |" + " --- | --- |" * len(METRICS),
    ]
    published = result["published"]
    for name, model in result["models"].items():
        cells = []
        for metric in METRICS:
            cells += [_cell(model.get(metric)), _cell(published.get(name, {}).get(metric))]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    rows += ["", "## Acceptance (XGBoost, handbook inputs)", "", "| metric | ours | band | met |",
             "| --- | --- | --- | --- |"]  # fmt: skip
    for metric, check in result["acceptance"].items():
        ours = "n/a" if check["ours"] is None else f"{check['ours']:.3f}"
        band = f"{check['band'][0]:.3f} - {check['band'][1]:.3f}"
        rows.append(f"| {LABELS[metric]} | {ours} | {band} | {'yes' if check['met'] else 'no'} |")
    rows += ["", "## Chosen parameters (per metric, on validation)", ""]
    for name, model in result["models"].items():
        for metric in METRICS:
            chosen = model.get("selection", {}).get(metric)
            if chosen:
                params = ", ".join(f"{k}={v}" for k, v in chosen["params"].items())
                rows.append(f"- {name}, {LABELS[metric]}: {params}")
    rows += _diagnostics(result.get("diagnostics"))
    rows += ["", "## Data", ""] + [f"- {key}: {value}" for key, value in result["data"].items()]
    return "\n".join(rows) + "\n"


def _diagnostics(diagnostics: dict[str, Any] | None) -> list[str]:
    if not diagnostics:
        return []
    params = ", ".join(f"{k}={v}" for k, v in diagnostics["params"].items())
    rows = ["", "## Diagnostics (XGBoost chosen for AP, test folds; explains, never chooses)", "",
            f"Parameters {params}, {diagnostics['tree_method']} trees.", "",
            "| variant | mean AP |", "| --- | --- |"]  # fmt: skip
    rows += [f"| {name} | {value:.3f} |" for name, value in diagnostics["mean"].items()]
    recall = [fold.get("recall_at_0.5_by_scenario") for fold in diagnostics["folds"]]
    if all(recall):
        names = sorted(recall[0])
        rows += [
            "",
            "Recall at score 0.5 per handbook scenario, per test fold:",
            "",
            "| fold | " + " | ".join(names) + " |",
            "| --- |" + " --- |" * len(names),
        ]
        for fold, per in zip(diagnostics["folds"], recall, strict=True):
            cells = " | ".join(f"{per.get(n, float('nan')):.3f}" for n in names)
            rows.append(f"| {fold['fold']} | {cells} |")  # fmt: skip
    return rows


def write(result: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
    out.with_suffix(".md").write_text(markdown(result))
