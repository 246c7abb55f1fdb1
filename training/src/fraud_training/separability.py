"""How well one column alone separates fraud: the AP of the best single-field scorer.

Numbers are scored with a threshold either way (the better direction counts); categories by the
in-sample fraud rate of each value, which is optimistic on purpose: if even that stays low, no
rule on that field alone can do better.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from fraud_training.metrics import Array, ap_from_counts, average_precision, counts_in_order


def numeric_ap(values: Array, positive: Array) -> float:
    """AP of the better direction; undefined values (NaN) rank last either way. One sort
    serves both directions: ascending order read forwards and backwards."""
    v = np.asarray(values, dtype=np.float64)
    y = np.asarray(positive).astype(np.float64)
    missing = np.isnan(v)
    order = np.argsort(v, kind="stable")  # NaN sort last
    present, absent = order[: (~missing).sum()], order[(~missing).sum() :]
    best = 0.0
    for ranked in (present, present[::-1]):
        rows = np.concatenate([ranked, absent])
        # Missing values are one tie at the bottom: give them one shared score.
        score = np.where(missing[rows], np.inf, v[rows])
        best = max(best, ap_from_counts(*counts_in_order(score, y[rows])))
    return best


def categorical_ap(values: Array, positive: Array) -> float:
    """AP of scoring each row with its value's in-sample fraud rate (missing is its own value)."""
    keys = pd.Series(np.asarray(values, dtype=object)).fillna("<missing>").astype(str)
    rate = pd.Series(np.asarray(positive).astype(np.float64)).groupby(keys).transform("mean")
    return average_precision(rate.to_numpy(), positive)


def single_field_ap(
    table: pd.DataFrame,
    positive: Array,
    numeric: Iterable[str] = (),
    categorical: Iterable[str] = (),
) -> pd.Series:
    """AP of each named column alone, best first."""
    scores = {column: numeric_ap(table[column].to_numpy(float), positive) for column in numeric}
    scores |= {column: categorical_ap(table[column].to_numpy(), positive) for column in categorical}
    return pd.Series(scores, dtype=np.float64).sort_values(ascending=False)


def best_single_field(
    table: pd.DataFrame,
    positive: Array,
    numeric: Iterable[str] = (),
    categorical: Iterable[str] = (),
) -> tuple[str, float]:
    """The column that separates best alone and its AP."""
    scores = single_field_ap(table, positive, numeric, categorical)
    return str(scores.index[0]), float(scores.iloc[0])
