"""Changing the registry: register a version, promote, retire, roll back. Each command is one
transaction under the registry's advisory lock, so two people promoting at once are ordered,
and each writes its history rows and a notification in that same transaction: a status is never
changed without the record of who changed it, when and why."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from fraudcore.model_card import CARD_FILE, ModelCard
from fraudcore.model_registry.contract import (
    EVALUATIONS,
    EVENTS,
    LOCK,
    NOTIFY_CHANNEL,
    VERSIONS,
    Action,
    ArtifactError,
    Evaluation,
    Event,
    GateFailedError,
    RegistryError,
    Status,
    TransitionError,
    UnknownVersionError,
)
from fraudcore.model_registry.reader import get_version, history, latest_evaluation, serving
from fraudcore.model_registry.store import ModelStore

_SHA256 = re.compile(r"[0-9a-f]{64}")
# Where each promotion may start from: the champion is only replaced, never demoted in place.
_PROMOTABLE = {
    Status.CHALLENGER: {Status.CANDIDATE, Status.RETIRED},
    Status.CHAMPION: {Status.CANDIDATE, Status.CHALLENGER, Status.RETIRED},
}


def _check_words(actor: str, reason: str) -> None:
    if not actor.strip():
        raise RegistryError("who made the change is required (--actor)")
    if not reason.strip():
        raise RegistryError("why is required (--reason): the history keeps it")


def training_data_digest(card: ModelCard) -> str | None:
    """The sha256 of the training data as training wrote it into the card."""
    data = (card.model_extra or {}).get("data")
    digest = data.get("sha256") if isinstance(data, dict) else None
    return digest if isinstance(digest, str) else None


class _Change:
    """One command's transaction: status changes recorded under one change id."""

    def __init__(self, conn: psycopg.Connection, action: Action, actor: str, reason: str) -> None:
        _check_words(actor, reason)
        self.conn, self.action, self.actor, self.reason = conn, action, actor, reason
        self.change_id = str(uuid.uuid4())
        self.events: list[Event] = []

    def lock(self) -> None:
        self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))

    def record(
        self, version: str, old: Status | None, new: Status, overrode: int | None = None
    ) -> None:
        if old is not None and old is not new:
            self.conn.execute(
                sql.SQL(
                    "UPDATE {} SET status = %s, status_changed_at = clock_timestamp() "
                    "WHERE model_version = %s"
                ).format(sql.Identifier(VERSIONS)),
                (new.value, version),
            )
        row = self.conn.execute(
            sql.SQL(
                "INSERT INTO {} (change_id, model_version, action, from_status, to_status, "
                "actor, reason, overrode_evaluation) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "RETURNING event_id, at"
            ).format(sql.Identifier(EVENTS)),
            (self.change_id, version, self.action.value, old.value if old else None,
             new.value, self.actor, self.reason, overrode),
        ).fetchone()  # fmt: skip
        assert row is not None
        self.events.append(Event(int(row[0]), self.change_id, version, self.action, old, new,
                                 self.actor, self.reason, row[1], overrode))  # fmt: skip

    def notify(self) -> None:
        payload = orjson.dumps([event.as_json() for event in self.events]).decode()
        self.conn.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, payload))


def register(
    conn: psycopg.Connection,
    store: ModelStore,
    source: Path,
    *,
    actor: str,
    reason: str,
    data_digest: str | None = None,
) -> list[Event]:
    """Copy a model directory into the store and record it as a candidate. The same files
    again change nothing (no events); other files under a known version are refused."""
    _check_words(actor, reason)
    try:
        card = ModelCard.load(source)
    except (OSError, ValueError) as error:
        raise ArtifactError(f"{source}: no valid model card: {error}") from error
    digest = training_data_digest(card) or data_digest
    if digest is None:
        raise RegistryError(
            f"{card.model_version}: the card names no training data digest (data.sha256); "
            "give one with --data-digest"
        )
    if not _SHA256.fullmatch(digest):
        raise RegistryError(f"training data digest {digest!r} is not a sha256 (64 hex digits)")
    try:  # stored as JSONB, which has no NaN or Infinity
        raw: dict[str, Any] = orjson.loads((source / CARD_FILE).read_bytes())
    except orjson.JSONDecodeError as error:
        raise ArtifactError(f"{source}: the card is not strict JSON: {error}") from error
    digests = store.put(source, card.model_version)
    with conn.transaction():
        change = _Change(conn, Action.REGISTER, actor, reason)
        change.lock()
        try:
            known = get_version(conn, card.model_version)
        except UnknownVersionError:
            known = None
        if known is not None:
            if known.artifacts != digests:
                raise ArtifactError(f"{card.model_version} is registered with other files")
            return []
        conn.execute(
            sql.SQL(
                "INSERT INTO {} (model_version, status, artifacts, card, data_digest) "
                "VALUES (%s, %s, %s, %s, %s)"
            ).format(sql.Identifier(VERSIONS)),
            (card.model_version, Status.CANDIDATE.value, Jsonb(digests), Jsonb(raw), digest),
        )
        change.record(card.model_version, None, Status.CANDIDATE)
        change.notify()
    return change.events


