"""The run's rules on made-up outcomes: a lost, doubled or foreign payment, poison that did not
reach the DLQ, or anything left after teardown fails the run."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fraud_k8se2e import report
from fraud_k8se2e.traffic import Outcome, producer_args, producer_job


def _outcome(**changes: Any) -> Outcome:
    fields: dict[str, Any] = {
        "case": "plain", "produced": 100, "scored": 100, "lost": 0, "doubled": 0, "poison": 2,
        "dead_lettered": 2, "valid_dead_lettered": 0, "offsets_advanced": 102, "lag": 0,
        "producer": {"transactions": 100, "delivery_errors": 0}, "seconds": 1.0,
        "details": {"foreign_messages": 0, "resent_by_the_producer": 0},
    }  # fmt: skip
    fields.update(changes)
    return Outcome(**fields)


def test_an_exact_account_is_clean() -> None:
    assert _outcome().clean


@pytest.mark.parametrize(
    "changes",
    [
        {"scored": 99, "lost": 1},
        {"doubled": 1},
        {"valid_dead_lettered": 1},
        {"dead_lettered": 1},
        {"lag": 3},
        {"offsets_advanced": 103},
        {"producer": {"transactions": 100, "delivery_errors": 1}},
        {"details": {"foreign_messages": 5, "resent_by_the_producer": 0}},
    ],
)
def test_any_gap_fails_the_case(changes: dict[str, Any]) -> None:
    assert not _outcome(**changes).clean


def _passing_report() -> dict[str, Any]:
    cases = [_outcome(case=name).as_dict() for name in report.CASES]
    return {
        "cases": cases,
        "checks": {name: {"passed": True} for name in report.CHECKS},
        "scorer_api": {"passed": True},
        "teardown": {"processes": [], "mounts": [], "iptables_chains": []},
        "pods": [{"pod": "a", "ready_s": 3.0}],
    }


def test_the_rules_accept_a_clean_run_and_name_each_failure() -> None:
    assert report.problems(_passing_report()) == []
    broken = copy.deepcopy(_passing_report())
    broken["cases"][1].update(lost=1, scored=99, passed=False)
    broken["checks"]["helm_test"]["passed"] = False
    broken["teardown"]["iptables_chains"] = ["iptables-nft-save/nat/KUBE-SERVICES"]
    broken["errors"] = ["TimeoutError: x"]
    del broken["cases"][0]
    found = report.problems(broken)
    assert "case missing: plain" in found
    assert f"case failed: {report.CASES[1]}" in found
    assert "check failed: helm_test" in found
    assert any(p.startswith("left after teardown: iptables_chains") for p in found)
    assert found[0] == "error: TimeoutError: x"


def test_the_producer_job_is_the_charts_pod_with_a_fixed_count() -> None:
    template = {
        "metadata": {"labels": {"app.kubernetes.io/component": "producer"}},
        "spec": {
            "restartPolicy": "Always",
            "containers": [{"name": "producer", "image": "fraud-producer:0.1.0",
                            "livenessProbe": {}, "envFrom": [{"configMapRef": {"name": "p"}}]}],
        },
    }  # fmt: skip
    argv = producer_args(500, "run1", 0.0)
    job = producer_job(template, "producer-run1", argv)
    pod = job["spec"]["template"]
    assert job["spec"]["backoffLimit"] == 0  # a failed producer is never re-run (no doubles)
    assert pod["spec"]["restartPolicy"] == "Never"
    (container,) = pod["spec"]["containers"]
    assert container["command"] == argv
    assert "--count" in argv
    assert "500" in argv
    assert "livenessProbe" not in container
    assert container["envFrom"] == [{"configMapRef": {"name": "p"}}]
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "e2e-producer"
    assert template["spec"]["restartPolicy"] == "Always"  # the Deployment's own is untouched
