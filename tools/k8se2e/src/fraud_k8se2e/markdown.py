"""reports/k8s_e2e.md: the run's JSON report rendered for people (written with it; a test
checks the committed file is exactly what this renders from the committed JSON)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[str]:
    names = list(header)
    lines = ["| " + " | ".join(names) + " |", "|" + " --- |" * len(names)]
    lines += ["| " + " | ".join("" if cell is None else str(cell) for cell in row) + " |"
              for row in rows]  # fmt: skip
    return [*lines, ""]


def _verdict(passed: object) -> str:
    return "passed" if passed is True else "FAILED"


def _cases(report: dict[str, Any]) -> list[str]:
    header = ("case", "requested", "produced", "scored once", "logged (rows)", "lost", "doubled",
              "poison", "dead-lettered (valid)", "lag", "tx/s", "seconds", "verdict")  # fmt: skip
    rows = [
        (case["case"], case.get("requested"), case["produced"], case["scored"],
         f"{case.get('logged')} ({case.get('log_rows')})", case["lost"], case["doubled"],
         case["poison"],
         f"{case['dead_lettered']} ({case['valid_dead_lettered']})", case["lag"],
         case["producer"].get("achieved_tps"), case["seconds"], _verdict(case["passed"]))
        for case in report.get("cases", [])
    ]  # fmt: skip
    return ["## Payments, case by case", "", *_table(header, rows)]


def _checks(report: dict[str, Any]) -> list[str]:
    checks = report.get("checks", {})
    lines = ["## Checks", ""]
    stream = checks.get("dashboard_stream", {})
    lines.append(
        f"- dashboard SSE stream through `kubectl port-forward`: {stream.get('points')} "
        f"payments in {stream.get('batches')} batches: {_verdict(stream.get('passed'))}"
    )
    migrated = checks.get("decision_log_migrated", {})
    lines.append(
        f"- decision log: the chart's `migrate` init container exited "
        f"{migrated.get('migrate_exit_code')}, schema at migrations {migrated.get('applied')}: "
        f"{_verdict(migrated.get('passed'))}"
    )
    lookups = checks.get("dashboard_reads_the_log", {})
    lines.append(
        f"- dashboard `GET /api/decisions/{{id}}` through `kubectl port-forward`: "
        f"{lookups.get('same_as_the_log')} of {lookups.get('looked_up')} sampled decisions as "
        f"logged ({lookups.get('with_label_joined')} with their label joined), an unknown id "
        f"{lookups.get('unknown_id_status')}: {_verdict(lookups.get('passed'))}"
    )
    kafka = checks.get("readiness_while_kafka_stopped", {})
    lines.append(
        f"- Kafka stopped: consumer not Ready after {kafka.get('consumer_not_ready_after_s')}"
        f" s, Ready again {kafka.get('ready_again_after_start_s')} s after the broker "
        f"was back, {kafka.get('consumer_restarts')} restarts: "
        f"{_verdict(kafka.get('passed'))}"
    )
    database = checks.get("readiness_while_database_stopped", {})
    lines.append(
        f"- PostgreSQL stopped mid-stream for {database.get('database_down_s')} s: consumer not "
        f"Ready after {database.get('consumer_not_ready_after_s')} s, "
        f"{database.get('scored_while_down')} scored and lag {database.get('lag_while_down')} "
        f"while down, Ready again {database.get('consumer_ready_after_start_s')} s after the "
        f"database was started ({database.get('database_ready_after_start_s')} s to its Ready), "
        f"{database.get('consumer_restarts')} restarts: {_verdict(database.get('passed'))}"
    )
    live = checks.get("liveness_restarts_a_stalled_consumer", {})
    lines.append(
        f"- stalled consumer: restarted by liveness after {live.get('restarted_after_s')}"
        f" s, Ready after {live.get('ready_again_after_s')} s, same pod "
        f"{live.get('same_pod')}: {_verdict(live.get('passed'))}"
    )
    helm = checks.get("helm_test", {})
    phases = [line.split()[-1] for line in helm.get("output", []) if line.startswith("Phase:")]
    lines.append(
        f"- `helm test`: exit {helm.get('exit_code')}, hooks {', '.join(phases)}: "
        f"{_verdict(helm.get('passed'))}"
    )
    roll = checks.get("helm_upgrade_under_traffic", {})
    lines.append(
        f"- `helm upgrade` to `{roll.get('to_tag')}` under traffic in "
        f"{roll.get('rollout_s')} s, fewest Ready pods per Deployment "
        f"{roll.get('fewest_ready_pods_during_rollout')}: {_verdict(roll.get('passed'))}"
    )
    after = checks.get("log_after_the_run", {})
    before = report.get("installed", {}).get("scored_from_the_chart_producer")
    lines.append(
        f"- decision log at the end: {sum(after.get('rows_by_case', {}).values())} rows for the "
        f"cases' payments, one per payment in every case; {after.get('rows')} rows in all, the "
        f"others the {before} payments the chart's own producer sent before the cases, "
        f"{after.get('doubled')} ids with a second row: {_verdict(after.get('passed'))}"
    )
    api = report.get("scorer_api", {})
    lines.append(
        f"- scorer API through its Service: {api.get('status')} ({api.get('decision')}),"
        f" {api.get('without_key_status')} without the key: "
        f"{_verdict(api.get('passed'))}"
    )
    return [*lines, ""]  # fmt: skip


def _pods(report: dict[str, Any]) -> list[str]:
    rows = [(pod["component"], pod["pod"], pod["running_s"], pod["ready_s"], pod["restarts"])
            for pod in report.get("pods", [])]  # fmt: skip
    header = ("component", "pod", "running after s", "Ready after s", "restarts")
    return ["## Pods after install (seconds from creation)", "", *_table(header, rows)]


def render(report: dict[str, Any]) -> str:
    installed = report.get("installed", {})
    lines = [
        "# make k8s-e2e: the platform on a real kubelet",
        "",
        f"{_verdict(report.get('passed'))}: {report.get('kind')} run of {report.get('commit')} "
        f"at {report.get('generated_at')}; charts {installed.get('chart')}, images "
        f"{installed.get('app_version')} (upgraded to {installed.get('upgrade_tag')}); "
        f"{report.get('machine', {}).get('cpus')} CPUs.",
        "",
        *_cases(report),
        *_checks(report),
        *_pods(report),
        "## Timings (seconds)",
        "",
        *_table(("step", "s"), report.get("timings_s", {}).items()),
        *_table(("node step", "s"), report.get("node_steps", {}).items()),
        "## Versions",
        "",
        *_table(("component", "version"), report.get("versions", {}).items()),
        "## Teardown: left on the host",
        "",
        *_table(("kind", "left"), ((kind, ", ".join(items) or "nothing")
                                   for kind, items in report.get("teardown", {}).items())),
        "## Problems",
        "",
        *([f"- {problem}" for problem in report.get("problems", [])] or ["none"]),
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def headline(report: dict[str, Any]) -> str:
    """One line for the README (a test checks the README still carries it)."""
    cases, timings = report.get("cases", []), report.get("timings_s", {})
    return (
        f"{_verdict(report.get('passed'))}, {sum(case['produced'] for case in cases):,} payments "
        f"in {len(cases)} cases, produced == scored once == logged once in each "
        f"({sum(case['lost'] for case in cases)} lost, "
        f"{sum(case['doubled'] for case in cases)} doubled, "
        f"{sum(case['log_rows'] for case in cases):,} decision log rows); every pod Ready "
        f"{timings.get('install_to_all_pods_ready')} s and the first payment scored "
        f"{timings.get('install_to_first_scored_payment')} s after `helm install`; the whole run "
        f"{timings.get('total')} s (images built {timings.get('images_built')} s and imported "
        f"{timings.get('images_loaded')} s, node started {timings.get('node_started')} s, "
        f"teardown {timings.get('teardown')} s)."
    )
