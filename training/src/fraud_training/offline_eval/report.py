"""reports/evaluation.json and the Markdown rendered from it (a test renders it again and the
README's section is ``headline``)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

JSON_FILE, MARKDOWN_FILE = "evaluation.json", "evaluation.md"
INCIDENT_FILE = "evaluation_incidents.csv"  # one row per incident: the per-incident inputs
LABELS = {
    "model_review": "model alone, review threshold",
    "model_block": "model alone, block threshold",
    "model_cost": "model alone, the card's cost threshold",
    "policy_review": "deployed policy (model or R01-R04), any alert",
    "policy_block": "deployed policy, blocks",
    "policy_known": "deployed policy with the known-card block (R05), any alert",
    "rules": "rules R01-R04 alone",
}
KNOWN_LABELS = {
    "model_review": "model alone, the card's review threshold",
    "model_budget": "model alone, its own 1% budget",
}
HEADLINE = ("model_review", "policy_review", "rules")
SWEEPS = {
    "model:review": "model alone, review threshold moved",
    "model:block": "model alone, block threshold moved",
    "policy:review": "deployed policy, review threshold moved",
    "policy:block": "deployed policy, block threshold moved",
}


def nest_scenarios(payments: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """``recall:<scenario>`` keys gathered under ``recall_by_scenario``."""
    nested: dict[str, dict[str, Any]] = {}
    for name, figures in payments.items():
        plain = {k: v for k, v in figures.items() if not k.startswith("recall:")}
        scenarios = {k.partition(":")[2]: v for k, v in figures.items() if k.startswith("recall:")}
        nested[name] = plain | ({"recall_by_scenario": scenarios} if scenarios else {})
    return nested


def ci(figure: dict[str, float], digits: int = 3) -> str:
    """``value [low, high]``."""
    if figure["value"] is None or math.isnan(figure["value"]):
        return "n/a"
    return f"{figure['value']:.{digits}f} [{figure['low']:.{digits}f}, {figure['high']:.{digits}f}]"


def _money(figure: dict[str, float]) -> str:
    return f"{figure['value']:,.0f} [{figure['low']:,.0f}, {figure['high']:,.0f}]"


def headline(result: dict[str, Any]) -> str:
    """The README's table: per-payment figures of each policy as it alerts, with intervals,
    per-incident detection, and the cheapest review threshold against the configured one."""
    p, inc = result["payments"], result["incidents"]
    rows = [
        f"Test week {result['test_week']['assess']}: {result['test_week']['payments']:,} payments, "
        f"{result['test_week']['frauds']:,} frauds on {result['test_week']['cards']:,} cards; "
        f"model AP {ci(p['model']['ap'])} ({_boot(result)}).",
        "",
        "| policy | alert rate | precision | recall | amount-weighted recall | incidents detected "
        "| money prevented after detection |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in HEADLINE:
        m, i = p[name], inc[name]["all"]
        rows.append(
            f"| {LABELS[name]} | {m['alert_rate']['value']:.2%} | {ci(m['precision'])} "
            f"| {ci(m['recall'])} | {ci(m['amount_weighted_recall'])} | {ci(i['detection_rate'])} "
            f"| {ci(i['amount_prevented_share'])} |"
        )
    return "\n".join(
        [*rows, "", *scenario_rows(result), "", cost_sentence(result), "", *known_card_rows(result)]
    )


def known_card_rows(result: dict[str, Any]) -> list[str]:
    """The model on the payments the known-card rule leaves it (the issuer blocks a card once
    a fraud on it is confirmed), at the card's review threshold and at its own 1% budget."""
    rule = result["known_card_rule"]
    known, mine, budget = rule["known"], rule["model_payments"], rule["budget"]
    week = result["test_week"]
    chosen_on = budget["validation_payments"] - budget["validation_known"]
    scenarios = sorted(rule["payments"]["model_review"]["recall_by_scenario"])
    rows = [
        f"The known-card rule: {known['payments']:,} of the week's {week['payments']:,} payments "
        f"({known['payments'] / week['payments']:.1%}) are on cards with a fraud confirmed before "
        f"them, which the deployed policy blocks (R05); {known['frauds']:,} of its "
        f"{week['frauds']:,} frauds. The model decides the other {mine['payments']:,} payments "
        f"({mine['frauds']:,} frauds): AP {ci(rule['payments']['model']['ap'])}. Its own 1% "
        f"budget is the threshold {budget['threshold']:.6f}, chosen on the validation weeks' "
        f"payments on cards not known compromised ({chosen_on:,} "
        f"of {budget['validation_payments']:,}), the card's review threshold being "
        f"{result['thresholds']['review']:.6f}.",
        "",
        "| the model's payments | alert rate | precision | recall | "
        + " | ".join(f"recall: {s}" for s in scenarios)
        + " |",
        "| --- |" + " --- |" * (3 + len(scenarios)),
    ]
    for name, label in KNOWN_LABELS.items():
        m = rule["payments"][name]
        rows.append(
            f"| {label} | {m['alert_rate']['value']:.2%} | {ci(m['precision'])} "
            f"| {ci(m['recall'])} | "
            + " | ".join(ci(m["recall_by_scenario"][s]) for s in scenarios)
            + " |"
        )
    return rows


