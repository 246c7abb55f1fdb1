"""Migrations: applied once each, the schema they make is the contract's, edits refused."""

import datetime as dt
import threading

import psycopg
import pytest

from fraudcore.decision_log import connect, get_decisions, migrate
from fraudcore.decision_log import migrator as module
from fraudcore.decision_log.contract import (
    CHALLENGER_COLUMNS,
    DECISION_COLUMNS,
    DECISIONS,
    FEATURE_SET_COLUMNS,
    FEATURE_SETS,
    LABEL_COLUMNS,
    LABELS,
    MIGRATIONS,
    RULE_COLUMNS,
)
from fraudcore.decision_log.migrator import MigrationError, migrations, pending
from fraudcore.decision_log.partitions import ensure_days

pytestmark = pytest.mark.integration


def _columns(conn: psycopg.Connection, table: str) -> tuple[str, ...]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return tuple(name for (name,) in rows)


def test_the_migrated_schema_is_the_contract(database_factory) -> None:
    with connect(database_factory()) as conn:
        assert [m.version for m in pending(conn)] == [m.version for m in migrations()]
        applied = migrate(conn)
        assert [m.version for m in applied] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
        # The writer's columns, with the queue's own, which triggers keep (migration 0005), then
        # the challenger's (0006) and the rules' (0007), joining at the end.
        before = DECISION_COLUMNS[: DECISION_COLUMNS.index(CHALLENGER_COLUMNS[0])]
        expected = (*before, "queue_closed_at", *CHALLENGER_COLUMNS, *RULE_COLUMNS)
        assert _columns(conn, DECISIONS) == expected
        assert _columns(conn, LABELS) == LABEL_COLUMNS
        assert _columns(conn, FEATURE_SETS) == FEATURE_SET_COLUMNS
        partitioned = conn.execute(
            "SELECT c.relname, pg_get_partkeydef(c.oid) FROM pg_partitioned_table p "
            "JOIN pg_class c ON c.oid = p.partrelid ORDER BY 1"
        ).fetchall()
        assert partitioned == [
            (LABELS, "RANGE (event_time)"),
            (DECISIONS, "RANGE (event_time)"),
        ]
        assert migrate(conn) == []
        assert pending(conn) == []


def test_concurrent_migrators_apply_each_migration_once(database_factory) -> None:
    settings = database_factory()
    results: list[object] = []

    def run() -> None:
        with connect(settings) as conn:
            try:
                results.append(len(migrate(conn)))
            except Exception as error:  # recorded: the assertion below shows it
                results.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 0, 0, len(migrations())]  # type: ignore[type-var]


def test_an_edited_or_unknown_migration_is_refused(database_factory) -> None:
    with connect(database_factory()) as conn:
        migrate(conn)
        conn.execute(f"UPDATE {MIGRATIONS} SET checksum = 'edited' WHERE version = 1")
        with pytest.raises(MigrationError, match="0001_decision_log was changed"):
            migrate(conn)
    with connect(database_factory()) as conn:
        migrate(conn)
        conn.execute(f"INSERT INTO {MIGRATIONS} (version, name, checksum) VALUES (99, 'x', 'y')")
        with pytest.raises(MigrationError, match=r"\[99\].*newer release"):
            migrate(conn)


def test_a_failing_migration_leaves_nothing_half_done(database_factory, monkeypatch) -> None:
    broken = module.Migration(1, "broken", "CREATE TABLE half (id int); SELECT 1/0;")
    monkeypatch.setattr(module, "migrations", lambda: [broken])
    with connect(database_factory()) as conn:
        with pytest.raises(psycopg.errors.DivisionByZero):
            migrate(conn)
        assert conn.execute("SELECT to_regclass('half')").fetchone() == (None,)
        assert conn.execute("SELECT to_regclass(%s)", (MIGRATIONS,)).fetchone() == (None,)


def test_decisions_and_labels_logged_before_later_migrations_stay(
    database_factory,
) -> None:
    with connect(database_factory()) as conn:
        first = migrations()[0]
        conn.execute(first.text.encode())
        module._create_history(conn)
        conn.execute(
            f"INSERT INTO {MIGRATIONS} (version, name, checksum) VALUES (1, %s, %s)",
            (first.name, first.checksum),
        )
        ensure_days(conn, [dt.date(2026, 3, 2)])
        conn.execute("INSERT INTO feature_sets (feature_set, names) VALUES ('fs', ARRAY['amount'])")
        old_columns = ", ".join(DECISION_COLUMNS[: DECISION_COLUMNS.index("country")])  # 0001's
        conn.execute(
            f"INSERT INTO {DECISIONS} ({old_columns}) VALUES ('tx-old', '2026-03-02T10:00Z', 'c', "
            "'m', 5.0, 'EUR', 'fs', '{5.0}', 0.7, 'v', 0.5, 0.9, '{}', '{amount}', 'review', "
            "0, 0, 0, 0, 0, 0, 0, 0, '2026-03-02T10:00:01Z')"
        )
        conn.execute(
            f"INSERT INTO {LABELS} (transaction_id, event_time, is_fraud, scenario, labelled_at) "
            "VALUES ('tx-old', '2026-03-02T10:00Z', true, 'card_testing', '2026-03-09T00:00Z')"
        )
        assert [m.version for m in migrate(conn)] == [2, 3, 4, 5, 6, 7, 8, 9]
        (found,) = get_decisions(conn, "tx-old")
        source = conn.execute(f"SELECT source, analyst FROM {LABELS}").fetchall()
        closed = conn.execute(f"SELECT queue_closed_at IS NOT NULL FROM {DECISIONS}").fetchone()
    assert closed == (True,)  # labelled before 0005: its case closed by the migration
    assert found.row["country"] is None
    assert source == [("chargeback", None)]  # every label before verdicts was a chargeback
    assert found.as_json()["merchant_name"] is None  # the payment's rest: unknown, not made up
    assert found.as_json()["challenger"] is None  # decided before challengers: none
    assert found.as_json()["reasons_in_words"] == [{"feature": "amount", "text": "amount 5.00"}]
