"""Rules as data in the decision log's database: every version of every rule with its status,
one revision number consumers poll, and every change audited (who, when, before and after).

A version's text is immutable: a changed expression, action, reason or priority is a new version.
Applying a set checks every rule first (parse, types, clashing versions) and writes all or
nothing. Making a version active (or shadow) retires the version that held that status, so one
action promotes a shadow rule. Until anything is written (revision 0), the built-in baseline
R01-R04 is in force; the first write records it, so the database then holds the whole truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from fraudcore.decision_log.audit import AuditAction, changes, record
from fraudcore.decision_log.contract import RULES, RULES_REVISION
from fraudcore.rules import BASELINE_RULES, RuleDefinition, RuleSet, RuleSetError, Status

BASELINE_ACTOR = "baseline"  # who wrote R01-R04 into the database: the code that carried them
_CONTENT = ("expression", "action", "reason", "priority")
_SELECT = sql.SQL(
    "SELECT rule_id AS id, version, expression, action, reason, priority, status FROM {} "
).format(sql.Identifier(RULES))
_INSERT = sql.SQL(
    "INSERT INTO {} (rule_id, version, expression, action, reason, priority, status) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s)"
).format(sql.Identifier(RULES))
_STATUS = sql.SQL(
    "UPDATE {} SET status = %s, changed_at = now() WHERE rule_id = %s AND version = %s"
).format(sql.Identifier(RULES))
_REVISION = sql.SQL("SELECT revision FROM {}").format(sql.Identifier(RULES_REVISION))
_LOCKED_REVISION = sql.SQL("SELECT revision FROM {} FOR UPDATE").format(
    sql.Identifier(RULES_REVISION)
)
_BUMP = sql.SQL(
    "UPDATE {} SET revision = revision + 1, changed_at = now() RETURNING revision"
).format(sql.Identifier(RULES_REVISION))


class RuleStoreError(ValueError):
    """A change that cannot be made: the message says which rule and why."""


@dataclass(frozen=True)
class Change:
    rule_id: str
    version: int
    before: dict[str, Any] | None  # None: the version is new
    after: dict[str, Any]

    def describe(self) -> str:
        if self.before is None:
            return f"{self.rule_id} v{self.version}: created {self.after['status']}"
        return f"{self.rule_id} v{self.version}: {self.before['status']} -> {self.after['status']}"


def revision(conn: psycopg.Connection) -> int:
    """The rules' revision: it moves with every change (0: nothing written yet)."""
    found = conn.execute(_REVISION).fetchone()
    return 0 if found is None else int(found[0])


def load(conn: psycopg.Connection) -> tuple[int, list[RuleDefinition]]:
    """Every version of every rule, with the revision they are at (one snapshot)."""
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        at = revision(conn)
        rows = cursor.execute(_SELECT + sql.SQL("ORDER BY rule_id, version")).fetchall()
    if at == 0:
        return 0, list(BASELINE_RULES)
    return at, [RuleDefinition.model_validate(row) for row in rows]


def in_force(definitions: Iterable[RuleDefinition]) -> list[RuleDefinition]:
    """The versions a consumer evaluates: active and shadow."""
    return [d for d in definitions if d.status in (Status.ACTIVE, Status.SHADOW)]


def apply(
    conn: psycopg.Connection, definitions: Sequence[RuleDefinition], *, actor: str, role: str
) -> list[Change]:
    """Write ``definitions`` (new versions, or status changes of existing ones), all or nothing;
    the changes made, each audited. Refused whole when any rule is invalid or would change the
    text of a version already written. Idempotent: what is already in force (the baseline
    itself at revision 0) writes nothing and leaves the revision where it is."""
    with conn.transaction():
        at = _lock(conn)
        stored = {(d.id, d.version): d for d in _stored(conn, at)}
        planned = dict(stored)
        for rule in definitions:
            old = stored.get((rule.id, rule.version))
            if old is not None and _content(old) != _content(rule):
                changed = [k for k in _content(rule) if _content(old)[k] != _content(rule)[k]]
                raise RuleStoreError(
                    f"{rule.id} version {rule.version} is already written with another "
                    f"{', '.join(changed)}: a changed rule is a new version"
                )
            planned = _with_status(planned, rule)
        try:
            RuleSet.compile(planned.values())
        except RuleSetError as error:
            raise RuleStoreError(str(error)) from error
        # Retirements first: the one-active and one-shadow indexes hold after every statement.
        writes = [
            (rule, stored.get(key))
            for key, rule in sorted(planned.items(), key=lambda item: _claims(item[1]))
            if stored.get(key) is None or stored[key].status is not rule.status
        ]
        if not writes:  # what is asked is what is in force: applying it again changes nothing
            return []
        changes: list[Change] = []
        if at == 0:  # the baseline in force so far becomes data, before anything changes it
            changes += [_write(conn, rule, None, BASELINE_ACTOR, role) for rule in BASELINE_RULES]
        changes += [_write(conn, rule, old, actor, role) for rule, old in writes]
        conn.execute(_BUMP)
        return changes


