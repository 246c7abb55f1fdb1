"""Each check is judged from its own figures: one broken figure fails it, and a report whose
recorded verdict says more than its figures is refused (report.problems judges again)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fraud_k8se2e import report, rules
from fraud_k8se2e.images import ROLLED


@pytest.mark.parametrize(
    ("check", "changes"),
    [
        ("dashboard_stream", {"points": 99}),
        ("dashboard_stream", {"error": "ReadTimeout: x"}),
        ("readiness_while_kafka_stopped", {"not_ready_pods_while_down": False}),
        ("readiness_while_kafka_stopped", {"consumer_restarts": 1}),
        ("decision_log_migrated", {"migrate_exit_code": 1}),
        ("decision_log_migrated", {"init_containers": ["history", "backfill"]}),
        ("decision_log_migrated", {"applied": [1, 2, 3]}),
        ("decision_log_migrated", {"applied": [], "carried": []}),
        ("dashboard_reads_the_log", {"statuses": {"200": 24, "503": 1}}),
        ("dashboard_reads_the_log", {"same_as_the_log": 24}),
        ("dashboard_reads_the_log", {"unknown_id_status": 200}),
        ("dashboard_reads_the_log", {"looked_up": 0, "statuses": {}, "same_as_the_log": 0}),
        ("readiness_while_database_stopped", {"not_ready_while_down": False}),
        ("readiness_while_database_stopped", {"scored_while_down": 40}),
        ("readiness_while_database_stopped", {"lag_while_down": [0, 0]}),
        ("readiness_while_database_stopped", {"lag_while_down": [900, 400]}),
        ("readiness_while_database_stopped", {"consumer_restarts": 1}),
        ("readiness_while_database_stopped", {"consumer_ready_after_start_s": None}),
        ("log_after_the_run", {"doubled": 1}),
        ("log_after_the_run", {"rows_by_case": dict.fromkeys(report.CASES, 100) | {"plain": 99}}),
        ("log_after_the_run", {"rows_by_case": {"plain": 100}}),
        ("log_after_the_run", {"rows": 901}),  # a row no case and no chart producer accounts for
        ("liveness_restarts_a_stalled_consumer", {"same_pod": False}),
        ("liveness_restarts_a_stalled_consumer", {"restarted_after_s": None}),
        ("helm_test", {"exit_code": 1}),
        ("helm_test", {"output": ["TEST SUITE:     a", "Phase:          Succeeded"]}),
        ("helm_test", {"output": ["TEST SUITE:     a", "Phase:          Succeeded",
                                  "TEST SUITE:     b", "Phase:          Failed"]}),
        ("helm_upgrade_under_traffic", {"to_tag": "0.1.0-e2e.3"}),
        ("helm_upgrade_under_traffic", {"fewest_ready_pods_during_rollout":
                                        dict.fromkeys(ROLLED, 1) | {"scorer": 0}}),
        ("helm_upgrade_under_traffic", {"images": {"consumer": "fraud-consumer:0.1.0-e2e.2"}}),
        ("helm_upgrade_under_traffic", {"rollout_s": None, "images": None}),
    ],
)  # fmt: skip
def test_one_broken_figure_fails_the_check(
    passing_report: dict[str, Any], check: str, changes: dict[str, Any]
) -> None:
    broken = copy.deepcopy(passing_report)
    broken["checks"][check].update(changes)
    cases = {case["case"]: case for case in broken["cases"]}
    judged = rules.judge_checks(broken["checks"], cases, ROLLED, broken["installed"])
    assert judged == {name: name != check for name in report.CHECKS}
    assert f"check failed: {check}" in report.problems(broken)


@pytest.mark.parametrize(
    ("check", "case"),
    [
        ("readiness_while_kafka_stopped", "after Kafka was stopped and started"),
        ("readiness_while_database_stopped", "PostgreSQL stopped mid-stream"),
        ("liveness_restarts_a_stalled_consumer", "consumer loop stalled (liveness restart)"),
        ("helm_upgrade_under_traffic", "helm upgrade to a new image tag mid-stream"),
    ],
)
def test_a_check_fails_with_the_stream_it_rests_on(
    passing_report: dict[str, Any], check: str, case: str
) -> None:
    broken = copy.deepcopy(passing_report)
    (stream,) = [c for c in broken["cases"] if c["case"] == case]
    stream.update(doubled=1)  # its verdict still says passed: the judge reads the figures
    found = report.problems(broken)
    assert f"check failed: {check}" in found
    assert f"{case}: recorded passed=True, its figures say False" in found


def test_a_recorded_verdict_never_outranks_the_figures(passing_report: dict[str, Any]) -> None:
    broken = copy.deepcopy(passing_report)
    broken["checks"]["dashboard_stream"]["points"] = 0
    broken["scorer_api"]["without_key_status"] = 200  # the API let a caller in without its key
    found = report.problems(broken)
    assert "check dashboard_stream: recorded passed disagrees with its figures" in found
    assert "the scorer's API through its Service" in found
    honest = copy.deepcopy(passing_report)
    honest["checks"]["helm_test"]["passed"] = False  # a failing verdict on passing figures
    assert report.problems(honest) == [
        "check helm_test: recorded passed disagrees with its figures"
    ]


def test_a_report_without_figures_fails_everything() -> None:
    found = report.problems({})
    assert len([p for p in found if p.startswith("case missing")]) == len(report.CASES)
    assert len([p for p in found if p.startswith("check failed")]) == len(report.CHECKS)
    assert "left after teardown: ? ['no teardown']" in found
    assert "pod never Ready: none recorded" in found