def _boot(result: dict[str, Any]) -> str:
    b = result["bootstrap"]
    return f"{b['interval']} intervals, {b['replicates']:,} {b['unit']}-bootstrap replicates"


def scenario_rows(result: dict[str, Any]) -> list[str]:
    p, inc = result["payments"], result["incidents"]
    scenarios = sorted(p["model_review"]["recall_by_scenario"])
    rows = [
        "| recall per payment / incidents detected | " + " | ".join(scenarios) + " |",
        "| --- |" + " --- |" * len(scenarios),
    ]
    for name in HEADLINE:
        recall = p[name]["recall_by_scenario"]
        cells = " | ".join(ci(recall[s]) for s in scenarios)
        rows.append(f"| {LABELS[name]}, payments | {cells} |")
        rows.append(
            f"| {LABELS[name]}, incidents | "
            + " | ".join(ci(inc[name][s]["detection_rate"]) for s in scenarios)
            + " |"
        )
    return rows


def cost_sentence(result: dict[str, Any]) -> str:
    c = result["costs"]
    pr, s = c["prices"], c["policy:review"]
    return (
        f"Cost of the deployed policy on the week (missed fraud: its amount; every alert: "
        f"{pr['review']:g}; a blocked genuine payment: {pr['friction']:g} more; alerting on "
        f"nothing: {c['alert_nothing']:,.0f}): at the configured review threshold "
        f"({s['configured']['alert_rate']:.2%} alerted) {_money(s['configured']['cost'])}; at the "
        f"card's cost threshold, chosen on the validation weeks "
        f"({s['card_cost_threshold']['alert_rate']:.2%} alerted), "
        f"{_money(s['card_cost_threshold']['cost'])}; at the cheapest in hindsight, "
        f"{s['cheapest']['threshold']:.4f} ({s['cheapest']['alert_rate']:.2%} alerted), "
        f"{_money(s['cheapest']['cost'])}."
    )


