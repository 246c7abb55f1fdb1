"""Per-key time-window aggregates aligned to the input rows.

pandas' ``groupby(...).rolling(on=time)`` indexes its result by the time column, so sorting that
result back by time scrambles rows that share a timestamp across keys (one row in ten in the
handbook's data). Here the rows are grouped by a stable sort on the key instead, and each
window's value is scattered back to the position it was computed for.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd


def rolling_by_key(
    times: pd.Series, keys: pd.Series, values: pd.Series, window: str, how: Literal["sum", "count"]
) -> pd.Series:
    """For each row, the ``how`` of ``values`` over the rows with the same key in the time window
    (t - window, t], the row itself included. Rows must be in time order."""
    order = np.argsort(keys.to_numpy(), kind="stable")  # time order kept within each key
    ordered = pd.Series(values.to_numpy()[order], index=pd.DatetimeIndex(times.to_numpy()[order]))
    rolled = ordered.groupby(keys.to_numpy()[order], sort=True).rolling(window)
    result = rolled.sum() if how == "sum" else rolled.count()
    out = np.empty(len(order), dtype=np.float64)
    out[order] = result.to_numpy()
    return pd.Series(out, index=times.index)
