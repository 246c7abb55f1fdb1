"""The acceptance rules of `make k8s-e2e`, judged from the raw figures a run records.

The run marks each case and check with them, and ``report.problems`` judges a stored report
again with them, so a report's "passed" never says more than its own figures do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Figures = Mapping[str, Any]
HELM_TESTS = 2  # the chart's test hooks: the scorer's readiness and a scored probe payment
# The plain case streams at the fixed rate (within 5%). Under a fault the producer pod shares
# two cores with pods being replaced or rolled, so it may fall behind, but never below half:
# the fault must have met real traffic.
RATE_SHARE = {"plain": 0.95}
FAULT_RATE_SHARE = 0.5
DECISIONS = ("approve", "review", "block")


def case_passed(case: Figures) -> bool:
    """Every payment the case's producer sent was scored exactly once and has exactly one row
    in the decision log, none went elsewhere, the consumer group caught up, only the poison was
    dead-lettered, at the rate the case needs."""
    producer, details = case["producer"], case.get("details", {})
    return bool(
        case["requested"] == case["produced"] == case["scored"] == producer.get("transactions")
        and case["logged"] == case["log_rows"] == case["produced"]
        and case["lost"] == case["produced"] - case["scored"] == 0
        and case["doubled"] == case["valid_dead_lettered"] == case["lag"] == 0
        and details.get("foreign_messages", 0) == 0
        and details.get("resent_by_the_producer", 0) == 0
        and case["dead_lettered"] == case["poison"] == producer.get("poison", 0)
        and case["offsets_advanced"] == case["produced"] + case["poison"]
        and producer.get("delivery_errors") == 0
        and float(producer.get("achieved_tps", 0)) >= _least_rate(case) > 0
    )


def _least_rate(case: Figures) -> float:
    share = RATE_SHARE.get(case["case"], FAULT_RATE_SHARE)
    return share * float(case.get("details", {}).get("rate_tps", 0))


def dashboard_stream(check: Figures, plain: Figures) -> bool:
    """The dashboard's SSE stream delivered every payment the plain case scored."""
    return check.get("error") is None and check["points"] == plain["scored"] > 0


def readiness_while_kafka_stopped(check: Figures, after: Figures) -> bool:
    """Not Ready while the broker was away, Ready again without a restart, then exact."""
    return (
        check["not_ready_pods_while_down"] is True
        and check["consumer_not_ready_after_s"] is not None
        and check["ready_again_after_start_s"] is not None
        and check["consumer_restarts"] == 0
        and case_passed(after)
    )


def readiness_while_database_stopped(check: Figures, case: Figures) -> bool:
    """The consumer paused while PostgreSQL was away (not Ready, nothing scored, the lag grew),
    was Ready again without a restart once it was back, and the stream stayed exact."""
    lag = check["lag_while_down"]
    return (
        check["not_ready_while_down"] is True
        and check["consumer_not_ready_after_s"] is not None
        and check["consumer_ready_after_start_s"] is not None
        and check["scored_while_down"] == 0
        and lag[-1] >= lag[0] > 0
        and check["consumer_restarts"] == 0
        and case_passed(case)
    )


def dashboard_reads_the_log(check: Figures) -> bool:
    """Every sampled decision came back from the dashboard as the log holds it; an id never
    sent is not found."""
    looked_up = int(check["looked_up"])
    return (
        looked_up > 0
        and check["statuses"] == {"200": looked_up}
        and check["same_as_the_log"] == looked_up
        and check["unknown_id_status"] == 404
    )


def decision_log_migrated(check: Figures) -> bool:
    """The chart's migrate init container succeeded and the schema has every migration."""
    return (
        check["migrate_exit_code"] == 0
        and "migrate" in check["init_containers"]
        and check["applied"] == check["carried"] != []
    )


def log_after_the_run(check: Figures, cases: Mapping[str, Figures], before_cases: int) -> bool:
    """At the end every case still has one row per payment produced, no id has two, and the
    only other rows are the payments the chart's own producer sent before the cases began."""
    rows = check["rows_by_case"]
    return (
        set(rows) == set(cases)
        and all(rows[name] == case["produced"] > 0 for name, case in cases.items())
        and check["doubled"] == 0
        and check["rows"] == sum(rows.values()) + before_cases
    )


def liveness_restarts_a_stalled_consumer(check: Figures, case: Figures) -> bool:
    """The kubelet restarted the stalled container in place, and the stream stayed exact."""
    return (
        check.get("same_pod") is True
        and check.get("restarted_after_s") is not None
        and check.get("ready_again_after_s") is not None
        and case_passed(case)
    )


def helm_test(check: Figures) -> bool:
    """helm exited 0 and every test hook's pod Succeeded."""
    suites = [line for line in check["output"] if line.startswith("TEST SUITE")]
    phases = [line.split()[-1] for line in check["output"] if line.startswith("Phase:")]
    return (
        check["exit_code"] == 0
        and len(suites) == HELM_TESTS
        and phases == ["Succeeded"] * HELM_TESTS
    )


def helm_upgrade_under_traffic(check: Figures, case: Figures, services: tuple[str, ...]) -> bool:
    """Every running service moved to the new tag, none was ever without a Ready pod, exact."""
    images, fewest = check["images"], check["fewest_ready_pods_during_rollout"]
    return (
        set(images) == set(services) == set(fewest)
        and all(image.endswith(f":{check['to_tag']}") for image in images.values())
        and all(count >= 1 for count in fewest.values())
        and case_passed(case)
    )


def scorer_api(api: Figures) -> bool:
    """Scored through its Service with the key; refused without it."""
    return (
        api["status"] == 200 and api["without_key_status"] == 401 and api["decision"] in DECISIONS
    )


def judge_checks(
    checks: Mapping[str, Figures],
    cases: Mapping[str, Figures],
    services: tuple[str, ...],
    installed: Figures,
) -> dict[str, bool]:
    """Each check judged again from its figures and the case it rests on (False if missing)."""
    rules: dict[str, Callable[[Figures], bool]] = {
        "dashboard_stream": lambda c: dashboard_stream(c, cases["plain"]),
        "readiness_while_kafka_stopped": lambda c: readiness_while_kafka_stopped(
            c, cases["after Kafka was stopped and started"]
        ),
        "liveness_restarts_a_stalled_consumer": lambda c: liveness_restarts_a_stalled_consumer(
            c, cases["consumer loop stalled (liveness restart)"]
        ),
        "readiness_while_database_stopped": lambda c: readiness_while_database_stopped(
            c, cases["PostgreSQL stopped mid-stream"]
        ),
        "dashboard_reads_the_log": dashboard_reads_the_log,
        "decision_log_migrated": decision_log_migrated,
        "log_after_the_run": lambda c: log_after_the_run(
            c, cases, installed["scored_from_the_chart_producer"]
        ),
        "helm_test": helm_test,
        "helm_upgrade_under_traffic": lambda c: helm_upgrade_under_traffic(
            c, cases["helm upgrade to a new image tag mid-stream"], services
        ),
    }
    judged: dict[str, bool] = {}
    for name, rule in rules.items():
        try:
            judged[name] = name in checks and rule(checks[name])
        except (KeyError, TypeError, ValueError, AttributeError):
            judged[name] = False  # a figure the rule needs is missing or malformed
    return judged
