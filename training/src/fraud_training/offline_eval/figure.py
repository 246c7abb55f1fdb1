"""The cost of each policy as its review threshold moves (reports/evaluation_cost.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matplotlib import pyplot as plt

from fraud_training.eda.figures import FRAUD, GENUINE_COLOUR, save

FILE = "evaluation_cost.png"


def cost_curves(costs: dict[str, Any], out: Path) -> str:
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, colour, label in (
        ("model:review", GENUINE_COLOUR, "model alone"),
        ("policy:review", FRAUD, "deployed policy (model or R01-R04)"),
    ):
        sweep = costs[key]
        curve = sweep["curve"]
        ax.plot([p["alert_rate"] for p in curve], [p["cost"] for p in curve], color=colour,
                label=label)  # fmt: skip
        marked = (
            (sweep["configured"], "o"),
            (sweep["card_cost_threshold"], "s"),
            (sweep["cheapest"], "*"),
        )
        for point, marker in marked:
            ax.plot(point["alert_rate"], point["cost"]["value"], marker, color=colour, ms=9)
    ax.axhline(costs["alert_nothing"], color="black", ls=":", lw=1, label="alert on nothing")
    ax.set_xscale("log")
    ax.set_xlabel(
        "alert rate (log; o: configured review threshold, s: the card's cost "
        "threshold, *: cheapest)"
    )
    ax.set_ylabel("cost on the test week")
    ax.set_title("Cost as the review threshold moves (block as configured)")
    ax.legend()
    return save(fig, out, FILE)
