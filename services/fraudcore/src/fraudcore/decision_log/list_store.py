"""Lists in the decision log's database: every entry with who put it there, why, when and until
when; a lists revision consumers poll beside the rules' (one row, one read); every change audited.

Entries come by hand (``fraud-lists``), from an analyst's fraud verdict and from the
known-compromised policy: a fraud label that counts (``apply_labels`` said it is new) lists its
card on ``compromised_cards``, where rule R05 blocks it. Both automatic sources run in the label's
own transaction, so a label applied once lists its card once. An automatic entry never replaces
one in force (someone's expiry or reason stays); a hand entry replaces what was there. An expired
entry stops matching at its expiry (consumers drop it from memory then) and stays in the table,
shown as expired, until it is removed or replaced.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from fraudcore.decision_log.audit import AuditAction, changes, record
from fraudcore.decision_log.contract import LIST_CHANGES, LISTS, RULES_REVISION
from fraudcore.rules.listed_at import FOREVER, ListHistory
from fraudcore.rules.lists import COMPROMISED_CARDS, EntryChange, ListError, Lists, Source, check
from fraudcore.schemas import LabelSource, format_time

POLICY_ROLE = "known-compromised-policy"  # the audit's role for entries labels put there
_COLUMNS = ("source", "added_by", "reason", "added_at", "expires_at", "transaction_id")
_ENTRY = sql.SQL(
    "SELECT list_name, value, source, added_by, reason, added_at, expires_at, transaction_id, "
    "expires_at IS NOT NULL AND expires_at <= now() AS expired FROM {} "
).format(sql.Identifier(LISTS))
_UPSERT = sql.SQL(
    "INSERT INTO {} (list_name, value, source, added_by, reason, expires_at, transaction_id) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (list_name, value) DO UPDATE SET "
    "source = excluded.source, added_by = excluded.added_by, reason = excluded.reason, "
    "added_at = now(), expires_at = excluded.expires_at, transaction_id = excluded.transaction_id "
    "RETURNING list_name, value, source, added_by, reason, added_at, expires_at, transaction_id, "
    "false AS expired"
).format(sql.Identifier(LISTS))
_DELETE = sql.SQL("DELETE FROM {} WHERE list_name = %s AND value = %s").format(
    sql.Identifier(LISTS)
)
_IN_FORCE = sql.SQL(
    "SELECT list_name, value, source, extract(epoch FROM expires_at) FROM {} "
    "WHERE expires_at IS NULL OR expires_at > now()"
).format(sql.Identifier(LISTS))
_REVISIONS = sql.SQL("SELECT revision, lists_revision FROM {}").format(
    sql.Identifier(RULES_REVISION)
)
_RECORD = sql.SQL(
    "INSERT INTO {} (revision, list_name, value, source, expires_at) VALUES (%s, %s, %s, %s, %s)"
).format(sql.Identifier(LIST_CHANGES))
_SINCE = sql.SQL(
    "SELECT revision, list_name, value, source, extract(epoch FROM expires_at) FROM {} "
    "WHERE revision > %s AND revision <= %s ORDER BY revision"
).format(sql.Identifier(LIST_CHANGES))
# Each change that put a value on a list holds until the value's next change or its expiry.
_SPANS = sql.SQL(
    "SELECT list_name, value, (extract(epoch FROM changed_at) * 1e6)::bigint, "
    "(extract(epoch FROM least(expires_at, next_at)) * 1e6)::bigint FROM ("
    "SELECT list_name, value, source, changed_at, expires_at, lead(changed_at) OVER "
    "(PARTITION BY list_name, value ORDER BY revision) AS next_at FROM {} "
    "WHERE list_name = ANY(%s)) c WHERE source IS NOT NULL ORDER BY list_name, value, changed_at"
).format(sql.Identifier(LIST_CHANGES))
_LOCK = sql.SQL("SELECT lists_revision FROM {} FOR UPDATE").format(sql.Identifier(RULES_REVISION))
_BUMP = sql.SQL(
    "UPDATE {} SET lists_revision = lists_revision + 1 RETURNING lists_revision"
).format(sql.Identifier(RULES_REVISION))


@dataclass(frozen=True)
class ListChange:
    list_name: str
    value: str
    before: dict[str, Any] | None  # None: it was not on the list
    after: dict[str, Any] | None  # None: removed

    def describe(self) -> str:
        if self.after is None:
            return f"{self.list_name}: {self.value} removed"
        until = self.after["expires_at"] or "removed"
        verb = "added" if self.before is None else "replaced"
        return f"{self.list_name}: {self.value} {verb} until {until} ({self.after['reason']})"


@dataclass(frozen=True)
class Confirmed:
    """A fraud label that counted, on a payment of ``card_id``."""

    card_id: str
    transaction_id: str
    source: LabelSource
    analyst: str | None


def revisions(conn: psycopg.Connection) -> tuple[int, int]:
    """The rules' and the lists' revisions, in one read (0, 0 before anything was written)."""
    found = conn.execute(_REVISIONS).fetchone()
    return (0, 0) if found is None else (int(found[0]), int(found[1]))


def load(conn: psycopg.Connection) -> tuple[int, Lists]:
    """The entries in force, with the lists' revision they are at (one snapshot)."""
    lists = Lists()
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        at = revisions(conn)[1]
        for name, value, source, expires in conn.execute(_IN_FORCE).fetchall():
            expires_at = math.inf if expires is None else float(expires)
            try:
                lists.add(name, value, expires_at=expires_at, source=Source(source))
            except ListError:  # a list an older release knew: nothing can read it now
                continue
    return at, lists


