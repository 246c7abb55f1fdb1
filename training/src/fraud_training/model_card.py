"""The model card: JSON validated against the serving contract (``fraudcore.model_card``) and a
Markdown rendering for people. Nothing in it depends on the wall clock, so a rerun of
``make train`` reproduces it byte for byte."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

from fraud_training import card_tables as tables
from fraudcore.model_card import CARD_FILE, ModelCard

LIBRARIES = ("xgboost-cpu", "scikit-learn", "onnx", "onnxmltools", "onnxruntime", "numpy", "pandas")
MODELS = ("xgboost", "deployed_policy", "raw_fields_xgboost", "logistic_regression", "rules")


def library_versions() -> dict[str, str]:
    return {name: importlib.metadata.version(name) for name in LIBRARIES}


def write_card(card: dict[str, Any], out: Path) -> ModelCard:
    """Validates ``card`` against the contract, then writes model_card.json and .md."""
    validated = ModelCard.model_validate(card)
    (out / CARD_FILE).write_text(json.dumps(card, indent=2, default=str) + "\n")
    (out / "model_card.md").write_text(markdown(card))
    return validated


_f = tables.f


def _thresholds(test: dict[str, Any], name: str) -> list[str]:
    return [key for key in ("review", "cost", "block") if key in test[name]]


def _models(test: dict[str, Any]) -> list[str]:
    return [name for name in MODELS if name in test]  # the raw-field baseline may be absent


def _metrics_table(test: dict[str, Any]) -> list[str]:
    rows = [
        "| model | AP | ROC AUC | recall @ 1% FPR | CP@100 | review: precision | recall | F1 "
        "| amount-weighted recall | block: precision | recall |",
        "| --- |" + " --- |" * 10,
    ]
    for name in _models(test):
        m = test[name]
        review, block = m["review"], m["block"]
        rows.append(
            f"| {name} | {_f(m.get('ap'))} | {_f(m.get('auc'))} "
            f"| {_f(m.get('recall_at_1pct_fpr'))} "
            f"| {_f(m.get('cp100'))} | {_f(review['precision'])} | {_f(review['recall'])} "
            f"| {_f(review['f1'])} | {_f(review['amount_weighted_recall'])} "
            f"| {_f(block['precision'])} | {_f(block['recall'])} |"
        )
    return rows


def _scenario_table(test: dict[str, Any]) -> list[str]:
    scenarios = sorted(test["xgboost"]["review"]["recall_by_scenario"])
    rows = ["| model, threshold | " + " | ".join(scenarios) + " |",
            "| --- |" + " --- |" * len(scenarios)]  # fmt: skip
    for name in _models(test):
        for threshold in _thresholds(test, name):
            recall = test[name][threshold]["recall_by_scenario"]
            cells = " | ".join(_f(recall.get(s)) for s in scenarios)
            rows.append(f"| {name}, {threshold} | {cells} |")
    return rows


def _confusion(test: dict[str, Any]) -> list[str]:
    rows = ["| model, threshold | threshold | TP | FP | FN | TN | accuracy |",
            "| --- | --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for name in _models(test):
        for threshold in _thresholds(test, name):
            m = test[name][threshold]
            rows.append(f"| {name}, {threshold} | {m['threshold']:.4g} | {m['tp']} | {m['fp']} "
                        f"| {m['fn']} | {m['tn']} | {m['accuracy']:.4f} |")  # fmt: skip
    return rows


def markdown(card: dict[str, Any]) -> str:
    test = card["metrics"]["test"]
    lines = [
        f"# Model card: {card['model_version']}",
        "",
        f"XGBoost over the {len(card['feature_names'])} features of `fraudcore.features`, "
        f"trained on {card['protocol']['test']['train']} (labels known by "
        f"{card['created_at'][:10]}), tested on {card['protocol']['test']['assess']}.",
        "",
        f"Thresholds: review >= {card['thresholds']['review']:.4g} "
        f"(~{card['threshold_rules']['review_alert_rate']:.0%} of validation payments), "
        f"block >= {card['thresholds']['block']:.4g} (validation precision >= "
        f"{card['threshold_rules']['block_precision']:.0%}); cost threshold (reported, not "
        f"served) >= {card['threshold_rules']['cost_threshold']:.4g} (the lowest validation "
        "cost, see Costs).",
        "",
        "The deployed policy is `fraudcore.decisions.decide_batch` on the served (ONNX) scores: "
        "review when the score reaches review or a rule R01-R04 fires, block when it reaches "
        "block; its ranking metrics do not apply.",
        "",
        f"## Test week: {test['xgboost']['rows']:,} payments, {test['xgboost']['frauds']:,} frauds",
        "",
        *_metrics_table(test),
        "",
        "### Recall per fraud scenario",
        "",
        *_scenario_table(test),
        "",
        "### Confusion matrices",
        "",
        *_confusion(test),
        "",
        "### Detection per incident",
        "",
        "An incident is one scenario on one card (skimmed terminals: on one terminal), counted "
        "when it begins in the test week; detected when one of its frauds is alerted.",
        "",
        *tables.incident_table(test),
        "",
        "### What each rule adds to the model (deployed policy)",
        "",
        *tables.rules_added_table(test["deployed_policy"]),
        "",
        "## Costs, test week",
        "",
        *tables.cost_table(card["metrics"]["cost"]),
        "",
        "## Feature importance (XGBoost, by gain)",
        "",
        *tables.importance_table(card["feature_importance"]),
        "",
        "## Parameters",
        "",
        "```json",
        json.dumps(card["parameters"], indent=2),
        "```",
        "",
        "## Features, in input order",
        "",
        ", ".join(f"`{name}`" for name in card["feature_names"]),
        "",
        "## Provenance",
        "",
        f"- data: {card['data']['file']} ({card['data']['rows']:,} rows, sha256 "
        f"{card['data']['sha256'][:16]}...)",
        f"- code: sha256 {card['code']['sha256'][:16]}... over the "
        f"{len(card['code']['modules'])} modules training runs, features included (each "
        "listed in model_card.json)",
        f"- ONNX/XGBoost parity on the test week: max |diff| {card['parity']['max_abs_diff']:.2e}"
        f" over {card['parity']['rows']:,} rows",
        "- libraries: " + ", ".join(f"{k} {v}" for k, v in card["libraries"].items()),
    ]
    return "\n".join(lines) + "\n"
