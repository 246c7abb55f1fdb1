"""``fraud-train misses``: what the model's inputs leave behind at the review budget on the
ablation worlds (never the model's): which category anomalies are missed, by where they sit in
their incident and what the card's habits say about them, and how much skimmed-terminal recall
the same number of alerts would buy without the inflated and category frauds in the week (the
budget they take). The quick protocol of ``fraud-train ablate``, the inputs before the habits
beside the model's. Labels and scenarios are read only here, to describe; no feature sees them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fraud_training.ablation.command import BASE, MODEL, QuickProtocol, fit_and_score, variants
from fraud_training.data import read_world
from fraud_training.evaluation import REVIEW_ALERT_RATE
from fraud_training.metrics import threshold_for_alert_rate
from fraud_training.offline_eval.bootstrap import cluster_weights, interval
from fraud_training.world_features import world_features
from fraudcore.features import FEATURE_NAMES
from fraudcore.features.candidates import TAP_LIMIT

JSON_FILE, MARKDOWN_FILE = "misses.json", "misses.md"
CATEGORY, TERMINAL = "category_anomaly", "compromised_terminal"
FREED = ("inflated_amounts", CATEGORY)  # the scenarios the habits brought into the budget
BURST_S = 3 * 3_600.0  # the generator spreads an incident's 1-3 payments over 3 hours
REPLICATES, SEED = 300, 0
# What the card's habits and the shop say about a category anomaly, caught against missed.
DESCRIBED = (
    "category_share_30d", "log_since_category", "card_count_30d", "card_history_log",
    "amount_to_merchant_mean", "amount_vs_card_scale", "amount_scale_z", "hour_surprise",
)  # fmt: skip


def later_in_burst(
    cards: npt.NDArray[Any], seconds: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """For one scenario's payments in time order: whether the same card had one of them within
    the burst window before (a second or third payment of an incident)."""
    frame = pd.DataFrame({"card": cards, "t": seconds})
    gap = frame.groupby("card", sort=False)["t"].diff()
    return np.asarray((gap <= BURST_S).to_numpy(), dtype=np.bool_)


def recall_freed(
    score: npt.NDArray[np.float64], scenario: npt.NDArray[np.str_], rate: float = REVIEW_ALERT_RATE
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Alerts at the budget, and alerts with the same count spent on the week without the
    ``FREED`` scenarios' payments (their rows never alerted)."""
    alert = score >= threshold_for_alert_rate(score, rate)
    keep = ~np.isin(scenario, FREED)
    freed = (score >= threshold_for_alert_rate(score[keep], rate * len(score) / keep.sum())) & keep
    return alert, freed


def _cells(frame: pd.DataFrame, by: list[str]) -> list[dict[str, Any]]:
    grouped = frame.groupby(by, observed=True)["caught"].agg(["size", "mean"]).reset_index()
    return [{**{k: bool(row[k]) for k in by}, "payments": int(row["size"]),
             "recall": round(float(row["mean"]), 3)} for _, row in grouped.iterrows()]  # fmt: skip


def category_misses(
    test: pd.DataFrame, features: pd.DataFrame, alert: npt.NDArray[np.bool_]
) -> dict[str, Any]:
    """The category anomalies of the week, caught and missed, by position in the incident, by
    channel, by whether the card remembered the kind of shop, and the habits' medians."""
    rows = np.flatnonzero(test["scenario"].to_numpy(str) == CATEGORY)
    seconds = test["event_time"].iloc[rows].to_numpy("datetime64[us]").astype(np.int64) / 1e6
    shop = ~test["channel"].iloc[rows].isin(["online"]).to_numpy()
    frame = (
        features.iloc[rows]
        .reset_index(drop=True)
        .assign(
            caught=alert[rows],
            later=later_in_burst(test["card_id"].iloc[rows].to_numpy(object), seconds),
            shop=shop,
            remembered=features["category_share_30d"].iloc[rows].to_numpy() > 0,
            could_tap=shop & (test["amount"].iloc[rows].to_numpy() <= TAP_LIMIT),
        )
    )
    medians = frame.groupby("caught")[list(DESCRIBED)].median()
    return {
        "payments": len(frame),
        "recall": round(float(frame["caught"].mean()), 3),
        "by_burst_and_place": _cells(frame, ["later", "shop"]),
        "by_remembered": _cells(frame, ["remembered"]),
        "shop_by_could_tap": _cells(frame[frame["shop"]], ["could_tap"]),
        "medians": {name: {"missed": round(float(medians.loc[False, name]), 3),
                           "caught": round(float(medians.loc[True, name]), 3)}
                    for name in DESCRIBED},
    }  # fmt: skip