def changes_since(conn: psycopg.Connection, revision: int) -> tuple[int, list[EntryChange]] | None:
    """The lists' revision now and every change after ``revision`` up to it, in order (one
    snapshot); None when any of them is not recorded (made before migration 0009): load all."""
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        at = revisions(conn)[1]
        rows = conn.execute(_SINCE, (revision, at)).fetchall()
    if [row[0] for row in rows] != list(range(revision + 1, at + 1)):
        return None
    return at, [
        EntryChange(
            name,
            value,
            None if source is None else Source(source),
            math.inf if expires is None else float(expires),
        )
        for _, name, value, source, expires in rows
    ]


def spans(conn: psycopg.Connection, names: Iterable[str]) -> ListHistory:
    """When each value was on each of the lists ``names`` (all their recorded changes)."""
    found: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for name, value, since, until in conn.execute(_SPANS, (sorted(names),)).fetchall():
        span = (int(since), FOREVER if until is None else int(until))
        found.setdefault(name, {}).setdefault(value, []).append(span)
    return ListHistory(found)


def add(
    conn: psycopg.Connection,
    name: str,
    value: str,
    *,
    actor: str,
    role: str,
    reason: str,
    source: Source = Source.HAND,
    expires_at: dt.datetime | None = None,
    transaction_id: str | None = None,
) -> ListChange | None:
    """Puts ``value`` on list ``name`` (audited, the lists' revision bumped); None when an
    automatic source finds it there already. ListError for an entry that could never match."""
    check(name, value)
    if not reason.strip():
        raise ListError("say why: an entry without a reason cannot be reviewed")
    if expires_at is not None and expires_at.tzinfo is None:
        raise ListError("an expiry needs a time zone")
    with conn.transaction():
        _lock(conn)
        before = _entry(conn, name, value)
        in_force = before is not None and not before.pop("expired")
        if in_force and source is not Source.HAND:
            return None
        with conn.cursor(row_factory=dict_row) as cursor:
            row = cursor.execute(
                _UPSERT,
                (name, value, source.value, actor, reason, expires_at, transaction_id),
            ).fetchone()
        assert row is not None  # INSERT ... RETURNING returns its row
        row.pop("expired")
        change = ListChange(name, value, before, _described(row))
        _changed(conn, change, actor=actor, role=role, transaction_id=transaction_id,
                 reason=reason, recorded=(source.value, expires_at))  # fmt: skip
        return change


