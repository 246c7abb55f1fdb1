"""Model selection reads validation only; our features run on the handbook's table."""

import numpy as np
import pandas as pd

from fraud_simulator.handbook import HandbookParams, generate_handbook
from fraud_training.handbook.benchmark import select
from fraud_training.handbook.our_features import as_transactions, our_features
from fraudcore.features import FEATURE_NAMES


def frame(rows: list[tuple[str, float, float, float]]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["key", "auc", "ap", "cp100"])
    table["params"] = [{"p": key} for key in table["key"]]
    return table


def test_selection_uses_validation_and_reports_the_test_folds_of_that_choice() -> None:
    valid = frame([("a", 0.9, 0.6, 0.3), ("a", 0.8, 0.5, 0.2), ("b", 0.7, 0.4, 0.4),
                   ("b", 0.7, 0.4, 0.4)])  # fmt: skip
    # On the test folds "b" would win every metric: it must still not be chosen for AUC/AP.
    test = frame([("a", 0.5, 0.1, 0.1), ("a", 0.7, 0.3, 0.3), ("b", 0.99, 0.99, 0.99),
                  ("b", 0.99, 0.99, 0.99)])  # fmt: skip
    result = select(valid, test)
    assert result["selection"]["auc"]["params"] == {"p": "a"}
    assert result["auc"]["mean"] == 0.6
    assert result["auc"]["std"] == np.std([0.5, 0.7], ddof=1)
    assert result["selection"]["cp100"]["params"] == {"p": "b"}
    assert result["selection"]["ap"]["test_best_possible"] == 0.99


def test_our_features_run_on_handbook_rows() -> None:
    table = generate_handbook(2, HandbookParams(days=3, customers=100, terminals=200))
    mapped = as_transactions(table)
    assert mapped["card_id"].nunique() == table["CUSTOMER_ID"].nunique()
    assert (mapped["label_time"] - mapped["event_time"]).eq(pd.Timedelta(days=7)).all()
    matrix = our_features(table)
    assert matrix.shape == (len(table), len(FEATURE_NAMES))
    # A customer's first payment has no card history: NaN, not an invented value.
    first = ~table["CUSTOMER_ID"].duplicated().to_numpy()
    assert np.isnan(matrix[first, FEATURE_NAMES.index("card_mean_amount_30d")]).all()
