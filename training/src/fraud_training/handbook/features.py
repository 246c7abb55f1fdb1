"""The handbook's 15 inputs ("baseline feature transformation"), vectorised with pandas rolling
windows over each customer's and each terminal's time-ordered payments.

Customer windows end at and include the current payment. Terminal windows are shifted back by
the label delay: a payment's fraud label counts once it is at least ``delay`` old, so the risk
over ``w`` days looks at (t - delay - w, t - delay], the handbook's difference of two rolling sums.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from fraud_training.rolling import rolling_by_key

WINDOWS_DAYS = (1, 7, 30)
DELAY_DAYS = 7
FEATURE_NAMES: tuple[str, ...] = (
    "TX_AMOUNT",
    "TX_DURING_WEEKEND",
    "TX_DURING_NIGHT",
    *(
        f"CUSTOMER_ID_{kind}_{w}DAY_WINDOW"
        for w in WINDOWS_DAYS
        for kind in ("NB_TX", "AVG_AMOUNT")
    ),
    *(f"TERMINAL_ID_{kind}_{w}DAY_WINDOW" for w in WINDOWS_DAYS for kind in ("NB_TX", "RISK")),
)


def _rolling(
    table: pd.DataFrame, key: str, value: str, days: int, how: Literal["sum", "count"]
) -> pd.Series:
    """A per-``key`` rolling ``how`` of ``value`` over (t - days, t], aligned to table's rows."""
    return rolling_by_key(table["TX_DATETIME"], table[key], table[value], f"{days}D", how)


def handbook_features(table: pd.DataFrame, delay_days: int = DELAY_DAYS) -> pd.DataFrame:
    """The 15 inputs for every row of ``table`` (TX_DATETIME, CUSTOMER_ID, TERMINAL_ID,
    TX_AMOUNT, TX_FRAUD), in ``FEATURE_NAMES`` order. Rows must be in time order."""
    if not table["TX_DATETIME"].is_monotonic_increasing:
        raise ValueError("rows must be sorted by TX_DATETIME")
    rows = table[["TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD"]]
    rows = rows.reset_index(drop=True).assign(TX_FRAUD=lambda t: t["TX_FRAUD"].astype(np.float64))
    out = pd.DataFrame(index=rows.index)
    out["TX_AMOUNT"] = rows["TX_AMOUNT"].astype(np.float64)
    out["TX_DURING_WEEKEND"] = (rows["TX_DATETIME"].dt.day_of_week >= 5).astype(np.float64)
    out["TX_DURING_NIGHT"] = (rows["TX_DATETIME"].dt.hour <= 6).astype(np.float64)
    for w in WINDOWS_DAYS:
        count = _rolling(rows, "CUSTOMER_ID", "TX_AMOUNT", w, "count")
        total = _rolling(rows, "CUSTOMER_ID", "TX_AMOUNT", w, "sum")
        out[f"CUSTOMER_ID_NB_TX_{w}DAY_WINDOW"] = count
        out[f"CUSTOMER_ID_AVG_AMOUNT_{w}DAY_WINDOW"] = total / count
    recent_frauds = _rolling(rows, "TERMINAL_ID", "TX_FRAUD", delay_days, "sum")
    recent_count = _rolling(rows, "TERMINAL_ID", "TX_FRAUD", delay_days, "count")
    for w in WINDOWS_DAYS:
        # Rolling float sums of 0/1 drift by ~1e-13: round what are counts.
        frauds = (
            _rolling(rows, "TERMINAL_ID", "TX_FRAUD", delay_days + w, "sum") - recent_frauds
        ).round()
        count = _rolling(rows, "TERMINAL_ID", "TX_FRAUD", delay_days + w, "count") - recent_count
        out[f"TERMINAL_ID_NB_TX_{w}DAY_WINDOW"] = count
        # No labelled payment in the window: risk 0, as the handbook fills it.
        out[f"TERMINAL_ID_RISK_{w}DAY_WINDOW"] = (frauds / count.where(count > 0)).fillna(0.0)
    out.index = table.index
    return out[list(FEATURE_NAMES)]
