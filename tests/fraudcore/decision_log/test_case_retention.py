"""Analysts' records past their retention: deleted by wall-clock age, table by table, the
newer kept, and the deletion itself audited."""

import datetime as dt

import pytest

from fraudcore.decision_log.audit import AuditAction, changes
from fraudcore.decision_log.case_retention import AGED_BY, expire_case_history
from fraudcore.decision_log.contract import AUDIT, DISAGREEMENTS, VERDICTS

pytestmark = pytest.mark.integration

NOW = dt.datetime(2027, 6, 1, 12, 0, tzinfo=dt.UTC)
EVENT = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


def _history(conn, at: dt.datetime, tx: str) -> None:
    """A verdict, a disagreeing label and an audit event of ``tx``, all at ``at``."""
    conn.execute(
        f"INSERT INTO {VERDICTS} (transaction_id, event_time, analyst, verdict, comment, "
        "given_at, label_sent) VALUES (%s, %s, 'ana', 'fraud', '', %s, true)",
        (tx, EVENT, at),
    )
    conn.execute(
        f"INSERT INTO {DISAGREEMENTS} (transaction_id, event_time, is_fraud, scenario, "
        "labelled_at, source, received_at) VALUES (%s, %s, false, '', %s, 'chargeback', %s)",
        (tx, EVENT, at, at),
    )
    conn.execute(
        f"INSERT INTO {AUDIT} (at, actor, role, action, transaction_id) "
        "VALUES (%s, 'ana', 'analyst', 'verdict', %s)",
        (at, tx),
    )


def _left(conn) -> dict[str, list[str]]:
    left = {}
    for table in AGED_BY:
        query = f"SELECT transaction_id FROM {table} WHERE transaction_id IS NOT NULL ORDER BY 1"
        left[table] = [tx for (tx,) in conn.execute(query).fetchall()]
    return left


def test_rows_older_than_the_retention_go_and_the_rest_stay(decision_log) -> None:
    _history(decision_log, NOW - dt.timedelta(days=400, seconds=1), "tx-old")
    _history(decision_log, NOW - dt.timedelta(days=400), "tx-at-the-cut")  # not older: kept
    _history(decision_log, NOW - dt.timedelta(days=3), "tx-new")
    expired = expire_case_history(decision_log, NOW, 400)
    assert expired.before == NOW - dt.timedelta(days=400)
    assert expired.deleted == {VERDICTS: 1, DISAGREEMENTS: 1, AUDIT: 1}
    assert _left(decision_log) == {table: ["tx-at-the-cut", "tx-new"] for table in AGED_BY}
    (event,) = changes(decision_log, AuditAction.RETENTION, "retention_days", None)
    assert (event["actor"], event["role"], event["transaction_id"]) == (
        "fraud-decisions maintain", "system", None
    )  # fmt: skip
    assert event["detail"] == {
        "before": expired.before.isoformat(),
        "retention_days": 400,
        "deleted": {VERDICTS: 1, DISAGREEMENTS: 1, AUDIT: 1},
    }


def test_a_second_run_deletes_nothing_more_and_keeps_its_own_trail(decision_log) -> None:
    _history(decision_log, NOW - dt.timedelta(days=500), "tx-old")
    expire_case_history(decision_log, NOW, 400)
    again = expire_case_history(decision_log, NOW + dt.timedelta(hours=1), 400)
    assert again.deleted == {VERDICTS: 0, DISAGREEMENTS: 0, AUDIT: 0}
    # The first run's own event is younger than the cut-off: both runs stay on the trail.
    assert len(changes(decision_log, AuditAction.RETENTION, "retention_days", None)) == 2


def test_a_naive_time_is_refused(decision_log) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        expire_case_history(decision_log, NOW.replace(tzinfo=None), 400)
