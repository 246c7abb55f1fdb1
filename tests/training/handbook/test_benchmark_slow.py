"""The whole handbook protocol on a small handbook world (200 customers), two folds a split
instead of four (the same code, fewer fits): every model, every key, in band or not."""

import json
from pathlib import Path

import pytest

from fraud_simulator.handbook import HandbookParams, generate_handbook
from fraud_training.cli import main

NAMES = ("xgboost_handbook", "random_forest_handbook", "logistic_regression_handbook",
         "xgboost_ours")  # fmt: skip


@pytest.mark.slow
@pytest.mark.timeout(1200)  # minutes on a shared 2-core machine
def test_benchmark_command_writes_the_stable_keys(tmp_path: Path) -> None:
    small = HandbookParams(customers=200, terminals=400, days=160)
    data = tmp_path / "handbook.csv"
    generate_handbook(1, small).to_csv(data, index=False)
    out = tmp_path / "bench.json"
    assert main(["benchmark", "handbook", "--data", str(data), "--out", str(out),
                 "--tree-method", "hist", "--folds", "2"]) == 0  # fmt: skip
    result = json.loads(out.read_text())
    for name in NAMES:
        for metric in ("auc", "ap", "cp100"):
            entry = result["models"][name][metric]
            assert 0 <= entry["mean"] <= 1
            assert entry["std"] >= 0
    assert set(result["published"]) == set(NAMES[:3])
    assert result["published"]["xgboost_handbook"]["ap"]["mean"] == 0.687
    assert "ap_without_known_card_removal" in result["diagnostics"]["mean"]
    assert out.with_suffix(".md").read_text().startswith("# Handbook benchmark")
    assert result["protocol"]["folds"] == len(result["diagnostics"]["folds"]) == 2
    for metric in ("auc", "ap", "cp100"):
        assert len(result["models"]["xgboost_ours"][metric]["folds"]) == 2
