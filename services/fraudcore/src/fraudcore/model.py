"""The model as served: an ONNX Runtime session for scores and the same trees in XGBoost for
per-feature contributions (reason codes: approximate ones walked in numpy, exact TreeSHAP by
XGBoost), all from one artifact directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import onnxruntime as ort
import xgboost as xgb

from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import CARD_FILE, ONNX_FILE, XGBOOST_FILE, ModelCard
from fraudcore.path_attributions import PathAttributions, UnsupportedTreesError

Rows = npt.NDArray[np.float32]


class ModelMismatchError(ValueError):
    """The artifacts do not fit this code (feature list, files, shapes)."""


@dataclass(frozen=True)
class ModelBundle:
    card: ModelCard
    session: ort.InferenceSession
    booster: xgb.Booster
    output_name: str
    threads: int = 1
    attributions: PathAttributions | None = None  # None: XGBoost computes them (slower)

    @property
    def version(self) -> str:
        return self.card.model_version

    @classmethod
    def load(cls, directory: Path, intra_op_threads: int = 1) -> ModelBundle:
        missing = [
            name
            for name in (CARD_FILE, ONNX_FILE, XGBOOST_FILE)
            if not (directory / name).is_file()
        ]
        if missing:
            raise ModelMismatchError(f"{directory} lacks {', '.join(missing)}")
        card = ModelCard.load(directory)
        if tuple(card.feature_names) != FEATURE_NAMES:
            extra = sorted(set(card.feature_names) - set(FEATURE_NAMES))
            absent = sorted(set(FEATURE_NAMES) - set(card.feature_names))
            detail = (
                f"unknown to the code: {extra or 'none'}; not used by the model: {absent or 'none'}"
                if extra or absent
                else "same names in another order"
            )
            raise ModelMismatchError(
                f"model {card.model_version} expects other features than this code computes "
                f"({detail})"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(
            str(directory / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )
        inputs = session.get_inputs()
        if [i.name for i in inputs] != [card.onnx_input_name] or inputs[0].shape[-1] != len(
            FEATURE_NAMES
        ):
            raise ModelMismatchError(
                f"ONNX input is not {card.onnx_input_name}[n, {len(FEATURE_NAMES)}]"
            )
        # onnxmltools names the class probabilities "probabilities" ([n, 2]); take the fraud column.
        names = [output.name for output in session.get_outputs()]
        output = "probabilities" if "probabilities" in names else names[-1]
        booster = xgb.Booster()
        booster.load_model(str(directory / XGBOOST_FILE))
        booster.set_param({"nthread": intra_op_threads})
        try:
            attributions: PathAttributions | None = PathAttributions.of(booster)
        except UnsupportedTreesError:
            attributions = None
        return cls(
            card=card,
            session=session,
            booster=booster,
            output_name=output,
            threads=intra_op_threads,
            attributions=attributions,
        )

    def predict(self, rows: Rows) -> npt.NDArray[np.float32]:
        """Fraud probability per row (ONNX Runtime)."""
        (probabilities,) = self.session.run(
            [self.output_name], {self.card.onnx_input_name: np.ascontiguousarray(rows, np.float32)}
        )
        result = np.asarray(probabilities, dtype=np.float32)
        return result[:, 1] if result.ndim == 2 else result

    def matrix(self, rows: Rows) -> xgb.DMatrix:
        # Name the columns when the booster was trained with names (it then checks them).
        names = list(FEATURE_NAMES) if self.booster.feature_names else None
        # An unset nthread means an OpenMP team per batch: milliseconds of waiting on a busy box.
        return xgb.DMatrix(rows, missing=np.nan, feature_names=names, nthread=self.threads)

    def predict_xgboost(self, rows: Rows) -> npt.NDArray[np.float32]:
        """The same probabilities through XGBoost itself (parity checks, the naive baseline)."""
        return np.asarray(self.booster.predict(self.matrix(rows)), dtype=np.float32)

    def reasons(self, rows: Rows, top: int = 3, *, exact: bool = False) -> list[list[str]]:
        """Per row, the features that pushed the score up the most: XGBoost's per-feature
        contributions, exact (TreeSHAP) or approximate (path attributions, ~25x faster; the
        same float32 figures computed without a DMatrix, 3-5x faster again for a few rows)."""
        if not exact and self.attributions is not None:
            contributions = self.attributions.contributions(rows)
        else:
            contributions = self.booster.predict(
                self.matrix(rows), pred_contribs=True, approx_contribs=not exact
            )
        result = []
        for row in contributions[:, : len(FEATURE_NAMES)]:
            order = np.argsort(-row, kind="stable")[:top]
            result.append([FEATURE_NAMES[i] for i in order if row[i] > 0])
        return result
