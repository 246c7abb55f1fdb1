"""Made-up figures of a run that passes every rule, for the rules' tests to break one by one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fraud_k8se2e import report
from fraud_k8se2e.images import ROLLED
from fraud_k8se2e.traffic import Outcome

TAG = "0.1.0-e2e.2"


def make_outcome(**changes: Any) -> Outcome:
    fields: dict[str, Any] = {
        "case": "plain", "requested": 100, "produced": 100, "scored": 100, "logged": 100,
        "log_rows": 100, "lost": 0,
        "doubled": 0, "poison": 2, "dead_lettered": 2, "valid_dead_lettered": 0,
        "offsets_advanced": 102, "lag": 0, "seconds": 1.0,
        "producer": {"transactions": 100, "poison": 2, "delivery_errors": 0, "achieved_tps": 200},
        "details": {"foreign_messages": 0, "resent_by_the_producer": 0, "rate_tps": 200,
                    "run_id": "e2e0123456789"},
    }  # fmt: skip
    fields.update(changes)
    return Outcome(**fields)


def passing_checks() -> dict[str, dict[str, Any]]:
    return {
        "dashboard_stream": {"points": 100, "batches": 7, "error": None, "passed": True},
        "readiness_while_kafka_stopped": {
            "consumer_not_ready_after_s": 5.0,
            "ready_again_after_start_s": 0.5,
            "consumer_restarts": 0,
            "not_ready_pods_while_down": True,
            "passed": True,
        },
        "decision_log_migrated": {
            "init_containers": ["history", "backfill", "migrate"],
            "migrate_exit_code": 0,
            "applied": [1, 2, 3, 4],
            "carried": [1, 2, 3, 4],
            "passed": True,
        },
        "dashboard_reads_the_log": {
            "looked_up": 25,
            "statuses": {"200": 25},
            "same_as_the_log": 25,
            "with_label_joined": 20,
            "unknown_id_status": 404,
            "passed": True,
        },
        "readiness_while_database_stopped": {
            "pod_gone_after_s": 2.0,
            "consumer_not_ready_after_s": 6.0,
            "scored_while_down": 0,
            "lag_while_down": [900, 1300],
            "not_ready_while_down": True,
            "database_down_s": 16.0,
            "database_ready_after_start_s": 4.0,
            "consumer_ready_after_start_s": 6.0,
            "consumer_restarts": 0,
            "passed": True,
        },
        "log_after_the_run": {
            "rows_by_case": dict.fromkeys(report.CASES, 100),
            "rows": 900,
            "doubled": 0,
            "passed": True,
        },
        "liveness_restarts_a_stalled_consumer": {
            "same_pod": True,
            "restarted_after_s": 40.0,
            "ready_again_after_s": 45.0,
            "passed": True,
        },
        "helm_test": {
            "exit_code": 0,
            "passed": True,
            "output": [
                "TEST SUITE:     a",
                "Phase:          Succeeded",
                "TEST SUITE:     b",
                "Phase:          Succeeded",
            ],
        },
        "helm_upgrade_under_traffic": {
            "to_tag": TAG,
            "rollout_s": 30.0,
            "passed": True,
            "images": {name: f"fraud-{name}:{TAG}" for name in ROLLED},
            "fewest_ready_pods_during_rollout": dict.fromkeys(ROLLED, 1),
        },
    }


@pytest.fixture
def outcome() -> Callable[..., Outcome]:
    return make_outcome


@pytest.fixture
def passing_report() -> dict[str, Any]:
    return {
        "cases": [make_outcome(case=name).as_dict() for name in report.CASES],
        "checks": passing_checks(),
        "installed": {"scored_from_the_chart_producer": 200},  # the log's 900 rows less 7 x 100
        "scorer_api": {
            "status": 200,
            "without_key_status": 401,
            "decision": "approve",
            "passed": True,
        },
        "teardown": {"processes": [], "mounts": [], "iptables_chains": []},
        "pods": [
            {"component": "scorer", "pod": "a", "running_s": 1.0, "ready_s": 3.0, "restarts": 0}
        ],
    }
