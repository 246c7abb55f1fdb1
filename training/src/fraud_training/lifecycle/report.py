"""reports/lifecycle.json, its acceptance judged from its own figures, and the Markdown rendered
from it (a test renders it again and compares)."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

JSON_FILE, MARKDOWN_FILE = "lifecycle.json", "lifecycle.md"
STABLE = 0.1  # PSI below this: no drift (the drift test's bound on the unshifted world)


def _psi(stats: dict[str, Any]) -> float:
    """The highest watched PSI of a set of windows; NaN when none was measured."""
    value = (stats.get("watched_max") or {}).get("psi")
    return float("nan") if value is None else float(value)


def _phase_ok(phase: dict[str, Any]) -> bool:
    return bool(phase["produced"] == phase["scored"] == phase["log"]["decisions"])


def acceptance(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each claim of the loop with the figure that shows it."""
    drift, retrain, phases = result["drift"], result["retrain"], result["phases"]
    candidate = retrain["model_version"]
    shadow = phases["shadow"]["log"]["by_version"]
    promoted = phases["promoted"]["log"]["by_version"]
    return {
        "unshifted_world_stable": {
            "ok": _psi(drift["unshifted"]) < STABLE,
            "figure": drift["unshifted"].get("watched_max"),
        },
        "shifted_world_drifts": {
            "ok": _psi(drift["shifted"]) > drift["psi_major"]
            and bool(drift["end"]["firing_features"]),
            "figure": drift["end"]["features_above_major"],
        },
        # The score crosses the line once the world shifts; it need not stay there: as each
        # card's 30-day baselines absorb the new spending, its payments look ordinary again.
        "score_drifts_in_the_shifted_world_only": {
            "ok": drift["unshifted"].get("score_psi_max", 1.0) < STABLE
            and drift["shifted"].get("score_psi_max", 0.0) > drift["psi_major"],
            "figure": {
                "unshifted_max": drift["unshifted"].get("score_psi_max"),
                "shifted": [
                    drift["shifted"].get("score_psi_lowest"),
                    drift["shifted"].get("score_psi_max"),
                ],
                "shifted_share_above_major": drift["shifted"].get("score_share_above_major"),
                "end": drift["end"]["score_psi"],
            },
        },
        "candidate_passed_gate": {
            "ok": bool(retrain["evaluation"]["passed"]),
            "figure": {k: v["passed"] for k, v in retrain["evaluation"]["result"]["gates"].items()},
        },
        "challenger_in_shadow_on_every_payment": {
            "ok": all(row["challenger_version"] == candidate for row in shadow),
            "figure": shadow,
        },
        "promoted_candidate_decides_every_payment": {
            "ok": all(row["model_version"] == candidate for row in promoted)
            and result["registry"]["serving"].get("champion") == candidate,
            "figure": promoted,
        },
        "every_payment_scored_and_logged_once": {
            "ok": all(_phase_ok(phase) for phase in phases.values()),
            "figure": {
                name: [p["produced"], p["scored"], p["log"]["decisions"]]
                for name, p in phases.items()
            },
        },
    }


def stamp(result: dict[str, Any], load_before: float) -> dict[str, Any]:
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": [round(load_before, 1), round(os.getloadavg()[1], 1)],
        },
        **result,
        "acceptance": acceptance(result),
    }


