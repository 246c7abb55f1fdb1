"""The model's artifacts: ONNX for serving (float32 ``features`` in, ``probabilities`` out) and
XGBoost's JSON (per-alert reason codes via pred_contribs), and the check that ONNX Runtime and
XGBoost agree.

The JSON model carries no feature names: serving (``fraudcore.model``) feeds unnamed matrices in
``FEATURE_NAMES`` order, which XGBoost refuses for a named model; the card lists the names."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import xgboost as xgb
from onnxmltools import convert_xgboost
from onnxmltools.convert.common.data_types import FloatTensorType

from fraudcore.model_card import ONNX_FILE, XGBOOST_FILE

INPUT_NAME = "features"
OUTPUT_NAME = "probabilities"
TARGET_OPSET = 15
PARITY_TOLERANCE = 1e-5


def export(model: xgb.XGBClassifier, names: Sequence[str], out: Path) -> dict[str, str]:
    """Writes model.onnx and model.json into ``out``; returns their SHA-256."""
    out.mkdir(parents=True, exist_ok=True)
    booster = model.get_booster()
    if booster.num_features() != len(names):
        raise ValueError(f"the model has {booster.num_features()} inputs, not {len(names)}")
    # Unnamed, as serving feeds it (and the converter reads split features as f0, f1, ...).
    booster.feature_names = None
    onnx_model = convert_xgboost(
        model, initial_types=[(INPUT_NAME, FloatTensorType([None, len(names)]))],
        target_opset=TARGET_OPSET,
    )  # fmt: skip
    onnx_model.doc_string = "fraud score: probabilities[:, 1]"
    # The converter names the graph with a random UUID; a fixed name keeps exports reproducible.
    onnx_model.graph.name = "fraud_xgboost"
    onnx_bytes = onnx_model.SerializeToString()
    (out / ONNX_FILE).write_bytes(onnx_bytes)
    booster.save_model(out / XGBOOST_FILE)
    return {
        ONNX_FILE: hashlib.sha256(onnx_bytes).hexdigest(),
        XGBOOST_FILE: hashlib.sha256((out / XGBOOST_FILE).read_bytes()).hexdigest(),
    }


def onnx_scores(path: Path, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    outputs = session.run([OUTPUT_NAME], {INPUT_NAME: features.astype(np.float32)})
    return np.asarray(outputs[0], dtype=np.float64)[:, 1]


def xgboost_json_scores(path: Path, features: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    booster = xgb.Booster(model_file=str(path))
    return np.asarray(booster.inplace_predict(features), dtype=np.float64)


def parity(out: Path, features: npt.NDArray[np.float64]) -> dict[str, Any]:
    """Largest |ONNX - XGBoost| over the rows, both read back from the written files."""
    diff = np.abs(
        onnx_scores(out / ONNX_FILE, features) - xgboost_json_scores(out / XGBOOST_FILE, features)
    )
    worst = float(diff.max()) if len(diff) else 0.0
    return {"rows": len(features), "max_abs_diff": worst, "tolerance": PARITY_TOLERANCE,
            "ok": worst <= PARITY_TOLERANCE}  # fmt: skip
