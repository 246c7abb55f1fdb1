"""Lists in the decision log's database: entries with who, why, when and until when, each change
audited with before and after and moving the lists' revision (never the rules'); expired entries
no longer loaded; the known-compromised policy lists a card once per confirmed fraud, an automatic
entry never replacing one in force; migration 0008 brings R05 to rules that are data already."""

import datetime as dt
import math

import pytest

from fraudcore.decision_log import DecisionLogWriter, apply_labels, connect
from fraudcore.decision_log.audit import AuditAction
from fraudcore.decision_log.contract import MIGRATIONS
from fraudcore.decision_log.list_store import (
    POLICY_ROLE,
    Confirmed,
    add,
    entries,
    history,
    list_compromised,
    load,
    remove,
    revisions,
)
from fraudcore.decision_log.migrator import _LOCK, apply, migrate, migrations
from fraudcore.decision_log.rule_store import load as load_rules
from fraudcore.rules.baseline import KNOWN_COMPROMISED
from fraudcore.rules.lists import COMPROMISED_CARDS, ListError, Source
from fraudcore.schemas import Label, LabelSource

pytestmark = pytest.mark.integration
NOW = dt.datetime.now(dt.UTC)


def test_changes_are_audited_and_move_the_lists_revision_only(decision_log) -> None:
    conn = decision_log
    added = add(conn, "blocked_merchants", "merch-7", actor="ana", role="rules-admin",
                reason="skimming", expires_at=NOW + dt.timedelta(days=1))  # fmt: skip
    assert added is not None
    assert added.before is None
    assert added.after is not None
    assert added.after["added_by"] == "ana"
    replaced = add(conn, "blocked_merchants", "merch-7", actor="bo", role="rules-admin",
                   reason="for good")  # fmt: skip
    assert replaced is not None
    assert replaced.before == added.after
    assert replaced.after is not None
    assert replaced.after["expires_at"] is None
    removed = remove(conn, "blocked_merchants", "merch-7", actor="cy", role="rules-admin",
                     reason="cleared")  # fmt: skip
    assert removed is not None
    assert removed.after is None
    assert remove(conn, "blocked_merchants", "merch-7", actor="cy", role="r", reason="x") is None
    assert revisions(conn) == (0, 3)
    trail = history(conn, "blocked_merchants")
    assert [(e["actor"], e["detail"]["reason"]) for e in trail] == [
        ("ana", "skimming"), ("bo", "for good"), ("cy", "cleared")
    ]  # fmt: skip
    assert trail[1]["detail"]["before"]["reason"] == "skimming"
    assert trail[2]["detail"]["after"] is None
    with pytest.raises(ListError, match="say why"):
        add(conn, "blocked_cards", "card-1", actor="ana", role="r", reason=" ")
    with pytest.raises(ListError, match="no list"):
        add(conn, "blocked_card", "card-1", actor="ana", role="r", reason="typo")
    assert revisions(conn) == (0, 3)  # refusals change nothing


def test_expired_entries_are_shown_but_not_loaded(decision_log) -> None:
    conn = decision_log
    add(conn, "blocked_cards", "card-old", actor="ana", role="r", reason="old",
        expires_at=NOW - dt.timedelta(seconds=1))  # fmt: skip
    add(conn, "blocked_cards", "card-soon", actor="ana", role="r", reason="soon",
        expires_at=NOW + dt.timedelta(hours=1))  # fmt: skip
    add(conn, "watched_countries", "KP", actor="ana", role="r", reason="sanctions")
    at, lists = load(conn)
    assert at == 3
    in_force = lists.snapshot(NOW.timestamp())
    assert in_force == {
        "blocked_cards": frozenset({"card-soon"}), "watched_countries": frozenset({"KP"})
    }  # fmt: skip
    (soon,) = lists.entries("blocked_cards")
    assert soon.expires_at == pytest.approx((NOW + dt.timedelta(hours=1)).timestamp(), abs=1e-3)
    assert lists.entries("watched_countries")[0].expires_at == math.inf
    assert lists.snapshot(soon.expires_at)["blocked_cards"] == frozenset()  # it expires in memory
    shown = {(e["value"], e["expired"]) for e in entries(conn, "blocked_cards")}
    assert shown == {("card-old", True), ("card-soon", False)}