def remove(
    conn: psycopg.Connection, name: str, value: str, *, actor: str, role: str, reason: str
) -> ListChange | None:
    """Takes ``value`` off list ``name`` (audited); None when it was not there."""
    check(name, value)
    with conn.transaction():
        _lock(conn)
        before = _entry(conn, name, value)
        if before is None:
            return None
        before.pop("expired")
        conn.execute(_DELETE, (name, value))
        change = ListChange(name, value, before, None)
        _changed(conn, change, actor=actor, role=role, transaction_id=None, reason=reason,
                 recorded=(None, None))  # fmt: skip
        return change


def entries(conn: psycopg.Connection, name: str | None = None) -> list[dict[str, Any]]:
    """What the lists (one list) hold, expired entries too (``expired``), by list and value."""
    where = sql.SQL("WHERE %s::text IS NULL OR list_name = %s ORDER BY list_name, value")
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(_ENTRY + where, (name, name)).fetchall()
    return [_described(row) for row in rows]


def list_compromised(conn: psycopg.Connection, confirmed: Sequence[Confirmed]) -> list[ListChange]:
    """The known-compromised policy, in the caller's transaction: each card with fraud confirmed
    on it onto ``compromised_cards``, by the analyst's verdict or by a chargeback."""
    made = []
    firsts: dict[str, Confirmed] = {}  # each card once, by its first label, in order
    for found in confirmed:
        firsts.setdefault(found.card_id, found)
    for found in firsts.values():
        by_analyst = found.source is LabelSource.ANALYST
        try:
            change = add(
                conn,
                COMPROMISED_CARDS,
                found.card_id,
                actor=(found.analyst or "analyst") if by_analyst else "chargeback",
                role=POLICY_ROLE,
                reason=f"fraud confirmed on {found.transaction_id} by "
                + (f"{found.analyst}'s verdict" if by_analyst else "a chargeback"),
                source=Source.VERDICT if by_analyst else Source.POLICY,
                transaction_id=found.transaction_id,
            )
        except ListError:  # a card id no rule could match: the label still counts
            continue
        if change is not None:
            made.append(change)
    return made


def history(conn: psycopg.Connection, name: str | None = None) -> list[dict[str, Any]]:
    """Every audited list change (of one list), oldest first."""
    return changes(conn, AuditAction.LIST_CHANGE, "list", name)


def _lock(conn: psycopg.Connection) -> int:
    """The lists' revision, locked: list changes are made one at a time."""
    found = conn.execute(_LOCK).fetchone()
    return 0 if found is None else int(found[0])


def _entry(conn: psycopg.Connection, name: str, value: str) -> dict[str, Any] | None:
    where = sql.SQL("WHERE list_name = %s AND value = %s")
    with conn.cursor(row_factory=dict_row) as cursor:
        row = cursor.execute(_ENTRY + where, (name, value)).fetchone()
    return None if row is None else _described(row)


def _described(row: dict[str, Any]) -> dict[str, Any]:
    """A row as JSON: times in ISO 8601, a missing expiry None."""
    return row | {
        key: None if row[key] is None else format_time(row[key])
        for key in ("added_at", "expires_at")
    }


def _changed(
    conn: psycopg.Connection,
    change: ListChange,
    *,
    actor: str,
    role: str,
    transaction_id: str | None,
    reason: str,
    recorded: tuple[str | None, dt.datetime | None],  # the source (None: removed), the expiry
) -> None:
    bumped = conn.execute(_BUMP).fetchone()
    assert bumped is not None  # migration 0007 wrote the one row
    conn.execute(_RECORD, (bumped[0], change.list_name, change.value, *recorded))
    detail = {"list": change.list_name, "value": change.value, "reason": reason,
              "before": _kept(change.before), "after": _kept(change.after)}  # fmt: skip
    record(conn, actor=actor, role=role, action=AuditAction.LIST_CHANGE,
           transaction_id=transaction_id, detail=detail)  # fmt: skip


def _kept(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if entry is None else {key: entry[key] for key in _COLUMNS}
