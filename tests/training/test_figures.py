"""The committed training figures are drawn, not empty: feature_importance.png shows the
gain bars (red) and the contribution bars (grey) of the committed model's features."""

from pathlib import Path

import numpy as np
from matplotlib import image

from fraud_training.eda.figures import FRAUD, GENUINE_COLOUR

FIGURE = Path(__file__).resolve().parents[2] / "reports" / "training" / "feature_importance.png"


def _mask(colour: str, pixels: np.ndarray) -> np.ndarray:
    rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.asarray(np.abs(pixels[:, :, :3] - rgb).max(axis=2) < 0.02)


def _bars(mask: np.ndarray) -> int:
    """Separate horizontal bars: runs of image rows holding the colour."""
    rows = mask.any(axis=1).astype(int)
    return int((np.diff(np.r_[0, rows]) == 1).sum())


def test_the_committed_importance_figure_has_bars_in_both_panels() -> None:
    pixels = image.imread(FIGURE)
    width = pixels.shape[1]
    gain, contributions = pixels[:, : width // 2], pixels[:, width // 2 :]
    # The old figure of unnamed gains had no bar at all; most of the features show one.
    assert _bars(_mask(FRAUD, gain)) >= 25
    assert _bars(_mask(GENUINE_COLOUR, contributions)) >= 25
