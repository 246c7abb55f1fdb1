"""Reading the registry: versions, the serving ones, and the history of status changes."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

from fraudcore.model_registry.contract import (
    EVALUATIONS,
    EVENTS,
    VERSIONS,
    Action,
    Evaluation,
    Event,
    ModelVersion,
    Status,
    UnknownVersionError,
)

_VERSION_COLUMNS = (
    "model_version, status, artifacts, card, data_digest, registered_at, status_changed_at"
)
_EVENT_COLUMNS = (
    "event_id, change_id, model_version, action, from_status, to_status, actor, reason, at, "
    "overrode_evaluation"
)
_EVALUATION_COLUMNS = (
    "evaluation_id, model_version, champion_version, window_from, window_to, passed, gates, "
    "result, actor, at"
)


def _version(row: tuple[Any, ...]) -> ModelVersion:
    name, status, artifacts, card, data_digest, registered_at, changed_at = row
    return ModelVersion(name, Status(status), dict(artifacts), dict(card), data_digest,
                        registered_at, changed_at)  # fmt: skip


def _event(row: tuple[Any, ...]) -> Event:
    event_id, change_id, name, action, from_status, to_status, actor, reason, at, overrode = row
    return Event(int(event_id), str(change_id), name, Action(action),
                 None if from_status is None else Status(from_status), Status(to_status),
                 actor, reason, at, None if overrode is None else int(overrode))  # fmt: skip


def _evaluation(row: tuple[Any, ...]) -> Evaluation:
    evaluation_id, name, champion, since, until, passed, gates, result, actor, at = row
    return Evaluation(int(evaluation_id), name, champion, since, until, bool(passed),
                      dict(gates), dict(result), actor, at)  # fmt: skip


def list_versions(conn: psycopg.Connection, status: Status | None = None) -> list[ModelVersion]:
    """Every version, newest registration first (only those with ``status`` when given)."""
    query = sql.SQL("SELECT {} FROM {} WHERE %(status)s::text IS NULL OR status = %(status)s "
                    "ORDER BY registered_at DESC, model_version").format(
        sql.SQL(_VERSION_COLUMNS), sql.Identifier(VERSIONS)
    )  # fmt: skip
    rows = conn.execute(query, {"status": None if status is None else status.value}).fetchall()
    return [_version(row) for row in rows]


def get_version(conn: psycopg.Connection, model_version: str) -> ModelVersion:
    row = conn.execute(
        sql.SQL("SELECT {} FROM {} WHERE model_version = %s").format(
            sql.SQL(_VERSION_COLUMNS), sql.Identifier(VERSIONS)
        ),
        (model_version,),
    ).fetchone()
    if row is None:
        raise UnknownVersionError(f"no model version {model_version!r} in the registry")
    return _version(row)


def serving(conn: psycopg.Connection) -> dict[Status, ModelVersion]:
    """The champion and the challenger, those that are set."""
    rows = conn.execute(
        sql.SQL("SELECT {} FROM {} WHERE status IN ('champion', 'challenger')").format(
            sql.SQL(_VERSION_COLUMNS), sql.Identifier(VERSIONS)
        )
    ).fetchall()
    return {version.status: version for version in map(_version, rows)}


def history(conn: psycopg.Connection, model_version: str | None = None) -> list[Event]:
    """Status changes in the order they happened (of one version when given)."""
    query = sql.SQL(
        "SELECT {} FROM {} WHERE %(v)s::text IS NULL OR model_version = %(v)s ORDER BY event_id"
    ).format(sql.SQL(_EVENT_COLUMNS), sql.Identifier(EVENTS))
    return [_event(row) for row in conn.execute(query, {"v": model_version}).fetchall()]


def evaluations(conn: psycopg.Connection, model_version: str | None = None) -> list[Evaluation]:
    """Gate verdicts in the order they were given (of one version when given)."""
    query = sql.SQL(
        "SELECT {} FROM {} WHERE %(v)s::text IS NULL OR model_version = %(v)s "
        "ORDER BY evaluation_id"
    ).format(sql.SQL(_EVALUATION_COLUMNS), sql.Identifier(EVALUATIONS))
    return [_evaluation(row) for row in conn.execute(query, {"v": model_version}).fetchall()]


def latest_evaluation(conn: psycopg.Connection, model_version: str) -> Evaluation | None:
    """The version's most recent gate verdict: the one a promotion is held to."""
    found = evaluations(conn, model_version)
    return found[-1] if found else None
