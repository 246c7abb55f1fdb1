"""The gate a candidate must pass to replace the champion: not worse beyond a margin, at 95%.

A candidate passes when the lower end of the paired 95% interval of (candidate - champion) is
above minus the margin, for AP and for recall at the review budget (non-inferiority: a retrain
on fresher data need not prove itself better, only not worse); its median single-row latency is
at most ``latency_ratio`` times the champion's; and the window holds enough labelled frauds for
any of this to mean something. Per-scenario recall is reported, not gated (a scenario has a
handful of frauds a week). Each threshold is a setting (GATE_*), kept with every verdict."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from fraudcore.settings import EnvSettings


class GateSettings(EnvSettings):
    gate_ap_margin: float = Field(
        default=0.05, ge=0, le=1, description="AP: candidate - champion, lower 95% bound >= -this"
    )
    gate_recall_margin: float = Field(
        default=0.05, ge=0, le=1,
        description="recall at the review budget: candidate - champion, lower 95% bound >= -this",
    )  # fmt: skip
    gate_latency_ratio: float = Field(
        default=2.0, gt=0, description="candidate's median single-row latency <= this x champion's"
    )
    gate_min_frauds: int = Field(
        default=30, ge=1, description="labelled frauds the window must hold"
    )

    def as_json(self) -> dict[str, Any]:
        return {
            "ap_margin": self.gate_ap_margin,
            "recall_margin": self.gate_recall_margin,
            "latency_ratio": self.gate_latency_ratio,
            "min_frauds": self.gate_min_frauds,
        }


def verdicts(
    gates: GateSettings, figures: dict[str, Any], latency: dict[str, dict[str, float]]
) -> dict[str, dict[str, Any]]:
    """Each gate: passed, what was measured and the bound it was held to."""
    difference = figures["difference"]
    out: dict[str, dict[str, Any]] = {
        "enough_frauds": {
            "passed": figures["frauds"] >= gates.gate_min_frauds,
            "measured": figures["frauds"],
            "bound": gates.gate_min_frauds,
        }
    }
    for name, key, margin in (
        ("ap", "ap", gates.gate_ap_margin),
        ("recall_at_budget", "recall_at_budget", gates.gate_recall_margin),
    ):
        low = difference[key]["low"]
        out[name] = {"passed": bool(low >= -margin), "measured": low, "bound": -margin,
                     "what": "lower 95% bound of candidate - champion"}  # fmt: skip
    ratio = (
        latency["candidate"]["single_row_median_ms"] / latency["champion"]["single_row_median_ms"]
    )
    out["latency"] = {"passed": bool(ratio <= gates.gate_latency_ratio), "measured": ratio,
                      "bound": gates.gate_latency_ratio,
                      "what": "median single-row latency, candidate / champion"}  # fmt: skip
    return out
