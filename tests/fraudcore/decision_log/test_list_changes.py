"""Every list change recorded under the lists' revision it made (migration 0009, backfilled from
the audit trail): a consumer's source loads only the changes since the revision it holds, the
same entries in force at every instant as a full load (expiries to the microsecond), at a small
part of a full load's CPU with a list of 10,000 entries; a change not recorded means a full load."""

import datetime as dt
import time

import pytest

from fraudcore.decision_log import connect
from fraudcore.decision_log.list_store import add, changes_since, load, remove
from fraudcore.decision_log.migrator import migrate, migrations
from fraudcore.decision_log.rules_in_force import DatabaseRules

pytestmark = pytest.mark.integration
ENTRIES = 10_000
WHO = {"actor": "ana", "role": "rules-admin", "reason": "test"}


def in_force(lists, at: float) -> dict[str, frozenset[str]]:
    return {name: values for name, values in lists.snapshot(at).items() if values}


def fill(conn, count: int) -> None:
    """``count`` cards on blocked_cards as that many changes would leave them (one statement
    each, rather than ``count`` audited transactions); every tenth expires in an hour."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO list_entries (list_name, value, source, added_by, reason, expires_at) "
            "SELECT 'blocked_cards', format('card-%%s', n), 'hand', 'ana', 'bulk', "
            "CASE WHEN n %% 10 = 0 THEN now() + interval '1 hour' END "
            "FROM generate_series(1, %s) n", (count,)
        )  # fmt: skip
        conn.execute(
            "INSERT INTO list_changes (revision, list_name, value, source, expires_at) "
            "SELECT n, list_name, value, source, expires_at FROM list_entries e "
            "JOIN generate_series(1, %s) n ON e.value = format('card-%%s', n)", (count,)
        )  # fmt: skip
        conn.execute("UPDATE rules_revision SET lists_revision = %s", (count,))


def test_a_source_loads_only_the_changes_with_expiries_exact(database_factory) -> None:
    settings = database_factory()
    with connect(settings) as conn:
        migrate(conn)
        fill(conn, ENTRIES)
    source = DatabaseRules(settings, poll_s=3600, application="test")  # reloads when told
    try:
        assert source.current().lists_revision == ENTRIES
        assert len(in_force(source.current().lists, time.time())["blocked_cards"]) == ENTRIES
        soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)
        with connect(settings) as conn:
            add(conn, "blocked_cards", "card-new", expires_at=soon, **WHO)
            remove(conn, "blocked_cards", "card-1", **WHO)
            add(conn, "blocked_cards", "card-10", **WHO)  # an hour's expiry made permanent
            add(conn, "watched_countries", "FR", **WHO)
            began = time.thread_time()
            assert source.refresh()
            incremental = time.thread_time() - began
            began = time.thread_time()
            at, full = load(conn)
            full.snapshot(time.time())
            full_load = time.thread_time() - began
        loaded = source.current()
        assert loaded.lists_revision == at == ENTRIES + 4
        edge = soon.timestamp()
        for instant in (time.time(), edge - 1e-6, edge, edge + 1, time.time() + 3601):
            assert in_force(loaded.lists, instant) == in_force(full, instant), instant
        now = in_force(loaded.lists, time.time())
        assert now["watched_countries"] == {"FR"}
        assert {"card-new", "card-10"} <= now["blocked_cards"]
        assert "card-1" not in now["blocked_cards"]
        assert "card-new" not in in_force(loaded.lists, edge)["blocked_cards"]
        assert "card-20" not in in_force(loaded.lists, time.time() + 3601)["blocked_cards"]
        assert "card-10" in in_force(loaded.lists, time.time() + 3601)["blocked_cards"]
        print(f"{ENTRIES} entries: 4 changes loaded in {incremental * 1000:.1f} ms of CPU, "
              f"a full load {full_load * 1000:.1f} ms")  # fmt: skip
        assert incremental * 5 < full_load

        # A change the table lacks (made before it existed, say): every entry, loaded again.
        with connect(settings) as conn:
            add(conn, "blocked_cards", "card-gap", **WHO)
            conn.execute("DELETE FROM list_changes WHERE revision = %s", (ENTRIES + 5,))
            assert changes_since(conn, ENTRIES + 4) is None
            add(conn, "blocked_cards", "card-after", **WHO)
        assert source.refresh()
        assert {"card-gap", "card-after"} <= in_force(source.current().lists, time.time())[
            "blocked_cards"
        ]
    finally:
        source.close()


def test_migration_9_records_the_changes_made_before_it(database_factory) -> None:
    with connect(database_factory()) as conn:
        migrate(conn)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
        add(conn, "blocked_cards", "card-1", **WHO)
        add(conn, "blocked_merchants", "m-1", expires_at=later, **WHO)
        remove(conn, "blocked_cards", "card-1", **WHO)
        add(conn, "blocked_cards", "card-2", **WHO)
        # As before 0009: the changes in the audit trail only; then the migration, once more.
        (migration_9,) = [m for m in migrations() if m.version == 9]
        conn.execute("DROP TABLE list_changes")
        conn.execute(migration_9.text)
        at, changes = changes_since(conn, 0) or (None, [])
        assert at == 4
        assert [(c.name, c.value, c.source is None) for c in changes] == [
            ("blocked_cards", "card-1", False), ("blocked_merchants", "m-1", False),
            ("blocked_cards", "card-1", True), ("blocked_cards", "card-2", False),
        ]  # fmt: skip
        assert changes[1].expires_at == pytest.approx(later.timestamp(), abs=1e-6)
        _, full = load(conn)
        replayed = type(full)().changed(changes)
        assert in_force(replayed, time.time()) == in_force(full, time.time())
        add(conn, "blocked_cards", "card-3", **WHO)  # recorded by list_store from now on
        assert [c.value for c in (changes_since(conn, 4) or (0, []))[1]] == ["card-3"]