def _payment_table(result: dict[str, Any]) -> list[str]:
    rows = [
        "| policy | alert rate | precision | recall | amount-weighted recall |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, label in LABELS.items():
        m = result["payments"][name]
        rows.append(
            f"| {label} | {ci(m['alert_rate'], 4)} | {ci(m['precision'])} | {ci(m['recall'])} "
            f"| {ci(m['amount_weighted_recall'])} |"
        )
    scenarios = sorted(result["payments"]["model_review"]["recall_by_scenario"])
    rows += ["", "| recall per payment | " + " | ".join(scenarios) + " |",
             "| --- |" + " --- |" * len(scenarios)]  # fmt: skip
    for name, label in LABELS.items():
        recall = result["payments"][name]["recall_by_scenario"]
        rows.append(f"| {label} | " + " | ".join(ci(recall[s]) for s in scenarios) + " |")
    return rows


def _incident_table(result: dict[str, Any]) -> list[str]:
    rows = [
        "| policy | scenario | incidents | detected | frauds before the first alert: median, "
        "mean | minutes to detect: median, p90 | money prevented after detection | money "
        "alerted on |",
        "| --- | --- | ---: | --- | --- | --- | --- | --- |",
    ]
    for name, scenarios in result["incidents"].items():
        for scenario, s in scenarios.items():
            rows.append(
                f"| {LABELS[name]} | {scenario} | {s['incidents']} | {ci(s['detection_rate'])} "
                f"| {_n(s['payments_to_detect_median'], 0)}, {ci(s['payments_to_detect_mean'], 2)} "
                f"| {_n(s['minutes_to_detect_median'], 0)}, {_n(s['minutes_to_detect_p90'], 0)} "
                f"| {ci(s['amount_prevented_share'])} | {ci(s['amount_alerted_share'])} |"
            )
    return rows


def _n(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _cost_table(result: dict[str, Any]) -> list[str]:
    c = result["costs"]
    rows = [
        "| sweep | configured: threshold, share, cost | the card's cost threshold: threshold, "
        "share, cost, saving | cheapest in hindsight: threshold, share, cost, saving "
        "| cheapest threshold across replicates |",
        "| --- | --- | --- | --- | --- |",
    ]
    for key, label in SWEEPS.items():
        s = c[key]
        card = (
            f"{_point(s['card_cost_threshold'])}, {_money(s['card_cost_saving'])}"
            if "card_cost_threshold" in s
            else ""
        )
        rows.append(
            f"| {label} | {_point(s['configured'])} | {card} "
            f"| {_point(s['cheapest'])}, {_money(s['saving'])} "
            f"| {ci(s['cheapest_threshold_across_replicates'], 4)} |"
        )
    return rows


def _point(point: dict[str, Any]) -> str:
    return f"{point['threshold']:.4f}, {point['alert_rate']:.2%}, {_money(point['cost'])}"


def markdown(result: dict[str, Any]) -> str:
    b, pr = result["bootstrap"], result["costs"]["prices"]
    lines = [
        f"# Offline evaluation of {result['model_version']}",
        "",
        f"`make evaluate`: the committed model (training/artifacts, unchanged) on its test week "
        f"{result['test_week']['assess']} of {result['data']['file']}. Intervals: {b['interval']} "
        f"over {b['replicates']:,} bootstrap replicates (seed {b['seed']}), resampling "
        f"{b['unit']}s for per-payment figures ({b['why']}) and incidents for per-incident "
        "figures (a compromised terminal's incident spans many cards, so the card bootstrap "
        "understates the per-payment uncertainty of compromised_terminal: its 12 or so "
        "incidents are the independent units, see the per-incident intervals).",
        "",
        "## Headline",
        "",
        headline(result),
        "",
        "## Per payment, every policy",
        "",
        *_payment_table(result),
        "",
        "## Per incident",
        "",
        "An incident is one scenario on one card (on one terminal for compromised_terminal), begun "
        "in the test week. Once detected, its card or terminal is stopped: the money of the "
        "alerted fraud and of every later one is prevented; money alerted on counts only the "
        "alerted frauds.",
        "",
        *_incident_table(result),
        "",
        f"Every incident, with each policy's figures: [{INCIDENT_FILE}]({INCIDENT_FILE}).",
        "",
        "## Cost",
        "",
        f"Prices ({pr['units']}): a missed fraud loses {pr['fraud_loss_share']:.0%} "
        f"of its amount, every alert costs {pr['review']:g} of analyst time, a blocked "
        f"genuine payment {pr['friction']:g} more ({pr['assumes']}). One "
        "threshold moves over score quantiles, the other stays as configured; share: of "
        "payments alerted (review sweeps) or blocked (block sweeps). The card's cost threshold "
        "was chosen on the validation weeks (model alone, review cost and fraud loss only); the "
        "cheapest is found on this same week, so its saving is an upper bound. Under these "
        "prices a block stops no more fraud than a review and adds the friction, so blocking "
        "saves nothing: the block sweeps' cheapest is the lowest threshold that blocks no "
        "genuine payment of the week, as cheap as never blocking. A block pays only where a "
        "review would let the fraud through, which these prices do not charge.",
        "",
        *_cost_table(result),
        "",
        f"![costs]({result['figures'][0]})",
        "",
    ]
    return "\n".join(lines)


def write(result: dict[str, Any], incidents: pd.DataFrame, out: Path) -> None:
    (out / JSON_FILE).write_text(json.dumps(result, indent=1) + "\n")
    incidents.to_csv(out / INCIDENT_FILE, index_label="incident")
    (out / MARKDOWN_FILE).write_text(markdown(result))