def _f(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _ci(figure: dict[str, Any] | None, digits: int = 3) -> str:
    if not figure or figure.get("value") is None:
        return "n/a"
    return (
        f"{_f(figure['value'], digits)} [{_f(figure['low'], digits)}, {_f(figure['high'], digits)}]"
    )


def _evaluation_rows(evaluation: dict[str, Any]) -> list[str]:
    figures = evaluation["result"]["figures"]
    rows = ["| figure | champion | candidate | candidate - champion |", "| --- | --- | --- | --- |"]
    for key in sorted(figures["candidate"]):
        rows.append(f"| {key} | {_ci(figures['champion'].get(key))} "
                    f"| {_ci(figures['candidate'].get(key))} "
                    f"| {_ci(figures['difference'].get(key))} |")  # fmt: skip
    latency = evaluation["result"]["latency"]
    for name in ("single_row_median_ms", "single_row_p99_ms", "batched_ms_per_row"):
        rows.append(f"| latency {name} | {_f(latency['champion'][name], 4)} "
                    f"| {_f(latency['candidate'][name], 4)} | |")  # fmt: skip
    rows += ["", "| gate | measured | bound | passed |", "| --- | --- | --- | --- |"]
    for name, gate in evaluation["result"]["gates"].items():
        measured = gate["measured"]
        shown = _f(measured) if isinstance(measured, float) else str(measured)
        rows.append(f"| {name} | {shown} | {gate['bound']} | {gate['passed']} |")
    return rows


def _phase_rows(phases: dict[str, Any]) -> list[str]:
    rows = ["| phase | produced | scored | logged | decided by (challenger): decisions "
            "| stream s | drain s |", "| --- |" + " --- |" * 6]  # fmt: skip
    for name, p in phases.items():
        versions = "; ".join(f"{v['model_version']} ({v['challenger_version'] or '-'}): "
                             f"{v['decisions']:,}" for v in p["log"]["by_version"])  # fmt: skip
        rows.append(f"| {name} | {p['produced']:,} | {p['scored']:,} | "
                    f"{p['log']['decisions']:,} | {versions} | {p['stream_s']} "
                    f"| {p['drained_s']} |")  # fmt: skip
    return rows


def _drift_rows(drift: dict[str, Any]) -> list[str]:
    rows = ["| windows | samples | highest watched PSI | lowest of the samples' highest "
            "| score PSI lowest .. highest | share above the alert line |",
            "| --- |" + " --- |" * 5]  # fmt: skip
    for name in ("unshifted", "shifted", "after_promotion"):
        s = drift.get(name) or {"samples": 0}
        if "watched_max" not in s:
            rows.append(f"| {name} | {s['samples']} | n/a | | | |")
            continue
        top = s["watched_max"]
        rows.append(f"| {name} | {s['samples']} | {top['feature']} {_f(top['psi'])} "
                    f"| {_f(s['watched_max_lowest'])} "
                    f"| {_f(s['score_psi_lowest'])} .. {_f(s['score_psi_max'])} "
                    f"| {s['share_above_major']:.0%} |")  # fmt: skip
    return rows


def _score_story(drift: dict[str, Any]) -> str:
    share = drift["shifted"].get("score_share_above_major", 0.0)
    said = f"Above the line on {share:.0%} of the shifted windows"
    if drift["end"]["score_psi"] > drift["psi_major"]:
        return said + ", and still at the live phase's end."
    return (
        said + f"; under it at the end ({_f(drift['end']['score_psi'])}): as the cards' 30-day "
        "baselines absorb the new spending, more of their payments score as ordinary again, "
        "while the baselines themselves stay drifted (the feature alerts above)."
    )


def markdown(result: dict[str, Any]) -> str:
    plan, champion, retrain = result["plan"], result["champion"], result["retrain"]
    evaluation = retrain["evaluation"]
    shadow = result["phases"]["shadow"].get("compare") or []
    end = result["drift"]["end"]
    lines = [
        "# Model lifecycle, end to end",
        "",
        f"`make lifecycle`, measured {result['measured_at']} on {result['machine']['cpus']} "
        f"CPUs (load average {result['machine']['load_average']}), {result['seconds']['total']} "
        f"s in all. A world of {plan['customers']:,} customers (seed {plan['seed']}) on its own "
        f"clock at {plan['speed']:g} simulated seconds a second; real Kafka, Redis and "
        "PostgreSQL, the real producer and consumer (embedded scoring, champion and challenger "
        "from the registry).",
        "",
        "## 1. Champion",
        "",
        f"`{champion['model_version']}`, trained on the world's first {plan['history_days']} "
        f"days ({champion['training_rows']:,} training rows, test week "
        f"{champion['test_split']['assess']}, AP {_f(champion['test_ap'])}) in "
        f"{champion['train_s']} s, with its drift reference; registered and promoted. The "
        f"decision log's past: {result['history_log']['decisions']:,} decisions of "
        f"{result['history_log']['from']} .. {result['history_log']['to']} by the champion, "
        f"{result['history_log']['labels']:,} labels arrived by the live start.",
        "",
        "## 2. Live, the world shifts, drift fires",
        "",
        f"{plan['live_days']} simulated days live; from hour {plan['shift_after_h']:g} "
        f"{plan['shift_share']:.0%} of customers pay {plan['shift_factor']:g} times as much "
        f"(`fraud-producer stream --shift spending`). The consumer's drift gauges, scraped every "
        f"second, over windows of its latest {result['drift']['window_payments']:,} payments "
        f"(the alerts' line: PSI above {result['drift']['psi_major']}):",
        "",
        *_drift_rows(result["drift"]),
        "",
        f"At the live phase's end the score's PSI is {_f(end['score_psi'])} and these features "
        "are above the line: "
        + ", ".join(f"{k} {_f(v)}" for k, v in end["features_above_major"].items())
        + "; so these alerts fire: "
        + ", ".join(" ".join(alert.values()) for alert in end["firing"])
        + ".",
        "",
        "The score's PSI by live day (the highest window ending that day; the shift begins on "
        f"day {int(plan['shift_after_h'] // 24) + 1}): "
        + ", ".join(
            f"{day} {_f(value, 2)}"
            for day, value in enumerate(result["drift"]["score_psi_by_day"], start=1)
        )
        + f". {_score_story(result['drift'])}",
        "",
        "## 3. The alert retrains from the log; the gate",
        "",
        f"The firing alerts, posted as Alertmanager's webhook posts them, to the retrain "
        f"receiver (`fraud-models webhook`): HTTP {retrain['receiver']['status']}, "
        f"`{json.dumps(retrain['receiver']['body'])}`. The retrain took {retrain['retrain_s']} "
        f"s: `train --from-decision-log` ({retrain['training_rows']:,} training rows, test week "
        f"{retrain['test_split']['assess']}), register, evaluate, challenger. Candidate "
        f"`{retrain['model_version']}` against champion `{evaluation['champion_version']}` on "
        f"the window {evaluation['result']['window']}: "
        f"{evaluation['result']['labelled']:,} labelled payments "
        f"({evaluation['result']['pending']:,} pending, left out), "
        f"{evaluation['result']['figures']['frauds']:,} frauds, review budget "
        f"{evaluation['result']['figures']['review_budget']:,}; card-bootstrap 95% intervals:",
        "",
        *_evaluation_rows(evaluation),
        "",
        f"Gate {'passed' if evaluation['passed'] else 'FAILED'} (evaluation "
        f"{evaluation['evaluation_id']} in the registry); the candidate is now the "
        f"{retrain['status']}.",
        "",
        "## 4. Shadow, then promotion",
        "",
    ]
    for pair in shadow:
        ch, cd = pair["champion"], pair["challenger"]
        lines.append(
            f"In shadow: {pair['payments']:,} payments, agreement "
            f"{_f(pair['agreement']['value'])}; "
            f"alert rate champion {_f(ch['alert_rate']['value'], 4)}, challenger "
            f"{_f(cd['alert_rate']['value'], 4)}; {pair['labelled']:,} labelled so far."
        )
    lines += [
        "",
        f"Promoted by `{result['promotion'][-1]['actor']}`: "
        + "; ".join(
            f"{e['model_version']} {e['from_status']} -> {e['to_status']}"
            for e in result["promotion"]
        )
        + ".",
        "",
        *_phase_rows(result["phases"]),
        "",
        "## Acceptance",
        "",
        "| claim | ok |",
        "| --- | --- |",
        *[f"| {name} | {check['ok']} |" for name, check in result["acceptance"].items()],
        "",
    ]
    return "\n".join(lines)


def headline(result: dict[str, Any]) -> str:
    """The run in one paragraph, as the README shows it."""
    drift, retrain, phases = result["drift"], result["retrain"], result["phases"]
    ap = retrain["evaluation"]["result"]["figures"]
    shadow = (phases["shadow"].get("compare") or [{}])[0]
    top = drift["shifted"]["watched_max"]
    payments = sum(phase["produced"] for phase in phases.values())
    once = all(_phase_ok(phase) for phase in phases.values())
    return (
        f"Measured {result['measured_at']} (`make lifecycle`, [`reports/lifecycle.md`]"
        f"(reports/lifecycle.md)), {result['seconds']['total']:.0f} s on "
        f"{result['machine']['cpus']} shared cores (load average "
        f"{result['machine']['load_average']}): champion `{result['champion']['model_version']}`; "
        f"{phases['live']['produced']:,} payments over {result['plan']['live_days']} live days. "
        f"Unshifted windows at most PSI {_f(_psi(drift['unshifted']))} (score "
        f"{_f(drift['unshifted'].get('score_psi_max'))}); once the world shifted, the score up "
        f"to {_f(drift['shifted'].get('score_psi_max'))} and {top['feature']} "
        f"{_f(top['psi'])}. The {len(drift['end']['firing'])} alerts firing at the end started "
        f"the retrain from the decision log: candidate `{retrain['model_version']}`, AP "
        f"{_ci(ap['champion'].get('ap'))} for the champion against "
        f"{_ci(ap['candidate'].get('ap'))} on the same window, gate "
        f"{'passed' if retrain['evaluation']['passed'] else 'FAILED'}; in shadow on "
        f"{shadow.get('payments', 0):,} payments (alert rate champion "
        f"{_f(shadow.get('champion', {}).get('alert_rate', {}).get('value'), 4)}, challenger "
        f"{_f(shadow.get('challenger', {}).get('alert_rate', {}).get('value'), 4)}), promoted, "
        f"then {phases['promoted']['produced']:,} payments decided by it. "
        f"{payments:,} payments in all, "
        + ("each scored and logged once." if once else "NOT each scored and logged once.")
    )


def write(result: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / JSON_FILE).write_text(json.dumps(result, indent=2) + "\n")
    (out / MARKDOWN_FILE).write_text(markdown(result))