def _gate(conn: psycopg.Connection, model_version: str, force: bool) -> int | None:
    """The failed evaluation a champion promotion overrides (``force``), None when its latest
    verdict passed or it was never evaluated; without ``force`` a failed gate refuses."""
    latest = latest_evaluation(conn, model_version)
    if latest is None or latest.passed:
        return None
    if not force:
        failed = ", ".join(k for k, v in latest.result.get("gates", {}).items() if not v["passed"])
        raise GateFailedError(
            f"{model_version} failed its gate against {latest.champion_version} (evaluation "
            f"{latest.evaluation_id}: {failed or 'see fraud-models show'}): promoting it to "
            "champion needs --force, recorded with --actor and --reason"
        )
    return latest.evaluation_id


def promote(
    conn: psycopg.Connection,
    model_version: str,
    to: Status,
    actor: str,
    reason: str,
    *,
    force: bool = False,
) -> list[Event]:
    """Make a version the challenger or the champion; the one it replaces is retired. A
    champion whose latest evaluation failed its gate is refused unless ``force``d (the event
    names the evaluation overridden); shadow is never acted on, so a challenger is not gated."""
    if to not in _PROMOTABLE:
        raise TransitionError(f"promote makes a challenger or a champion, not a {to.value}")
    with conn.transaction():
        change = _Change(conn, Action.PROMOTE, actor, reason)
        change.lock()
        version = get_version(conn, model_version)
        if version.status is to:
            raise TransitionError(f"{model_version} is already the {to.value}")
        if version.status not in _PROMOTABLE[to]:
            raise TransitionError(
                f"{model_version} is the {version.status.value}: it cannot become the "
                f"{to.value} (roll back or promote another version to replace a champion)"
            )
        overrode = _gate(conn, model_version, force) if to is Status.CHAMPION else None
        replaced = serving(conn).get(to)
        if replaced is not None:
            change.record(replaced.model_version, to, Status.RETIRED)
        change.record(model_version, version.status, to, overrode)
        change.notify()
    return change.events


def record_evaluation(
    conn: psycopg.Connection,
    model_version: str,
    champion_version: str,
    window: tuple[dt.datetime, dt.datetime],
    *,
    passed: bool,
    gates: dict[str, Any],
    result: dict[str, Any],
    actor: str,
) -> Evaluation:
    """Keep a gate verdict, and its line in the history, in one transaction. No notification:
    nothing serving changes."""
    verdict = "passed" if passed else "failed"
    reason = f"gate {verdict} against {champion_version}"
    with conn.transaction():
        change = _Change(conn, Action.EVALUATE, actor, reason)
        change.lock()
        version = get_version(conn, model_version)
        get_version(conn, champion_version)
        row = conn.execute(
            sql.SQL(
                "INSERT INTO {} (model_version, champion_version, window_from, window_to, "
                "passed, gates, result, actor) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
                "RETURNING evaluation_id, at"
            ).format(sql.Identifier(EVALUATIONS)),
            (model_version, champion_version, window[0], window[1], passed, Jsonb(gates),
             Jsonb(result), actor),
        ).fetchone()  # fmt: skip
        assert row is not None
        change.reason = f"{reason} (evaluation {row[0]})"
        change.record(model_version, version.status, version.status)
    return Evaluation(int(row[0]), model_version, champion_version, window[0], window[1], passed,
                      gates, result, actor, row[1])  # fmt: skip


def retire(conn: psycopg.Connection, model_version: str, actor: str, reason: str) -> list[Event]:
    """Take a candidate or the challenger out of use; the champion is only ever replaced."""
    with conn.transaction():
        change = _Change(conn, Action.RETIRE, actor, reason)
        change.lock()
        version = get_version(conn, model_version)
        if version.status is Status.CHAMPION:
            raise TransitionError(
                f"{model_version} is the champion: promote another version or roll back instead"
            )
        if version.status is Status.RETIRED:
            raise TransitionError(f"{model_version} is already retired")
        change.record(model_version, version.status, Status.RETIRED)
        change.notify()
    return change.events


def rollback(
    conn: psycopg.Connection, actor: str, reason: str, to: str | None = None
) -> list[Event]:
    """Make the previous champion (or ``to``) the champion again; the current one is retired."""
    with conn.transaction():
        change = _Change(conn, Action.ROLLBACK, actor, reason)
        change.lock()
        current = serving(conn).get(Status.CHAMPION)
        if current is None:
            raise TransitionError("there is no champion to roll back from")
        target = to or _previous_champion(conn, current.model_version)
        if target == current.model_version:
            raise TransitionError(f"{target} is the champion already")
        version = get_version(conn, target)
        change.record(current.model_version, Status.CHAMPION, Status.RETIRED)
        change.record(target, version.status, Status.CHAMPION)
        change.notify()
    return change.events


def _previous_champion(conn: psycopg.Connection, current: str) -> str:
    changed = (Action.PROMOTE, Action.ROLLBACK)  # an evaluation of the champion changes nothing
    champions = [e.model_version for e in history(conn)
                 if e.to_status is Status.CHAMPION and e.action in changed]  # fmt: skip
    earlier = [version for version in champions if version != current]
    if not earlier:
        raise TransitionError(f"{current} is the only champion there has been: nothing to roll "
                              "back to")  # fmt: skip
    return earlier[-1]
