"""The EDA's numbers: tables the report shows and its findings are written from."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_simulator.catalog import GENUINE
from fraud_training.eda.derive import RAW_CATEGORICAL, RAW_NUMERIC
from fraud_training.separability import single_field_ap


def class_balance(table: pd.DataFrame) -> pd.DataFrame:
    counts = table["scenario"].value_counts()
    frame = pd.DataFrame({"transactions": counts, "share_of_all": counts / len(table)})
    fraud = counts.drop(GENUINE, errors="ignore")
    frame["share_of_fraud"] = (fraud / fraud.sum()).reindex(frame.index)
    return frame.sort_values("transactions", ascending=False)


def usual_country(table: pd.DataFrame) -> pd.Series:
    """Each card's most frequent country over its genuine payments (in-sample, for the EDA)."""
    genuine = table.loc[~table["is_fraud"], ["card_id", "country"]]
    counts = genuine.groupby(["card_id", "country"]).size().rename("n").reset_index()
    top = counts.sort_values(["card_id", "n", "country"], ascending=[True, False, True])
    usual = top.drop_duplicates("card_id").set_index("card_id")["country"]
    return table["card_id"].map(usual)


def per_scenario(table: pd.DataFrame) -> pd.DataFrame:
    """How each scenario looks on the raw fields and on simple history (velocity, abroad)."""
    abroad = table["country"] != usual_country(table)
    grouped = table.assign(
        online=table["channel"] == "online",
        abroad=abroad,
        night=table["local_hour"] < 6,
    ).groupby("scenario")
    frame = pd.DataFrame(
        {
            "transactions": grouped.size(),
            "cards": grouped["card_id"].nunique(),
            "median_amount": grouped["amount"].median(),
            "online": grouped["online"].mean(),
            "with_device": grouped["has_device"].mean(),
            "abroad": grouped["abroad"].mean(),
            "night_local": grouped["night"].mean(),
            "mean_velocity_1h": grouped["velocity_1h"].mean(),
        }
    )
    return frame.sort_values("transactions", ascending=False)


def _positives(table: pd.DataFrame, scenario: str) -> tuple[pd.DataFrame, npt.NDArray[np.bool_]]:
    if scenario == "any":
        return table, table["is_fraud"].to_numpy(bool)
    subset = table[table["scenario"].isin([scenario, GENUINE])]
    return subset, (subset["scenario"] == scenario).to_numpy(bool)


def raw_field_ap(table: pd.DataFrame, scenarios: Sequence[str]) -> pd.DataFrame:
    """AP of each raw field alone: against all fraud, and against each scenario on its own
    (that scenario's frauds among the genuine payments)."""
    columns = {}
    for scenario in ["any", *scenarios]:
        subset, positive = _positives(table, scenario)
        columns[scenario] = single_field_ap(subset, positive, RAW_NUMERIC, RAW_CATEGORICAL)
    return _with_prevalence(pd.DataFrame(columns).sort_values("any", ascending=False), table)


PREVALENCE = "(prevalence: random scorer)"


def _with_prevalence(frame: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """A last row with each column's positive rate: the AP of a scorer that knows nothing."""
    base = {scenario: float(_positives(table, scenario)[1].mean()) for scenario in frame.columns}
    return pd.concat([frame, pd.DataFrame(base, index=[PREVALENCE])])


def engineered_feature_ap(
    table: pd.DataFrame,
    features: npt.NDArray[np.float64],
    names: Sequence[str],
    scenarios: Sequence[str],
) -> pd.DataFrame:
    """AP of each engineered feature alone (a threshold either way), like ``raw_field_ap``."""
    matrix = pd.DataFrame(features, columns=list(names), index=table.index)
    columns = {}
    for scenario in ["any", *scenarios]:
        subset, positive = _positives(table, scenario)
        columns[scenario] = single_field_ap(matrix.loc[subset.index], positive, names)
    return _with_prevalence(pd.DataFrame(columns).sort_values("any", ascending=False), table)


def amount_summary(table: pd.DataFrame) -> dict[str, float]:
    genuine = table.loc[~table["is_fraud"], "amount"]
    fraud = table.loc[table["is_fraud"], "amount"]
    p99 = float(genuine.quantile(0.99))
    return {
        "genuine_median": float(genuine.median()),
        "fraud_median": float(fraud.median()),
        "genuine_p99": p99,
        "fraud_above_genuine_p99": float((fraud > p99).mean()),
    }


def time_summary(table: pd.DataFrame) -> dict[str, float]:
    night = table["local_hour"] < 6
    by_weekday = table.groupby(table["weekday"].astype(int))["is_fraud"].mean()
    return {
        "genuine_night_share": float(night[~table["is_fraud"]].mean()),
        "fraud_night_share": float(night[table["is_fraud"]].mean()),
        "weekday_rate_min": float(by_weekday.min()),
        "weekday_rate_max": float(by_weekday.max()),
    }


def velocity_summary(table: pd.DataFrame) -> dict[str, float]:
    fast = table["velocity_1h"] >= 3
    return {
        "rate_single": float(table.loc[table["velocity_1h"] == 1, "is_fraud"].mean()),
        "rate_3_plus": float(table.loc[fast, "is_fraud"].mean()),
        "share_3_plus": float(fast.mean()),
        "fraud_share_3_plus": float(fast[table["is_fraud"]].mean()),
    }
