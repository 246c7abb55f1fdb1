"""Columns the EDA looks at that the raw transaction does not carry directly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fraud_training.rolling import rolling_by_key

# Raw transaction fields scored alone; identifiers are left out on purpose: an identifier's
# in-sample fraud rate memorises which cards and shops were hit, it does not generalise.
RAW_NUMERIC = ("amount", "utc_hour", "local_hour", "weekday", "lat", "lon", "has_device")
RAW_CATEGORICAL = ("merchant_category", "channel", "country", "city", "currency")


def local_hour(event_time: pd.Series, lon: pd.Series) -> pd.Series:
    """Solar local time: UTC plus one hour per 15 degrees east, wrapped into [0, 24)."""
    utc = event_time.dt.hour + event_time.dt.minute / 60
    return (utc + lon / 15.0) % 24.0


def card_velocity(table: pd.DataFrame, window: str = "1h") -> pd.Series:
    """Payments by the same card in the ``window`` ending at (and including) each payment."""
    ones = pd.Series(1.0, index=table.index)
    return rolling_by_key(table["event_time"], table["card_id"], ones, window, "count")


def with_derived(table: pd.DataFrame) -> pd.DataFrame:
    """The table plus utc_hour, local_hour, weekday (Monday 0, local date), has_device and
    velocity_1h; rows must be in event-time order."""
    out = table.copy()
    out["utc_hour"] = out["event_time"].dt.hour + out["event_time"].dt.minute / 60
    out["local_hour"] = local_hour(out["event_time"], out["lon"])
    local_time = out["event_time"] + pd.to_timedelta(out["lon"] / 15.0, unit="h")
    out["weekday"] = local_time.dt.day_of_week.astype(np.float64)
    out["has_device"] = out["device_id"].notna().astype(np.float64)
    out["velocity_1h"] = card_velocity(out)
    return out
