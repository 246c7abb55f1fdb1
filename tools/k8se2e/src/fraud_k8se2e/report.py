"""reports/k8s_e2e.json (and .md): what one run measured, and the rules it must meet to pass.

``problems`` is the single judge: the run's exit code and the test of the committed report
both use it, so a report that says "passed" is one these rules accept.
"""

from __future__ import annotations

import json
import os
import platform as host
import subprocess
import time
from pathlib import Path
from typing import Any

from fraud_devstack.kafka_broker import KAFKA_VERSION
from fraud_k8sapi.versions import COREDNS_VERSION, ETCD_VERSION, KUBERNETES_VERSION
from fraud_k8se2e import markdown, rules
from fraud_k8se2e.images import ROLLED

# 2: each case's requested count and rate, helm test's exit code, the upgrade's tag; 3: the
# decision log (each case's rows, the database outage, the dashboard's look-ups, the migration)
SCHEMA = 3
# The cases every full run has (a quick run has the same ones with fewer payments).
CASES = (
    "plain",
    "consumer pod deleted mid-stream",
    "scorer pod deleted mid-stream",
    "after Kafka was stopped and started",
    "PostgreSQL stopped mid-stream",
    "consumer loop stalled (liveness restart)",
    "helm upgrade to a new image tag mid-stream",
)
CHECKS = (
    "dashboard_stream",
    "decision_log_migrated",
    "dashboard_reads_the_log",
    "readiness_while_kafka_stopped",
    "readiness_while_database_stopped",
    "liveness_restarts_a_stalled_consumer",
    "helm_test",
    "helm_upgrade_under_traffic",
    "log_after_the_run",
)


def _output(*argv: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)  # noqa: S603
    except OSError:
        return "missing"
    if done.returncode:
        return "?"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else ""  # e.g. a clean `git status --porcelain` prints nothing


def versions() -> dict[str, str]:
    return {
        "kubernetes": KUBERNETES_VERSION,
        "etcd": ETCD_VERSION,
        "coredns": COREDNS_VERSION,
        "kafka": KAFKA_VERSION,
        "containerd": _output("containerd", "--version"),
        "runc": _output("runc", "--version"),
        "cni_plugins": _output("dpkg-query", "-W", "-f=${Version}", "containernetworking-plugins"),
        "kernel": host.release(),
    }


def _commit() -> str:
    root = Path(__file__).resolve().parents[4]
    head = _output("git", "-C", str(root), "rev-parse", "--short", "HEAD")
    dirty = _output("git", "-C", str(root), "status", "--porcelain", "--untracked-files=no")
    return head + ("+changes" if dirty not in ("", "?", "missing") else "")


def assemble(
    kind: str, timings: dict[str, float], found: dict[str, Any], outcomes: list[dict[str, Any]]
) -> dict[str, Any]:
    result = {
        "schema": SCHEMA,
        "kind": kind,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": _commit(),
        "machine": {"cpus": os.cpu_count(), "python": host.python_version()},
        "versions": versions(),
        "timings_s": timings,
        **found,
        "cases": outcomes,
    }
    result["problems"] = problems(result)
    result["passed"] = not result["problems"]
    return result


def _judged(case: dict[str, Any]) -> bool:
    try:
        return rules.case_passed(case)
    except (KeyError, TypeError, ValueError):
        return False  # a figure the rule needs is missing or malformed


def problems(report: dict[str, Any]) -> list[str]:
    """Every rule the run broke (empty: it passed), judged again from the raw figures; a
    recorded verdict that disagrees with them is a problem too."""
    found = [f"error: {error.splitlines()[0]}" for error in report.get("errors", [])[:1]]
    cases = {case["case"]: case for case in report.get("cases", [])}
    for name in CASES:
        case = cases.get(name)
        if case is None:
            found.append(f"case missing: {name}")
            continue
        judged = _judged(case)
        if not judged:
            found.append(f"case failed: {name}: produced {case.get('produced')}, scored "
                         f"{case.get('scored')}, lost {case.get('lost')}, "
                         f"doubled {case.get('doubled')}, logged {case.get('logged')} "
                         f"in {case.get('log_rows')} rows")  # fmt: skip
        if case.get("passed") is not judged:
            found.append(f"{name}: recorded passed={case.get('passed')}, its figures say {judged}")
    checks = report.get("checks", {})
    for name, judged in rules.judge_checks(
        checks, cases, ROLLED, report.get("installed", {})
    ).items():
        if not judged:
            found.append(f"check failed: {name}")
        if name in checks and checks[name].get("passed") is not judged:
            found.append(f"check {name}: recorded passed disagrees with its figures")
    api = report.get("scorer_api", {})
    if not (api and rules.scorer_api(api)) or api.get("passed") is not True:
        found.append("the scorer's API through its Service")
    left = {kind: items for kind, items in report.get("teardown", {"?": ["no teardown"]}).items()}
    found += [f"left after teardown: {kind} {items}" for kind, items in left.items() if items]
    pods = report.get("pods") or [{"pod": "none recorded", "ready_s": None}]
    found += [f"pod never Ready: {pod['pod']}" for pod in pods if pod.get("ready_s") is None]
    return found


def write(report: dict[str, Any], path: Path) -> Path:
    """The JSON at ``path`` and its markdown rendering beside it; the markdown's path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
    rendered = path.with_suffix(".md")
    rendered.write_text(markdown.render(report))
    return rendered
