"""reports/live_eval.json and the Markdown rendered from it (a test renders it again, compares)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

JSON_FILE, MARKDOWN_FILE = "live_eval.json", "live_eval.md"


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2%}"


def _quality_rows(result: dict[str, Any]) -> list[str]:
    card = result["card"]
    rows = [
        "| | payments | frauds | AP | review: alert rate | precision | recall "
        "| block: alert rate | precision | recall | decisions not approve |",
        "| --- |" + " --- |" * 10,
        f"| model card, test week {card['test_week']} (offline) | {card['rows']:,} "
        f"| {card['frauds']:,} | {_f(card['ap'])} | {_pct(card['review']['alert_rate'])} "
        f"| {_f(card['review']['precision'])} | {_f(card['review']['recall'])} "
        f"| {_pct(card['block']['alert_rate'])} | {_f(card['block']['precision'])} "
        f"| {_f(card['block']['recall'])} | |",
    ]
    for name, q in result["live"].items():
        rows.append(
            f"| live, {name} | {q['rows']:,} | {q['frauds']:,} | {_f(q['ap'])} "
            f"| {_pct(q['review']['alert_rate'])} | {_f(q['review']['precision'])} "
            f"| {_f(q['review']['recall'])} | {_pct(q['block']['alert_rate'])} "
            f"| {_f(q['block']['precision'])} | {_f(q['block']['recall'])} "
            f"| {_pct(q['decision_alert_rate'])} |"
        )
    return rows


def headline(result: dict[str, Any]) -> str:
    """The live figures beside the card's, as the README shows them."""
    return "\n".join(_quality_rows(result))


def _scenario_rows(result: dict[str, Any]) -> list[str]:
    scenarios = sorted(result["card"]["review"]["recall_by_scenario"])
    rows = ["| recall | " + " | ".join(scenarios) + " |", "| --- |" + " --- |" * len(scenarios)]
    for threshold in ("review", "block"):
        sources = [("model card, test week", result["card"])]
        sources += [(f"live, {name}", q) for name, q in result["live"].items()]
        for label, figures in sources:
            recall = figures[threshold]["recall_by_scenario"]
            cells = " | ".join(_f(recall.get(s)) for s in scenarios)
            rows.append(f"| {threshold}: {label} | {cells} |")
    return rows


def _acceptance_rows(result: dict[str, Any]) -> list[str]:
    rows = ["| check (all live traffic) | value | band | met |", "| --- | --- | --- | --- |"]
    for name, check in result["acceptance"].items():
        band = check.get("band")
        value = check["value"]
        shown = _f(value) if isinstance(value, float) else str(value)
        limits = f"{_f(band[0])} .. {_f(band[1])}" if band else ""
        rows.append(
            f"| {name.replace('_', ' ')} | {shown} | {limits} | {'yes' if check['ok'] else 'NO'} |"
        )
    return rows


def _before_rows(before: dict[str, Any]) -> list[str]:
    return [
        "## Before: the same model on the old live traffic",
        "",
        f"Steady {before['rate_tps']:g} tx/s for {before['seconds']:.0f} s, event time = the "
        "wall clock, "
        f"every card cold, labels after a fixed {before['label_delay_s']:g} s (as `make dev` ran "
        "before this evaluation existed):",
        "",
        "| payments | frauds | review: alert rate | block: alert rate | precision of alerts |",
        "| --- | --- | --- | --- | --- |",
        f"| {before['rows']:,} | {before['frauds']:,} | {_pct(before['review_rate'])} "
        f"| {_pct(before['block_rate'])} | {_f(before['precision'])} |",
        "",
    ]


def markdown(result: dict[str, Any]) -> str:
    plan, run, agree = result["plan"], result["counts"], result["offline_agreement"]
    warm, producer = result["warm_start"], result["producer"]
    ok = all(check["ok"] for check in result["acceptance"].values())
    cached = " (state from the cache)" if warm["cached"] else ""
    lines = [
        "# Live evaluation: the real pipeline on the world's clock",
        "",
        f"Measured {result['measured_at']} with `make live-eval` "
        f"(model {result['card']['model_version']}). "
        f"Warm start: {plan['history_days']} days of the world ({warm['rows']:,} payments, "
        f"{warm['pending']:,} labels still owed) replayed into Redis in "
        f"{result['seconds']['warm_start']:.0f} s{cached}. "
        f"Live: {plan['days']:g} simulated days from {plan['live_from'][:10]} at speed "
        f"{producer['speed']:,.0f} (about {producer['achieved_tps']:,.0f} payments a second) "
        f"through producer, Kafka, consumer ({plan['scoring_mode']} scoring), scorer and Redis, in "
        f"{result['seconds']['stream']:.0f} s. Week 1 is the model card's test week, payment for "
        "payment; week 2 comes after anything the model or its thresholds saw.",
        "",
        f"**Acceptance: {'met' if ok else 'NOT met'}.**",
        "",
        *_acceptance_rows(result),
        "",
        "## Live decisions beside the model card",
        "",
        "Alert rates are the share of payments scoring at or above each threshold; "
        '"decisions not approve" also counts payments escalated by the named rules.',
        "",
        *_quality_rows(result),
        "",
        "## Recall by fraud scenario",
        "",
        *_scenario_rows(result),
        "",
        "## Live against offline, payment by payment",
        "",
        f"The same model scored the same {agree['rows']:,} payments offline (features replayed "
        f"over the whole dataset, as training does): {_pct(agree['same_score'])} of live scores "
        f"equal the offline score (within 1e-5), the largest difference is "
        f"{agree['max_abs_diff']:.2g}, and {agree['same_review_flag']:.3%} get the same flag "
        f"at the review threshold (offline AP on these payments {_f(agree['offline_ap'])}).",
        "",
        "## The run",
        "",
        f"- produced {run['produced']:,}, scored records read {run['scored']:,} (copies "
        f"{run['copies_read']:,}), the consumer's count {run['consumer_transactions']:,}",
        f"- labels sent on the clock {producer['labels']:,}; owed beyond the end (not sent) "
        f"{producer['labels_dropped']:,}",
        f"- end to end p50 {result['end_to_end_ms']['p50']:,.0f} ms, p99 "
        f"{result['end_to_end_ms']['p99']:,.0f} ms: how far the consumer ran behind the clock on "
        "this machine (latency is measured by `make bench`); both topics fall behind together, "
        "so labels still meet payments in the world's order",
        f"- seconds: {', '.join(f'{k} {v:g}' for k, v in result['seconds'].items())}; "
        f"{result['machine']['cpus']} CPUs shared with other work (load average "
        f"{' -> '.join(f'{v:g}' for v in result['machine']['load_average'])})",
        "",
    ]
    if "before" in result:
        lines += _before_rows(result["before"])
    return "\n".join(lines)


def write(result: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / JSON_FILE).write_text(json.dumps(result, indent=2) + "\n")
    (out / MARKDOWN_FILE).write_text(markdown(result))