def test_confirmed_fraud_lists_its_card_once_and_keeps_a_hand_entry(decision_log, make_row):
    conn = decision_log
    rows = [make_row(card_id=card) for card in ("card-a", "card-b", "card-c")]
    DecisionLogWriter(conn).write(rows)
    add(conn, COMPROMISED_CARDS, "card-c", actor="ana", role="rules-admin", reason="by hand",
        expires_at=NOW + dt.timedelta(days=3))  # fmt: skip
    labels = [
        Label(transaction_id=rows[0].transaction_id, is_fraud=True, scenario="x",
              labelled_at=NOW, source=LabelSource.ANALYST, analyst="bo"),
        Label(transaction_id=rows[1].transaction_id, is_fraud=True, scenario="x", labelled_at=NOW),
        Label(transaction_id=rows[2].transaction_id, is_fraud=True, scenario="x", labelled_at=NOW),
    ]  # fmt: skip
    apply_labels(conn, labels)
    confirmed = [Confirmed(row.card_id, label.transaction_id, label.source, label.analyst)
                 for row, label in zip(rows, labels, strict=True)]  # fmt: skip
    with conn.transaction():
        changes = list_compromised(conn, confirmed)
    assert [c.value for c in changes] == ["card-a", "card-b"]  # card-c was there already
    assert list_compromised(conn, confirmed) == []
    stored = {e["value"]: e for e in entries(conn, COMPROMISED_CARDS)}
    assert stored["card-a"]["source"] == Source.VERDICT
    assert stored["card-a"]["added_by"] == "bo"
    assert stored["card-a"]["transaction_id"] == rows[0].transaction_id
    assert stored["card-b"]["source"] == Source.POLICY
    chargeback = f"fraud confirmed on {rows[1].transaction_id} by a chargeback"
    assert stored["card-b"]["reason"] == chargeback
    assert stored["card-c"]["reason"] == "by hand"  # never replaced by the policy
    audited = conn.execute(
        "SELECT actor, role, transaction_id FROM audit_events WHERE action = %s AND role = %s "
        "ORDER BY event_id", (AuditAction.LIST_CHANGE.value, POLICY_ROLE)
    ).fetchall()  # fmt: skip
    assert audited == [("bo", POLICY_ROLE, rows[0].transaction_id),
                       ("chargeback", POLICY_ROLE, rows[1].transaction_id)]  # fmt: skip


def test_migration_8_brings_the_policy_rule_to_rules_already_written(database_factory) -> None:
    with connect(database_factory()) as conn:
        apply(conn, migrations()[:7], MIGRATIONS, _LOCK)
        # What the release before wrote at its first change: R01-R04 only, revision 1.
        conn.execute(
            "INSERT INTO rules (rule_id, version, expression, action, reason, priority, status) "
            "VALUES ('R01-IMPOSSIBLE-TRAVEL', 1, 'distance_from_last_km > 1000', 'review', "
            "'travel', 100, 'active')"
        )
        conn.execute("UPDATE rules_revision SET revision = 1")
        assert [m.version for m in migrate(conn)] == [8, 9]
        at, definitions = load_rules(conn)
        assert at == 2
        assert KNOWN_COMPROMISED in definitions
        (event,) = conn.execute(
            "SELECT detail FROM audit_events WHERE action = 'rule_change'"
        ).fetchone()  # fmt: skip
        assert event["after"] == KNOWN_COMPROMISED.model_dump(mode="json")
        assert revisions(conn) == (2, 0)


def test_migration_8_leaves_a_baseline_database_at_revision_0(database_factory) -> None:
    with connect(database_factory()) as conn:
        migrate(conn)
        assert load_rules(conn)[0] == 0
        assert conn.execute("SELECT count(*) FROM rules").fetchone() == (0,)
