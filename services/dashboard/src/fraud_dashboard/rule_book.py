"""The rules through the dashboard: every version with its history, a new version, a status
change, a backtest; each change audited by ``fraudcore.decision_log.rule_store`` (who, when,
before and after) in the transaction that makes it. Blocking psycopg calls run in a worker
thread on a few kept connections, as the rest of the dashboard's do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg

from fraud_dashboard.auth.who import Identity
from fraud_dashboard.decision_log import on_log
from fraud_dashboard.log_connections import LogConnections
from fraudcore.decision_log import rule_backtest, rule_store
from fraudcore.decision_log.backtest_window import examples
from fraudcore.rules import RuleDefinition, Status
from fraudcore.schemas import format_time
from fraudcore.settings import DatabaseSettings

T = TypeVar("T")


def _event(event: dict[str, Any]) -> dict[str, Any]:
    detail = event["detail"]
    return {
        "event_id": event["event_id"], "at": format_time(event["at"]), "actor": event["actor"],
        "role": event["role"], "rule_id": detail["rule_id"], "version": detail["version"],
        "before": detail["before"], "after": detail["after"],
    }  # fmt: skip


def _rules(definitions: list[RuleDefinition]) -> list[dict[str, Any]]:
    """One entry per rule id: its versions newest first, and which acts and which shadows."""
    by_id: dict[str, list[RuleDefinition]] = {}
    for definition in definitions:
        by_id.setdefault(definition.id, []).append(definition)
    out = []
    for rule_id, versions in sorted(by_id.items()):
        versions.sort(key=lambda d: d.version, reverse=True)
        status = {d.status: d.version for d in versions}
        out.append({
            "id": rule_id,
            "active_version": status.get(Status.ACTIVE),
            "shadow_version": status.get(Status.SHADOW),
            "versions": [d.model_dump(mode="json") for d in versions],
        })  # fmt: skip
    return out


@dataclass
class RuleBook:
    settings: DatabaseSettings | None
    connections: LogConnections | None = field(default=None, repr=False)

    def close(self) -> None:
        if self.connections is not None:
            self.connections.close()

    def __post_init__(self) -> None:
        if self.settings is not None and self.connections is None:
            self.connections = LogConnections(self.settings)

    async def _run(self, work: Callable[[psycopg.Connection], T], *, retry: bool = True) -> T:
        return await on_log(self.connections, work, retry=retry)

    async def listing(self) -> dict[str, Any]:
        def read(conn: psycopg.Connection) -> dict[str, Any]:
            revision, definitions = rule_store.load(conn)
            return {"revision": revision, "baseline": revision == 0, "rules": _rules(definitions)}

        return await self._run(read)

    async def show(self, rule_id: str) -> dict[str, Any] | None:
        def read(conn: psycopg.Connection) -> dict[str, Any] | None:
            revision, definitions = rule_store.load(conn)
            found = _rules([d for d in definitions if d.id == rule_id])
            if not found:
                return None
            events = [_event(e) for e in rule_store.history(conn, rule_id)]
            return found[0] | {"revision": revision, "history": events[::-1]}

        return await self._run(read)

    async def add_version(
        self, rule_id: str, content: dict[str, Any], who: Identity
    ) -> dict[str, Any]:
        def write(conn: psycopg.Connection) -> dict[str, Any]:
            definition, changes = rule_store.add_version(
                conn, rule_id, content, actor=who.name, role=who.role.value
            )
            return {"rule": definition.model_dump(mode="json"),
                    "changes": [c.describe() for c in changes]}  # fmt: skip

        return await self._run(write, retry=False)

    async def set_status(
        self, rule_id: str, version: int, status: Status, who: Identity
    ) -> dict[str, Any]:
        def write(conn: psycopg.Connection) -> dict[str, Any]:
            changes = rule_store.set_status(
                conn, rule_id, version, status, actor=who.name, role=who.role.value
            )
            return {"changes": [c.describe() for c in changes],
                    "revision": rule_store.revision(conn)}  # fmt: skip

        return await self._run(write, retry=False)

    async def stored(self, rule_id: str, version: int) -> RuleDefinition:
        return await self._run(lambda conn: rule_backtest.stored_version(conn, rule_id, version))

    async def backtest(
        self, rule: RuleDefinition, start: dt.datetime | None, end: dt.datetime | None
    ) -> dict[str, Any]:
        def read(conn: psycopg.Connection) -> dict[str, Any]:
            done = rule_backtest.run(conn, [rule], start, end)
            (result,) = done.backtests
            return result.as_json() | {
                "read_seconds": round(done.read_seconds, 3),
                "examples": examples(conn, result.window, result.hits),
            }

        return await self._run(read)