def terminal_budget(
    test: pd.DataFrame, scores: dict[str, npt.NDArray[np.float64]]
) -> dict[str, Any]:
    """Skimmed-terminal recall at the budget and with the same alerts freed of the inflated and
    category frauds, per variant; the difference's interval resamples the week's skimmed shops
    (an incident is a shop)."""
    scenario = test["scenario"].to_numpy(str)
    terminal = scenario == TERMINAL
    shops = pd.factorize(test["merchant_id"].to_numpy(object)[terminal])[0].astype(np.int64)
    out: dict[str, Any] = {"shops": int(shops.max()) + 1 if len(shops) else 0}
    for name, score in scores.items():
        alert, freed = recall_freed(score, scenario)
        caught, caught_freed = alert[terminal].astype(float), freed[terminal].astype(float)
        draws = [float((w * (caught_freed - caught)).sum() / w.sum())
                 for w in cluster_weights(shops, REPLICATES, SEED)]  # fmt: skip
        out[name] = {
            "recall": round(float(caught.mean()), 3),
            "recall_freed": round(float(caught_freed.mean()), 3),
            "gain": interval(float(caught_freed.mean() - caught.mean()), np.array(draws)),
            "alerts_on_freed": int(alert[np.isin(scenario, FREED)].sum()),
            "alerts": int(alert.sum()),
        }
    return out


def misses_world(path: Path, cache: Path | None, protocol: QuickProtocol) -> dict[str, Any]:
    table = read_world(path)
    matrix = world_features(table, cache).astype(np.float32)  # as ONNX reads
    split = protocol.split(table["event_time"].iloc[-1])
    rows = (
        split.train_rows(table["event_time"], table["label_time"]),
        split.assess_rows(table["event_time"]),
    )
    y = table["is_fraud"].to_numpy(bool)
    every, names = variants(), list(FEATURE_NAMES)
    scores = {name: fit_and_score(matrix, y, rows, [names.index(c) for c in every[name]])
              for name in (BASE, MODEL)}  # fmt: skip
    test = table.loc[rows[1]].reset_index(drop=True)
    features = pd.DataFrame(matrix[rows[1]].astype(np.float64), columns=names)
    alert, _ = recall_freed(scores[MODEL], test["scenario"].to_numpy(str))
    return {
        "file": path.name,
        "test_week": split.describe(),
        "category": category_misses(test, features, alert),
        "terminal": terminal_budget(test, scores),
    }


def misses(
    worlds: list[Path], out: Path, cache: Path | None, protocol: QuickProtocol | None = None
) -> dict[str, Any]:
    result = {
        "protocol": {"review_alert_rate": REVIEW_ALERT_RATE, "burst_s": BURST_S},
        "bootstrap": {"unit": "skimmed shop", "replicates": REPLICATES, "seed": SEED},
        "worlds": [misses_world(path, cache, protocol or QuickProtocol()) for path in worlds],
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / JSON_FILE).write_text(json.dumps(result, indent=1) + "\n")
    (out / MARKDOWN_FILE).write_text(markdown(result))
    return result


def _cell_line(cell: dict[str, Any]) -> str:
    keys = ", ".join(f"{k}={v}" for k, v in cell.items() if k not in ("payments", "recall"))
    return f"- {keys}: {cell['payments']} payments, recall {cell['recall']:.3f}"


def markdown(result: dict[str, Any]) -> str:
    """The report from its JSON only."""
    lines = ["# What the model's inputs miss at the review budget (fraud-train misses)", ""]
    for world in result["worlds"]:
        category, terminal = world["category"], world["terminal"]
        cells = [c for key in ("by_burst_and_place", "by_remembered", "shop_by_could_tap")
                 for c in category[key]]  # fmt: skip
        medians = category["medians"].items()
        lines += [
            f"## {world['file']} (test week {world['test_week']['assess']})",
            "",
            f"Category anomalies: {category['payments']}, recall {category['recall']:.3f}.",
            "",
            *[_cell_line(c) for c in cells],
            "",
            "| median | missed | caught |",
            "|---|---|---|",
            *[f"| {k} | {v['missed']:.3f} | {v['caught']:.3f} |" for k, v in medians],
            "",
            f"Skimmed terminals ({terminal['shops']} shops):",
            "",
        ]
        for name in (BASE, MODEL):
            t = terminal[name]
            gain = t["gain"]
            lines.append(f"- {name}: recall {t['recall']:.3f}, {t['recall_freed']:.3f} with the "
                         f"budget freed of inflated and category frauds ({t['alerts_on_freed']} of "
                         f"{t['alerts']} alerts), gain {gain['value']:+.3f} "
                         f"[{gain['low']:+.3f}, {gain['high']:+.3f}]")  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("misses", help="what the model's inputs miss (quick protocol)")
    parser.add_argument("--data", type=Path, nargs="+", required=True, help="world datasets")
    parser.add_argument("--out", type=Path, default=Path("reports"))
    parser.add_argument("--cache", type=Path, default=Path("data/cache"), help="feature cache")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    misses(args.data, args.out, args.cache)
    return 0
