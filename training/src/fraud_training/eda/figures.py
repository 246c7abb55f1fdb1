"""The EDA's figures: each function draws one PNG from the derived table and returns its name."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")  # files only, never a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from fraud_simulator.catalog import CATEGORY_BY_MCC, GENUINE

FRAUD, GENUINE_COLOUR = "#c0392b", "#7f8c8d"
DPI = 80  # modest: the committed report stays small


def save(fig: Figure, out: Path, name: str) -> str:
    # No software/version metadata: the same data gives byte-identical files.
    fig.savefig(out / name, dpi=DPI, metadata={"Software": None}, bbox_inches="tight")
    plt.close(fig)
    return name


def class_balance(table: pd.DataFrame, out: Path) -> str:
    counts = table["scenario"].value_counts().sort_values()
    fig, ax = plt.subplots(figsize=(7, 3))
    colours = [GENUINE_COLOUR if name == GENUINE else FRAUD for name in counts.index]
    ax.barh(counts.index, counts.to_numpy(), color=colours)
    ax.set_xscale("log")
    ax.set_xlabel("transactions (log scale)")
    ax.set_title("Transactions per scenario")
    return save(fig, out, "class_balance.png")


def amount_by_class(table: pd.DataFrame, out: Path) -> str:
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bins = np.linspace(-0.5, 4.5, 80).tolist()
    for fraud, colour, label in ((False, GENUINE_COLOUR, "genuine"), (True, FRAUD, "fraud")):
        values = np.log10(table.loc[table["is_fraud"] == fraud, "amount"])
        ax.hist(values, bins=bins, density=True, histtype="step", color=colour, label=label, lw=1.5)
    ax.set_xlabel("log10(amount)")
    ax.set_ylabel("density")
    ax.legend()
    ax.set_title("Amount by class")
    return save(fig, out, "amount_by_class.png")


def amount_by_category(table: pd.DataFrame, out: Path) -> str:
    stats = table.groupby(["merchant_category", "is_fraud"])["amount"].median().unstack()
    stats = stats.sort_values(False)
    rate = table.groupby("merchant_category")["is_fraud"].mean().reindex(stats.index)
    labels = [f"{mcc} {CATEGORY_BY_MCC[mcc].label}" if mcc in CATEGORY_BY_MCC else mcc
              for mcc in stats.index]  # fmt: skip
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 6), sharey=True)
    y = np.arange(len(stats))
    left.scatter(stats[False], y, color=GENUINE_COLOUR, label="genuine median")
    if True in stats:
        left.scatter(stats[True], y, color=FRAUD, marker="x", label="fraud median")
    left.set_xscale("log")
    left.set_yticks(y, labels)
    left.set_xlabel("median amount (log scale)")
    left.legend(loc="lower right")
    right.barh(y, rate.to_numpy() * 100, color=FRAUD)
    right.set_xlabel("fraud rate (%)")
    fig.suptitle("Amount and fraud rate by merchant category")
    return save(fig, out, "amount_by_category.png")


def time_patterns(table: pd.DataFrame, out: Path) -> str:
    fig, (hours, days) = plt.subplots(1, 2, figsize=(10, 3.2))
    hour = np.floor(table["local_hour"]).astype(int)
    for fraud, colour, label in ((False, GENUINE_COLOUR, "genuine"), (True, FRAUD, "fraud")):
        share = hour[table["is_fraud"] == fraud].value_counts(normalize=True).sort_index()
        hours.plot(share.index, share.to_numpy() * 100, color=colour, label=label, marker=".")
    hours.set_xlabel("local hour (UTC + lon/15)")
    hours.set_ylabel("% of the class")
    hours.legend()
    rate = table.groupby(table["weekday"].astype(int))["is_fraud"].mean() * 100
    days.bar(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][: len(rate)], rate.to_numpy(),
             color=FRAUD)  # fmt: skip
    days.set_ylabel("fraud rate (%)")
    days.set_title("by local weekday")
    hours.set_title("by local hour")
    return save(fig, out, "time_patterns.png")


def geography(table: pd.DataFrame, out: Path, genuine_sample: int = 20_000) -> str:
    genuine = table[~table["is_fraud"]]
    genuine = genuine.sample(min(genuine_sample, len(genuine)), random_state=0)
    fraud = table[table["is_fraud"]]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.scatter(genuine["lon"], genuine["lat"], s=1, color=GENUINE_COLOUR, alpha=0.3,
               label=f"genuine (sample of {len(genuine):,})")  # fmt: skip
    ax.scatter(fraud["lon"], fraud["lat"], s=2, color=FRAUD, alpha=0.5, label="fraud (all)")
    ax.set_xlim(-180, 180)
    ax.set_ylim(-60, 80)
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.legend(loc="lower left", markerscale=6)
    ax.set_title("Where payments happen")
    return save(fig, out, "geography.png")


VELOCITY_BINS = [0, 1, 2, 3, 5, 9, np.inf]
VELOCITY_LABELS = ["1", "2", "3", "4-5", "6-9", "10+"]


def velocity(table: pd.DataFrame, out: Path) -> str:
    bucket = pd.cut(table["velocity_1h"], VELOCITY_BINS, labels=VELOCITY_LABELS)
    rate = table.groupby(bucket, observed=False)["is_fraud"].mean() * 100
    share = table.groupby(bucket, observed=False).size() / len(table) * 100
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.2))
    left.bar(VELOCITY_LABELS, share.to_numpy(), color=GENUINE_COLOUR)
    left.set_yscale("log")
    left.set_ylabel("% of transactions (log)")
    left.set_xlabel("card's payments in the last hour")
    right.bar(VELOCITY_LABELS, rate.fillna(0).to_numpy(), color=FRAUD)
    right.set_ylabel("fraud rate (%)")
    right.set_xlabel("card's payments in the last hour")
    fig.suptitle("Velocity")
    return save(fig, out, "velocity.png")


def scenarios(table: pd.DataFrame, out: Path) -> str:
    names = sorted(table["scenario"].unique(), key=lambda name: (name != GENUINE, name))
    fig, (amounts, speeds) = plt.subplots(1, 2, figsize=(11, 3.6))
    data = [np.log10(table.loc[table["scenario"] == name, "amount"]) for name in names]
    amounts.boxplot(data, tick_labels=names, showfliers=False, vert=False)
    amounts.set_xlabel("log10(amount)")
    shares = [table.loc[table["scenario"] == name, "velocity_1h"].mean() for name in names]
    speeds.barh(names, shares, color=[GENUINE_COLOUR] + [FRAUD] * (len(names) - 1))
    speeds.set_xlabel("mean payments by the card in the last hour")
    speeds.set_yticks([])
    fig.suptitle("Per scenario: amount and velocity")
    return save(fig, out, "scenarios.png")


def single_feature_ap(ap: pd.Series, out: Path, name: str, title: str) -> str:
    ap = ap.sort_values()
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(ap) + 1))
    ax.barh(ap.index, ap.to_numpy(), color=FRAUD)
    ax.axvline(0.5, color="black", ls="--", lw=1)
    ax.set_xlim(0, 1)
    ax.set_xlabel("average precision of the column alone (dashed: 0.5)")
    ax.set_title(title)
    return save(fig, out, name)
