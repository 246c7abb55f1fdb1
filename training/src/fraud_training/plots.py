"""Training figures on the test week: PR and ROC curves (model and baselines), score
distributions by class, and the model's feature importance."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve, roc_curve

from fraud_training.eda.figures import FRAUD, GENUINE_COLOUR, save

Scores = npt.NDArray[np.float64]


def pr_and_roc(
    scores: Mapping[str, Scores], positive: npt.NDArray[np.bool_], out: Path
) -> list[str]:
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for name, score in scores.items():
        precision, recall, _ = precision_recall_curve(positive, score)
        ax.plot(recall, precision, label=name, drawstyle="steps-post")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Precision-recall, test week")
    ax.legend()
    names = [save(fig, out, "pr_curve.png")]
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for name, score in scores.items():
        fpr, tpr, _ = roc_curve(positive, score)
        ax.plot(fpr, tpr, label=name)
    ax.set_xscale("log")
    ax.set_xlim(1e-4, 1)
    ax.axvline(0.01, color="black", ls=":", lw=1)
    ax.set_xlabel("false-positive rate (log; dotted: 1%)")
    ax.set_ylabel("true-positive rate")
    ax.set_title("ROC, test week")
    ax.legend()
    names.append(save(fig, out, "roc_curve.png"))
    return names


def score_distribution(
    score: Scores, positive: npt.NDArray[np.bool_], thresholds: Mapping[str, float], out: Path
) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.5))
    bins = np.linspace(0, 1, 101).tolist()
    ax.hist(score[~positive], bins=bins, color=GENUINE_COLOUR, alpha=0.7, label="genuine")
    ax.hist(score[positive], bins=bins, color=FRAUD, alpha=0.7, label="fraud")
    for name, value in thresholds.items():
        ax.axvline(value, color="black", ls="--" if name == "review" else "-", lw=1, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("model score")
    ax.set_ylabel("payments (log)")
    ax.legend()
    ax.set_title("Score distribution by class, test week")
    return save(fig, out, "score_distribution.png")


def importance_figure(table: Mapping[str, Mapping[str, float]]) -> Figure:
    """Two panels sharing the feature axis (ordered by gain): each feature's share of total gain
    and its mean |SHAP contribution| over test-week payments."""
    frame = pd.DataFrame.from_dict(table, orient="index").sort_values("gain_share")
    fig, (gain, shap) = plt.subplots(
        1, 2, sharey=True, figsize=(10, 0.25 * len(frame) + 1.2), layout="constrained"
    )
    gain.barh(frame.index, frame["gain_share"].to_numpy(), color=FRAUD)
    gain.set_xlabel("share of total gain")
    gain.set_title("XGBoost total gain")
    shap.barh(frame.index, frame["mean_abs_contribution"].to_numpy(), color=GENUINE_COLOUR)
    shap.set_xlabel("mean |contribution| (log-odds)")
    shap.set_title("SHAP-style contributions, test week")
    return fig


def feature_importance(table: Mapping[str, Mapping[str, float]], out: Path) -> str:
    return save(importance_figure(table), out, "feature_importance.png")
