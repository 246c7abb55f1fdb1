"""The gate in the registry: an evaluation is kept (append-only) with a line in the history, a
champion promotion of a version whose latest evaluation failed is refused unless forced, and a
forced one names the evaluation it overrode."""

import datetime as dt

import psycopg
import pytest

from fraudcore.model_registry import (
    GateFailedError,
    Status,
    evaluations,
    history,
    latest_evaluation,
    promote,
    record_evaluation,
    register,
    rollback,
)
from fraudcore.model_registry.contract import Action

pytestmark = pytest.mark.integration
WHO = {"actor": "alice", "reason": "test"}
WINDOW = (dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 3, 8, tzinfo=dt.UTC))
GATES = {"ap_margin": 0.05}


def _judge(conn: psycopg.Connection, version: str, passed: bool) -> int:
    result = {"gates": {"ap": {"passed": passed}, "latency": {"passed": True}}}
    return record_evaluation(conn, version, "m-1", WINDOW, passed=passed, gates=GATES,
                             result=result, actor="gate").evaluation_id  # fmt: skip


@pytest.fixture
def champion_and_candidate(registry_db, store, variant) -> psycopg.Connection:
    for version in ("m-1", "m-2"):
        register(registry_db, store, variant(version), **WHO)
    promote(registry_db, "m-1", Status.CHAMPION, **WHO)
    return registry_db


def test_an_evaluation_is_kept_with_its_line_in_the_history(champion_and_candidate) -> None:
    conn = champion_and_candidate
    first = _judge(conn, "m-2", passed=False)
    second = _judge(conn, "m-2", passed=True)
    kept = evaluations(conn, "m-2")
    assert [e.evaluation_id for e in kept] == [first, second]
    assert [e.passed for e in kept] == [False, True]
    assert kept[0].gates == GATES
    assert kept[0].window_from == WINDOW[0]
    latest = latest_evaluation(conn, "m-2")
    assert latest is not None
    assert latest.evaluation_id == second
    lines = [e for e in history(conn, "m-2") if e.action is Action.EVALUATE]
    assert [(e.from_status, e.to_status, e.actor) for e in lines] == [
        (Status.CANDIDATE, Status.CANDIDATE, "gate")
    ] * 2
    assert lines[0].reason == f"gate failed against m-1 (evaluation {first})"
    for statement in (
        "UPDATE model_evaluations SET passed = true",
        "DELETE FROM model_evaluations",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute(statement)


def test_a_failed_gate_refuses_the_champion_unless_forced(champion_and_candidate) -> None:
    conn = champion_and_candidate
    failed = _judge(conn, "m-2", passed=False)
    with pytest.raises(GateFailedError, match=r"m-2 failed its gate against m-1 .*: ap\)"):
        promote(conn, "m-2", Status.CHAMPION, **WHO)
    # Shadow is never acted on: a failed candidate may still be watched live.
    promote(conn, "m-2", Status.CHALLENGER, **WHO)
    events = promote(conn, "m-2", Status.CHAMPION, "bob", "the window was a holiday", force=True)
    assert events[-1].overrode_evaluation == failed
    assert (events[-1].actor, events[-1].reason) == ("bob", "the window was a holiday")
    assert history(conn, "m-2")[-1].overrode_evaluation == failed


def test_a_passed_or_missing_evaluation_lets_the_promotion_through(champion_and_candidate) -> None:
    conn = champion_and_candidate
    _judge(conn, "m-2", passed=False)
    _judge(conn, "m-2", passed=True)  # the latest verdict is the one held
    assert promote(conn, "m-2", Status.CHAMPION, **WHO)[-1].overrode_evaluation is None
    # An evaluation of the champion is no promotion: rollback still finds m-1.
    _judge(conn, "m-2", passed=True)
    assert [e.model_version for e in rollback(conn, **WHO)] == ["m-2", "m-1"]
