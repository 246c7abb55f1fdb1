"""Our features on the handbook's data: the shop's frauds count once their labels arrive a week
later (the handbook's delay), those the card's spending explains do not, the variant without
them drops exactly their columns, and the summary judges the acceptance on every seed."""

from typing import Any

import numpy as np
import pandas as pd
import pytest

from fraud_training.cli import main
from fraud_training.handbook.our_features import our_features
from fraud_training.handbook.seeds import (
    OURS,
    WITHOUT,
    markdown,
    summarise,
    without_shop_frauds,
)
from fraudcore.features import FEATURE_NAMES
from fraudcore.features.definitions import SHOP_FRAUD_FEATURES

MONTH = FEATURE_NAMES.index("shop_frauds_30d")


def _table(rows: list[tuple[str, int, int, float, int]]) -> pd.DataFrame:
    columns = ["TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD"]
    table = pd.DataFrame(rows, columns=columns)
    table["TX_DATETIME"] = pd.to_datetime(table["TX_DATETIME"])
    return table


def test_a_terminal_s_fraud_counts_once_its_label_has_arrived_a_week_later() -> None:
    table = _table([
        ("2018-04-01 10:00", 1, 7, 20.0, 1),  # a new card: no scale, not the card's doing
        ("2018-04-08 09:00", 2, 7, 20.0, 0),  # the label is due at 10:00
        ("2018-04-08 11:00", 2, 7, 20.0, 0),
        ("2018-04-08 12:00", 2, 8, 20.0, 0),  # another terminal
    ])  # fmt: skip
    assert our_features(table)[:, MONTH].tolist() == [0.0, 0.0, 1.0, 0.0]


def test_a_fraud_the_card_explains_does_not_count() -> None:
    usual = [(f"2018-03-{day:02d} 10:00", 1, 7, 20.0, 0) for day in range(1, 21)]  # the shop's
    table = _table([
        *usual,
        ("2018-04-01 10:00", 1, 7, 400.0, 1),  # twenty times the card's usual at the shops
        ("2018-04-01 11:00", 3, 9, 20.0, 1),  # a new card's fraud at another terminal
        ("2018-04-09 10:00", 2, 7, 20.0, 0),
        ("2018-04-09 10:00", 2, 9, 20.0, 0),
    ])  # fmt: skip
    features = our_features(table)
    assert features[20, FEATURE_NAMES.index("amount_vs_card_scale")] > np.log(2.0)
    assert features[-2:, MONTH].tolist() == [0.0, 1.0]
    assert features[-2:, FEATURE_NAMES.index("merchant_fraud_30d")].tolist() == [1.0, 1.0]


def test_the_variant_without_drops_exactly_the_shop_fraud_columns() -> None:
    ours = np.arange(2 * len(FEATURE_NAMES), dtype=float).reshape(2, -1)
    kept = [name for name in FEATURE_NAMES if name not in SHOP_FRAUD_FEATURES]
    assert (
        without_shop_frauds(ours).tolist()
        == ours[:, [FEATURE_NAMES.index(n) for n in kept]].tolist()
    )


def _seed(seed: int, ap: float, auc: float = 0.88, cp100: float = 0.31) -> dict[str, Any]:
    def figures(ap: float) -> dict[str, Any]:
        cells = {"auc": auc, "ap": ap, "cp100": cp100}
        return {m: {"mean": v, "std": 0.01} for m, v in cells.items()} | {
            "chosen_for_ap": {"max_depth": 3}
        }

    return {"seed": seed, "models": {OURS: figures(ap), WITHOUT: figures(0.71)}}


def test_the_target_must_hold_on_every_seed() -> None:
    assert summarise([_seed(0, 0.74), _seed(1, 0.735)])["met_on_every_seed"]
    assert not summarise([_seed(0, 0.74), _seed(1, 0.729)])["met_on_every_seed"]
    assert not summarise([_seed(0, 0.74, cp100=0.30)])["met_on_every_seed"]  # below 0.303


def test_the_markdown_has_a_row_per_seed_and_model() -> None:
    seeds = [_seed(0, 0.74), _seed(1, 0.72)]
    text = markdown({"seeds": seeds, "tree_method": "hist", "folds": 4} | summarise(seeds))
    assert f"| 1 | {OURS} | 0.880 (0.010) | 0.720 (0.010) | 0.310 (0.010) | max_depth=3 |" in text
    assert "not met" in text


def test_one_fold_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["benchmark", "handbook-seeds", "--folds", "1"])
    assert "at least 2" in capsys.readouterr().err
