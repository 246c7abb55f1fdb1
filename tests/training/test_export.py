"""ONNX export: float32 ``features`` in, probabilities out, equal to XGBoost within 1e-5."""

from pathlib import Path

import numpy as np
import onnx
import xgboost as xgb

from fraud_training.export import INPUT_NAME, OUTPUT_NAME, export, parity
from fraudcore.model_card import ONNX_FILE, XGBOOST_FILE


def test_export_round_trips_unnamed_with_parity(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.lognormal(size=(3_000, 6))
    x[rng.random(x.shape) < 0.15] = np.nan  # no history: NaN must route the same way
    y = (np.nan_to_num(x[:, 0]) * rng.random(3_000) > 1.5).astype(np.int64)
    model = xgb.XGBClassifier(n_estimators=30, max_depth=4, n_jobs=1, random_state=0).fit(x, y)
    names = [f"feature_{i}" for i in range(6)]
    hashes = export(model, names, tmp_path)
    assert set(hashes) == {ONNX_FILE, XGBOOST_FILE}
    graph = onnx.load(tmp_path / ONNX_FILE).graph
    assert [i.name for i in graph.input] == [INPUT_NAME]
    assert OUTPUT_NAME in [o.name for o in graph.output]
    # Serving feeds unnamed matrices: a named model would refuse them.
    assert xgb.Booster(model_file=str(tmp_path / XGBOOST_FILE)).feature_names is None
    check = parity(tmp_path, x)
    assert check["ok"], check
    assert check["max_abs_diff"] <= 1e-5


def test_exporting_the_same_model_twice_gives_identical_files(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(500, 4))
    y = (x[:, 0] > 1).astype(np.int64)
    model = xgb.XGBClassifier(n_estimators=5, max_depth=3, n_jobs=1, random_state=0).fit(x, y)
    first = export(model, list("abcd"), tmp_path / "one")
    second = export(model, list("abcd"), tmp_path / "two")
    assert first == second
