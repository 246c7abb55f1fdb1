import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.model import ModelBundle
from fraudcore.path_attributions import PathAttributions, UnsupportedTreesError


def xgboost_contributions(booster: xgb.Booster, rows: np.ndarray) -> np.ndarray:
    matrix = xgb.DMatrix(rows, missing=np.nan, feature_names=booster.feature_names)
    contributions = booster.predict(matrix, pred_contribs=True, approx_contribs=True)
    return np.asarray(contributions[:, : rows.shape[1]], np.float32)


def at_thresholds(booster: xgb.Booster, n: int, seed: int) -> np.ndarray:
    """Rows whose values sit exactly on the trees' split conditions (a tie goes right)."""
    trees = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    by_feature: dict[int, list[float]] = {}
    for tree in trees:
        for node, left in enumerate(tree["left_children"]):
            if left != -1:
                by_feature.setdefault(tree["split_indices"][node], []).append(
                    tree["split_conditions"][node]
                )
    rng = np.random.default_rng(seed)
    rows = np.full((n, booster.num_features()), np.nan, np.float32)
    for f, values in by_feature.items():
        rows[:, f] = rng.choice(np.asarray(values, np.float32), n)
    return rows


def wild(n: int, width: int, seed: int) -> np.ndarray:
    """Random rows over many scales and both signs, missing values and float32's extremes
    (XGBoost refuses infinities)."""
    rng = np.random.default_rng(seed)
    rows = rng.lognormal(0, 3, (n, width)) * rng.choice([-1, 1], (n, width))
    rows[rng.random(rows.shape) < 0.15] = np.nan
    rows[rng.random(rows.shape) < 0.01] = np.finfo(np.float32).max
    return rows.astype(np.float32)


@pytest.fixture(scope="module")
def served(model_dir: Path) -> ModelBundle:
    return ModelBundle.load(model_dir)


def test_the_served_models_contributions_are_xgboosts_to_the_bit(served: ModelBundle) -> None:
    assert served.attributions is not None
    world = replay(generate(DatasetSpec(days=3, customers=800, seed=9))).astype(np.float32)
    for rows in (world, wild(3_000, len(FEATURE_NAMES), 1), at_thresholds(served.booster, 500, 2)):
        expected = xgboost_contributions(served.booster, rows)
        assert np.array_equal(served.attributions.contributions(rows), expected)


def test_reason_codes_are_the_ones_xgboost_gives(served: ModelBundle) -> None:
    rows = wild(400, len(FEATURE_NAMES), 3)
    by_xgboost = [
        [FEATURE_NAMES[i] for i in np.argsort(-row, kind="stable")[:3] if row[i] > 0]
        for row in xgboost_contributions(served.booster, rows)
    ]
    assert served.reasons(rows) == by_xgboost
    # Trees it cannot walk: XGBoost computes them, with the same result.
    assert dataclasses.replace(served, attributions=None).reasons(rows) == by_xgboost


def test_one_row_and_no_rows(served: ModelBundle) -> None:
    assert served.attributions is not None
    row = wild(1, len(FEATURE_NAMES), 4)
    assert np.array_equal(
        served.attributions.contributions(row[0]), xgboost_contributions(served.booster, row)
    )
    assert served.attributions.contributions(row[:0]).shape == (0, len(FEATURE_NAMES))
    with pytest.raises(ValueError, match="rows of 47 values for trees over 48"):
        served.attributions.contributions(row[:, :-1])


@pytest.mark.parametrize(
    "params",
    [
        {"max_depth": 3},
        {"max_depth": 9, "min_child_weight": 0.01},  # deep, the same feature split again
        {"max_depth": 4, "min_child_weight": 1e9},  # every tree a single leaf
        {"max_depth": 0, "max_leaves": 12, "grow_policy": "lossguide"},  # uneven depths
    ],
)
def test_trees_of_any_shape_with_missing_values(params: dict[str, object]) -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3_000, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] * x[:, 2] + rng.normal(size=3_000) > 0.5).astype(np.float32)
    x[rng.random(x.shape) < 0.2] = np.nan  # both default directions get learnt
    booster = xgb.train(
        {"objective": "binary:logistic", "tree_method": "hist", "seed": 0, **params},
        xgb.DMatrix(x, label=y, missing=np.nan),
        num_boost_round=30,
    )
    attributions = PathAttributions.of(booster)
    for rows in (x[:500], wild(500, 6, 6), at_thresholds(booster, 200, 7)):
        expected = xgboost_contributions(booster, rows)
        assert np.array_equal(attributions.contributions(rows), expected)


def test_trees_it_cannot_walk_are_refused() -> None:
    rng = np.random.default_rng(8)
    x = rng.integers(0, 4, size=(500, 2)).astype(np.float32)
    y = rng.integers(0, 3, size=500).astype(np.float32)
    multiclass = xgb.train(
        {"objective": "multi:softprob", "num_class": 3, "max_depth": 2},
        xgb.DMatrix(x, label=y),
        num_boost_round=2,
    )
    with pytest.raises(UnsupportedTreesError, match="several outputs"):
        PathAttributions.of(multiclass)
    categorical = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2, "tree_method": "hist"},
        xgb.DMatrix(x, label=(y > 0), feature_types=["c", "q"], enable_categorical=True),
        num_boost_round=2,
    )
    with pytest.raises(UnsupportedTreesError, match="categorical"):
        PathAttributions.of(categorical)