def set_status(
    conn: psycopg.Connection, rule_id: str, version: int, status: Status, *, actor: str, role: str
) -> list[Change]:
    """One version to ``status`` (activating or shadowing retires the one that held it)."""
    with conn.transaction():
        at = _lock(conn)
        found = {(d.id, d.version): d for d in _stored(conn, at)}.get((rule_id, version))
    if found is None:
        raise RuleStoreError(f"no rule {rule_id} version {version}")
    return apply(conn, [found.model_copy(update={"status": status})], actor=actor, role=role)


def add_version(
    conn: psycopg.Connection,
    rule_id: str,
    content: dict[str, Any],
    *,
    actor: str,
    role: str,
) -> tuple[RuleDefinition, list[Change]]:
    """A new draft version of ``rule_id`` (version 1 of a new rule) with ``content``
    (expression, action, reason, priority), numbered under the lock: two editors saving at once
    get two versions, never one overwritten."""
    with conn.transaction():
        at = _lock(conn)
        stored = _stored(conn, at)
        newest = max((d.version for d in stored if d.id == rule_id), default=0)
        definition = RuleDefinition.model_validate(
            {**content, "id": rule_id, "version": newest + 1, "status": Status.DRAFT}
        )
        return definition, apply(conn, [definition], actor=actor, role=role)


def history(conn: psycopg.Connection, rule_id: str | None = None) -> list[dict[str, Any]]:
    """Every audited change (of one rule), oldest first."""
    return changes(conn, AuditAction.RULE_CHANGE, "rule_id", rule_id)


def _lock(conn: psycopg.Connection) -> int:
    """The revision, locked: changes are made one at a time, each against what is stored."""
    found = conn.execute(_LOCKED_REVISION).fetchone()
    return 0 if found is None else int(found[0])


def _stored(conn: psycopg.Connection, at: int) -> Sequence[RuleDefinition]:
    """What a change is made to: the rules written, or at revision 0 the baseline in force."""
    if at == 0:
        return BASELINE_RULES
    with conn.cursor(row_factory=dict_row) as cursor:
        return [RuleDefinition.model_validate(row) for row in cursor.execute(_SELECT).fetchall()]


def _claims(rule: RuleDefinition) -> bool:
    return rule.status in (Status.ACTIVE, Status.SHADOW)


def _content(rule: RuleDefinition) -> dict[str, Any]:
    return rule.model_dump(mode="json", include=set(_CONTENT))


def _with_status(
    planned: dict[tuple[str, int], RuleDefinition], rule: RuleDefinition
) -> dict[tuple[str, int], RuleDefinition]:
    """``rule`` in, and the other version of its id holding the same active or shadow status
    retired."""
    out = dict(planned)
    if rule.status in (Status.ACTIVE, Status.SHADOW):
        for key, other in planned.items():
            if (
                other.id == rule.id
                and other.version != rule.version
                and other.status is rule.status
            ):
                out[key] = other.model_copy(update={"status": Status.RETIRED})
    out[(rule.id, rule.version)] = rule
    return out


def _write(
    conn: psycopg.Connection,
    rule: RuleDefinition,
    old: RuleDefinition | None,
    actor: str,
    role: str,
) -> Change:
    if old is None:
        conn.execute(
            _INSERT,
            (rule.id, rule.version, rule.expression, rule.action.value, rule.reason,
             rule.priority, rule.status.value),
        )  # fmt: skip
    else:
        conn.execute(_STATUS, (rule.status.value, rule.id, rule.version))
    change = Change(
        rule.id,
        rule.version,
        None if old is None else old.model_dump(mode="json"),
        rule.model_dump(mode="json"),
    )
    detail = {"rule_id": rule.id, "version": rule.version, "before": change.before,
              "after": change.after}  # fmt: skip
    record(conn, actor=actor, role=role, action=AuditAction.RULE_CHANGE, transaction_id=None,
           detail=detail)  # fmt: skip
    return change
