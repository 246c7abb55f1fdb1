"""The run's rules on made-up outcomes: a lost, doubled or foreign payment, poison that did not
reach the DLQ, a short or slow producer, or anything left after teardown fails the run."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from fraud_k8se2e import report
from fraud_k8se2e.traffic import Outcome, producer_args, producer_job


def test_an_exact_account_is_clean(outcome: Callable[..., Outcome]) -> None:
    assert outcome().clean


@pytest.mark.parametrize(
    "changes",
    [
        {"scored": 99, "lost": 1},
        {"doubled": 1},
        {"valid_dead_lettered": 1},
        {"dead_lettered": 1},
        {"lag": 3},
        {"offsets_advanced": 103},
        {"producer": {"transactions": 100, "poison": 2, "delivery_errors": 1, "achieved_tps": 200}},
        {"producer": {"transactions": 100, "poison": 2, "delivery_errors": 0, "achieved_tps": 185}},
        {
            "case": "scorer pod deleted mid-stream",
            "producer": {
                "transactions": 100,
                "poison": 2,
                "delivery_errors": 0,
                "achieved_tps": 99,
            },
        },
        {"producer": {"transactions": 99, "poison": 2, "delivery_errors": 0, "achieved_tps": 200}},
        {"requested": 120},
        {"scored": 99},
        {"logged": 99},  # a payment scored in Redis but missing from the decision log
        {"log_rows": 101},  # a redelivered payment logged twice
        {"logged": 99, "log_rows": 99},
        {"details": {"foreign_messages": 5, "resent_by_the_producer": 0, "rate_tps": 200}},
        {"details": {"foreign_messages": 0, "resent_by_the_producer": 1, "rate_tps": 200}},
    ],
)
def test_any_gap_fails_the_case(outcome: Callable[..., Outcome], changes: dict[str, Any]) -> None:
    assert not outcome(**changes).clean


def test_a_fault_may_slow_the_producer_but_not_the_plain_run(
    outcome: Callable[..., Outcome],
) -> None:
    slowed = {"transactions": 100, "poison": 2, "delivery_errors": 0, "achieved_tps": 180.5}
    assert outcome(case="helm upgrade to a new image tag mid-stream", producer=slowed).clean
    assert not outcome(case="plain", producer=slowed).clean


def test_the_rules_accept_a_clean_run_and_name_each_failure(passing_report: dict[str, Any]) -> None:
    assert report.problems(passing_report) == []
    broken = copy.deepcopy(passing_report)
    broken["cases"][1].update(lost=1, scored=99, passed=False)
    broken["checks"]["helm_test"].update(exit_code=1, passed=False)
    broken["teardown"]["iptables_chains"] = ["iptables-nft-save/nat/KUBE-SERVICES"]
    broken["errors"] = ["TimeoutError: x"]
    del broken["cases"][0]
    found = report.problems(broken)
    assert "case missing: plain" in found
    assert any(
        p.startswith(f"case failed: {report.CASES[1]}: produced 100, scored 99") for p in found
    )
    assert "check failed: helm_test" in found
    assert any(p.startswith("left after teardown: iptables_chains") for p in found)
    assert found[0] == "error: TimeoutError: x"


def test_the_producer_job_is_the_charts_pod_with_a_fixed_count() -> None:
    template: dict[str, Any] = {
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
    assert argv[argv.index("--pace") + 1] == "steady"  # a fixed rate, not the world's clock
    assert "500" in argv
    assert "livenessProbe" not in container
    assert container["envFrom"] == [{"configMapRef": {"name": "p"}}]
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "e2e-producer"
    assert template["spec"]["restartPolicy"] == "Always"  # the Deployment's own is untouched


def test_a_tools_empty_answer_is_recorded_as_empty() -> None:
    # `git status --porcelain` of a clean tree prints nothing; the run once crashed on it.
    assert report._output("true") == ""
    assert report._output("false") == "?"
    assert report._output("/nonexistent/tool") == "missing"
    assert re.fullmatch(r"[0-9a-f]{7,}(\+changes)?", report._commit())
