"""The registry's schema: its own migration set beside the decision log's, an append-only
history, and one champion and one challenger at most even for a direct UPDATE."""

import psycopg
import pytest

from fraudcore.decision_log import connect
from fraudcore.decision_log import migrate as migrate_log
from fraudcore.decision_log.migrator import migrations as log_migrations
from fraudcore.model_registry import Status, history, promote, register, schema
from fraudcore.model_registry.contract import MIGRATIONS, NOTIFY_CHANNEL

pytestmark = pytest.mark.integration
WHO = {"actor": "alice", "reason": "test"}


def test_both_migration_sets_apply_in_one_database_in_any_order(database_factory) -> None:
    with connect(database_factory()) as conn:
        assert [m.version for m in schema.pending(conn)] == [1, 2]
        assert [m.name for m in schema.migrate(conn)] == ["model_registry", "evaluations"]
        assert len(migrate_log(conn)) == len(log_migrations())
        assert schema.migrate(conn) == []
        assert schema.pending(conn) == []
        rows = conn.execute(f"SELECT version, name FROM {MIGRATIONS} ORDER BY 1").fetchall()
        assert rows == [(1, "model_registry"), (2, "evaluations")]


def test_the_history_is_append_only(registry_db, store, variant) -> None:
    register(registry_db, store, variant("m-1"), **WHO)
    for statement in ("UPDATE model_events SET reason = 'rewritten'",
                      "DELETE FROM model_events", "TRUNCATE model_events CASCADE"):  # fmt: skip
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            registry_db.execute(statement)
    assert [e.reason for e in history(registry_db)] == ["test"]


def test_the_database_allows_one_champion_whatever_the_code(registry_db, store, variant) -> None:
    for version in ("m-1", "m-2"):
        register(registry_db, store, variant(version), **WHO)
    promote(registry_db, "m-1", Status.CHAMPION, **WHO)
    with pytest.raises(psycopg.errors.UniqueViolation):
        registry_db.execute(
            "UPDATE model_versions SET status = 'champion' WHERE model_version = 'm-2'"
        )


def test_every_change_is_announced_to_listeners(
    registry_db, registry_settings, store, variant
) -> None:
    with connect(registry_settings) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        register(registry_db, store, variant("m-1"), **WHO)
        promote(registry_db, "m-1", Status.CHAMPION, "bob", "go")
        received = [n.payload for n in listener.notifies(timeout=5, stop_after=2)]
    assert len(received) == 2
    assert '"to_status":"champion"' in received[1]
    assert '"actor":"bob"' in received[1]
