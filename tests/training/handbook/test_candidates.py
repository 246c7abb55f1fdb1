"""The shop-fraud candidates on the handbook's data: the columns come from the labels as they
arrive (the handbook's 7-day delay) and the card's excess as our features serve it; the summary
judges the acceptance on every seed."""

from typing import Any

import numpy as np
import pandas as pd
import pytest

from fraud_training.cli import main
from fraud_training.handbook.candidates import (
    OURS,
    WITH,
    markdown,
    summarise,
    with_shop_frauds,
)
from fraudcore.features import FEATURE_NAMES
from fraudcore.features.candidates import SHOP_CANDIDATES


def _table(rows: list[tuple[str, int, float, int]]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["TX_DATETIME", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD"])
    table["TX_DATETIME"] = pd.to_datetime(table["TX_DATETIME"])
    table["CUSTOMER_ID"] = 1
    return table


def test_a_terminal_s_fraud_counts_once_its_label_has_arrived_a_week_later() -> None:
    table = _table([
        ("2018-04-01 10:00", 7, 20.0, 1),
        ("2018-04-08 09:00", 7, 20.0, 0),  # the label is due at 10:00
        ("2018-04-08 11:00", 7, 20.0, 0),
        ("2018-04-08 12:00", 8, 20.0, 0),  # another terminal
    ])  # fmt: skip
    ours = np.zeros((len(table), len(FEATURE_NAMES)))  # ordinary amounts for the card
    columns = with_shop_frauds(table, ours)[:, len(FEATURE_NAMES) :]
    month = SHOP_CANDIDATES.index("shop_frauds_30d")
    assert columns[:, month].tolist() == [0.0, 0.0, 1.0, 0.0]


def test_a_fraud_the_card_explains_does_not_count() -> None:
    table = _table([("2018-04-01 10:00", 7, 100.0, 1), ("2018-04-09 10:00", 7, 20.0, 0)])
    ours = np.zeros((len(table), len(FEATURE_NAMES)))
    ours[0, FEATURE_NAMES.index("amount_vs_card_scale")] = 1.6  # five times the card's usual
    columns = with_shop_frauds(table, ours)[:, len(FEATURE_NAMES) :]
    assert columns[1, SHOP_CANDIDATES.index("shop_frauds_30d")] == 0.0


def _seed(seed: int, ap: float, auc: float = 0.88, cp100: float = 0.31) -> dict[str, Any]:
    def figures(ap: float) -> dict[str, Any]:
        cells = {"auc": auc, "ap": ap, "cp100": cp100}
        return {m: {"mean": v, "std": 0.01} for m, v in cells.items()} | {
            "chosen_for_ap": {"max_depth": 3}
        }

    return {"seed": seed, "models": {OURS: figures(0.71), WITH: figures(ap)}}


def test_the_target_must_hold_on_every_seed() -> None:
    assert summarise([_seed(0, 0.74), _seed(1, 0.735)])["met_on_every_seed"]
    assert not summarise([_seed(0, 0.74), _seed(1, 0.729)])["met_on_every_seed"]
    assert not summarise([_seed(0, 0.74, cp100=0.30)])["met_on_every_seed"]  # below 0.303


def test_the_markdown_has_a_row_per_seed_and_model() -> None:
    seeds = [_seed(0, 0.74), _seed(1, 0.72)]
    text = markdown({"seeds": seeds, "tree_method": "hist", "folds": 4} | summarise(seeds))
    assert f"| 1 | {WITH} | 0.880 (0.010) | 0.720 (0.010) | 0.310 (0.010) | max_depth=3 |" in text
    assert "not met" in text


def test_one_fold_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["benchmark", "handbook-candidates", "--folds", "1"])
    assert "at least 2" in capsys.readouterr().err
