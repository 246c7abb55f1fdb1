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


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


def _log_rows(rows: list[tuple[str, dict[str, Any]]]) -> list[str]:
    lines = [
        "| | decisions | label coverage | log: alert rate | precision | recall "
        "| truth: alert rate | precision | recall | difference: precision | recall |",
        "| --- |" + " --- |" * 10,
    ]
    for name, w in rows:
        log, truth, diff = w["log"], w["truth"], w["difference"]
        lines.append(
            f"| {name} | {log['decisions']:,} | {_pct(log['label_coverage'])} "
            f"| {_pct(log['alert_rate'])} | {_f(log['precision'], 4)} | {_f(log['recall'], 4)} "
            f"| {_pct(truth['alert_rate'])} | {_f(truth['precision'], 4)} "
            f"| {_f(truth['recall'], 4)} | {_signed(diff['precision'])} "
            f"| {_signed(diff['recall'])} |"
        )
    return lines


def log_headline(result: dict[str, Any]) -> str:
    """The decision log's figures beside the ground truth's, per window, as the README shows."""
    return "\n".join(_log_rows(list(result["decision_log"]["windows"].items())))


def _decision_log_rows(result: dict[str, Any]) -> list[str]:
    section, producer = result["decision_log"], result["producer"]
    logged = section["logged"]
    force = "; ".join(
        f"{t['model_version']} review {t['review']:g}, block {t['block']:g} ({t['rows']:,} rows)"
        for t in section["thresholds_in_force"]
    )
    return [
        "## The decision log beside the ground truth",
        "",
        "The consumer wrote every decision to the decision log (PostgreSQL, migrated by the "
        "production migrator) and joined there every label the producer sent, each at its own "
        "simulated delay. After the last payment the producer's clock ran on at speed "
        f"{result['plan']['label_tail_speed']:,.0f} with labels only until none was owed "
        f"({producer['labels_after_end']:,} labels after the last payment, "
        f"{producer['labels_dropped']:,} not sent): no payment was decided any more, so nothing "
        "read what they changed. Precision, recall and alert rate at the review threshold come "
        "from `fraudcore.decision_log.quality` (a decision without a label is unknown, never "
        "genuine); the truth is the simulator's for the same decisions at the card's review "
        f"threshold {section['review_threshold']:g}.",
        "",
        f"- logged rows {logged['rows']:,} ({logged['distinct_ids']:,} ids) for "
        f"{logged['produced']:,} payments produced: {logged['missing']:,} missing, "
        f"{logged['unexpected']:,} not produced; labels joined {logged['labels']:,}; labels the "
        f"consumer gave up waiting for {section['consumer_labels_expired']:,}",
        f"- thresholds in force (from the log): {force}",
        "",
        *_log_rows(list(section["windows"].items())),
        "",
        "By day of decision:",
        "",
        *_log_rows([(day["day"], day) for day in section["days"]]),
        "",
    ]


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
        f"through producer, Kafka, consumer ({plan['scoring_mode']} scoring, writing the decision "
        f"log), scorer, Redis and PostgreSQL, in {result['seconds']['stream']:.0f} s. "
        "Week 1 is the model card's test week, payment for "
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
        f"- labels sent on the clock {producer['labels']:,} ({producer['labels_after_end']:,} "
        "of them after the last payment, by the label tail); still owed when the producer "
        f"stopped (not sent) {producer['labels_dropped']:,}",
        f"- end to end p50 {result['end_to_end_ms']['p50']:,.0f} ms, p99 "
        f"{result['end_to_end_ms']['p99']:,.0f} ms: how far the consumer ran behind the clock on "
        "this machine (latency is measured by `make bench`); both topics fall behind together, "
        "so labels still meet payments in the world's order",
        f"- seconds: {', '.join(f'{k} {v:g}' for k, v in result['seconds'].items())}; "
        f"{result['machine']['cpus']} CPUs shared with other work (load average "
        f"{' -> '.join(f'{v:g}' for v in result['machine']['load_average'])})",
        "",
    ]
    lines += _decision_log_rows(result)
    if "before" in result:
        lines += _before_rows(result["before"])
    return "\n".join(lines)


def write(result: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / JSON_FILE).write_text(json.dumps(result, indent=2) + "\n")
    (out / MARKDOWN_FILE).write_text(markdown(result))
