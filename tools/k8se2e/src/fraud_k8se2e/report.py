"""reports/k8s_e2e.json: what one run measured, and the rules it must meet to pass.

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

from fraud_k8sapi.versions import COREDNS_VERSION, ETCD_VERSION, KUBERNETES_VERSION
from fraudcore.devstack.kafka_broker import KAFKA_VERSION

SCHEMA = 1
# The cases every full run has (a quick run has the same ones with fewer payments).
CASES = (
    "plain",
    "consumer pod deleted mid-stream",
    "scorer pod deleted mid-stream",
    "after Kafka was stopped and started",
    "consumer loop stalled (liveness restart)",
    "helm upgrade to a new image tag mid-stream",
)
CHECKS = (
    "dashboard_stream",
    "readiness_while_kafka_stopped",
    "liveness_restarts_a_stalled_consumer",
    "helm_test",
    "helm_upgrade_under_traffic",
)


def _output(*argv: str) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)  # noqa: S603
    except OSError:
        return "missing"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


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


def problems(report: dict[str, Any]) -> list[str]:
    """Every rule the run broke (empty: it passed)."""
    found = [f"error: {error.splitlines()[0]}" for error in report.get("errors", [])[:1]]
    cases = {case["case"]: case for case in report.get("cases", [])}
    for name in CASES:
        case = cases.get(name)
        if case is None:
            found.append(f"case missing: {name}")
            continue
        if not case["passed"]:
            found.append(f"case failed: {name}")
        if case["produced"] != case["scored"] or case["lost"] or case["doubled"]:
            found.append(f"{name}: produced {case['produced']}, scored {case['scored']}, "
                         f"lost {case['lost']}, doubled {case['doubled']}")  # fmt: skip
    checks = report.get("checks", {})
    found += [f"check failed: {name}" for name in CHECKS if not checks.get(name, {}).get("passed")]
    if not report.get("scorer_api", {}).get("passed"):
        found.append("the scorer's API through its Service")
    left = {kind: items for kind, items in report.get("teardown", {"?": ["no teardown"]}).items()}
    found += [f"left after teardown: {kind} {items}" for kind, items in left.items() if items]
    for pod in report.get("pods", []):
        if pod.get("ready_s") is None:
            found.append(f"pod never Ready: {pod['pod']}")
    return found


def write(report: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
