"""End to end on a small world: training is deterministic and its artifacts are consistent."""

from pathlib import Path

import pytest

from fraud_simulator.dataset import DatasetSpec, generate, write
from fraud_training.train import train
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import CARD_FILE, ONNX_FILE, XGBOOST_FILE, ModelCard


@pytest.mark.slow
@pytest.mark.timeout(1200)  # minutes on a shared 2-core machine
def test_training_twice_gives_byte_identical_artifacts(tmp_path: Path) -> None:
    data = tmp_path / "world.parquet"
    write(generate(DatasetSpec(days=51, seed=11, customers=400)), data)
    runs = []
    for run in ("a", "b"):
        result = train(data, tmp_path / run / "artifacts", tmp_path / run / "reports", None)
        assert result["card"]["parity"]["ok"]
        runs.append(tmp_path / run / "artifacts")
    for name in (ONNX_FILE, XGBOOST_FILE, CARD_FILE, "model_card.md"):
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name
    card = ModelCard.load(runs[0])
    assert tuple(card.feature_names) == FEATURE_NAMES
    test = card.metrics["test"]
    assert set(test) == {"xgboost", "deployed_policy", "raw_fields_xgboost",
                         "logistic_regression", "rules"}  # fmt: skip
    importance = (card.model_extra or {})["feature_importance"]["by_feature"]
    assert list(importance) == list(FEATURE_NAMES)
    assert (
        test["xgboost"]["review"]["tp"] + test["xgboost"]["review"]["fn"]
        == (test["xgboost"]["frauds"])
    )
    figures = {p.name for p in (tmp_path / "a" / "reports").iterdir()}
    assert {"pr_curve.png", "roc_curve.png", "score_distribution.png",
            "feature_importance.png"} <= figures  # fmt: skip
