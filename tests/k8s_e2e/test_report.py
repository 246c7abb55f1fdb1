"""reports/k8s_e2e.json, the committed full run of `make k8s-e2e` (CI runs a shortened one):
it passed by the run's own rules, every case accounted exactly (produced == scored, nothing
lost, doubled or valid dead-lettered), and nothing was left on the host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fraud_k8se2e import report
from fraud_k8se2e.platform import Sizes

REPORT = Path(__file__).resolve().parents[2] / "reports" / "k8s_e2e.json"


@pytest.fixture(scope="module")
def committed() -> dict:
    assert REPORT.exists(), "no reports/k8s_e2e.json: run make k8s-e2e and commit the report"
    return json.loads(REPORT.read_text())


def test_the_committed_run_is_a_full_one_that_passed(committed: dict) -> None:
    assert committed["schema"] == report.SCHEMA
    assert committed["kind"] == "full"
    assert report.problems(committed) == [] == committed["problems"]
    assert committed["passed"] is True


def test_every_case_produced_exactly_what_was_scored(committed: dict) -> None:
    sizes = Sizes.full()
    expected = {
        "plain": sizes.plain,
        "after Kafka was stopped and started": sizes.after_restart,
    }
    cases = {case["case"]: case for case in committed["cases"]}
    assert set(cases) == set(report.CASES)
    for name, case in cases.items():
        assert case["produced"] == case["scored"] == expected.get(name, sizes.fault), name
        assert case["producer"]["transactions"] == case["produced"], name
        assert case["lost"] == case["doubled"] == case["valid_dead_lettered"] == 0, name
        assert case["lag"] == 0, name
        assert case["dead_lettered"] == case["poison"], name
        assert case["offsets_advanced"] == case["produced"] + case["poison"], name
    assert cases["plain"]["poison"] > 0  # the plain run also proved poison is dead-lettered


def test_the_checks_hold_and_the_host_was_left_clean(committed: dict) -> None:
    checks = committed["checks"]
    assert checks["dashboard_stream"]["points"] == _case(committed, "plain")["scored"]
    assert checks["readiness_while_kafka_stopped"]["consumer_restarts"] == 0
    assert checks["liveness_restarts_a_stalled_consumer"]["same_pod"] is True
    upgrade = checks["helm_upgrade_under_traffic"]
    assert min(upgrade["fewest_ready_pods_during_rollout"].values()) >= 1
    assert committed["scorer_api"]["without_key_status"] == 401
    assert all(not left for left in committed["teardown"].values())
    assert all(pod["ready_s"] is not None for pod in committed["pods"])


def _case(committed: dict, name: str) -> dict:
    (case,) = [case for case in committed["cases"] if case["case"] == name]
    return case
