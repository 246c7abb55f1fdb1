"""Feature importance comes back under the features' real names, for every feature, and the
figure shows every one of them."""

from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from fraud_training import plots
from fraud_training.importance import gain_by_name, importance

NAMES = ("signal", "noise", "never_split")


@pytest.fixture(scope="module")
def booster() -> xgb.Booster:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2_000, 3))
    x[:, 2] = 0.0  # a constant: no split can use it
    y = (x[:, 0] + 0.3 * rng.normal(size=2_000) > 1.0).astype(np.int64)
    model = xgb.XGBClassifier(n_estimators=20, max_depth=3, random_state=0, n_jobs=1)
    return model.fit(x, y).get_booster()  # unnamed, as training fits it


def test_gain_of_an_unnamed_booster_is_reported_under_the_real_names(booster) -> None:
    gain = gain_by_name(booster, NAMES)
    assert list(gain) == list(NAMES)
    assert gain["signal"] > gain["noise"] > 0
    assert gain["never_split"] == 0.0


def test_a_name_list_of_the_wrong_length_is_refused(booster) -> None:
    with pytest.raises(ValueError, match="3 inputs, not 2"):
        gain_by_name(booster, NAMES[:2])


def test_contributions_rank_the_signal_first_for_every_feature(booster) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 3))
    x[:, 2] = 0.0
    table = importance(booster, NAMES, x, x[:, 0] > 1.0, n_jobs=1)
    assert list(table) == list(NAMES)
    assert sum(row["gain_share"] for row in table.values()) == pytest.approx(1.0)
    assert table["signal"]["mean_abs_contribution"] > table["noise"]["mean_abs_contribution"]
    assert table["never_split"]["mean_abs_contribution"] == 0.0
    assert table["signal"]["mean_contribution_frauds"] > 0  # pushes frauds' scores up


def test_the_figure_has_a_bar_for_every_feature(booster, tmp_path: Path) -> None:
    x = np.random.default_rng(2).normal(size=(300, 3))
    table = importance(booster, NAMES, x, x[:, 0] > 1.0, n_jobs=1)
    figure = plots.importance_figure(table)
    figure.canvas.draw()  # tick labels are laid out at drawing time
    gain, contributions = figure.axes
    assert {label.get_text() for label in gain.get_yticklabels()} == set(NAMES)
    assert len(gain.patches) == len(contributions.patches) == len(NAMES)
    widths = {bar.get_width() for bar in contributions.patches}
    assert widths == {row["mean_abs_contribution"] for row in table.values()}
    assert plots.feature_importance(table, tmp_path) == "feature_importance.png"
    assert (tmp_path / "feature_importance.png").stat().st_size > 0
